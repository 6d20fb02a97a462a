/**
 * What a new user meets first (#27): a bad --out or --bundle fails before any work, at once, in
 * one line naming the flag and the path (Node's recursive mkdir used to spin at 100 % CPU under
 * /proc); serve binds both ports or neither and ends when one is busy; --version answers.
 * Each run is killed if it outlives its time box, so a hang fails the test instead of the suite.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createServer as createHttpServer } from 'node:http'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { join } from 'node:path'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { CONFORMANCE_DIR, REPO_ROOT } from './helpers/conformance.js'
import { tempDir } from './helpers/temp.js'
import { startRegistry } from './helpers/registry.js'

/** Every scenario ends well within this (a cold start is ~0.3 s); a run still going at 3× is killed. */
const QUICK_MS = 5000

let work: string
let bundle: string
let aFile: string

beforeAll(() => {
  work = tempDir('kb-front-')
  // Enough of a bundle for serve and for the checks that come before reading it.
  bundle = join(work, 'bundle')
  mkdirSync(join(bundle, 'images'), { recursive: true })
  writeFileSync(join(bundle, 'images', 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [] }))
  aFile = join(work, 'a-file')
  writeFileSync(aFile, 'not a directory\n')
})

async function quickRun(args: string[]): Promise<CliResult & { ms: number }> {
  const started = Date.now()
  const run = spawnCli(args, work)
  const killer = setTimeout(() => run.child.kill('SIGKILL'), QUICK_MS * 3)
  const result = await run.done
  clearTimeout(killer)
  return { ...result, ms: Date.now() - started }
}

/** Failed at once (exit 1) with exactly one line on stderr, nothing on stdout; returns that line. */
async function failsAtOnce(args: string[]): Promise<string> {
  const r = await quickRun(args)
  expect(r.ms).toBeLessThan(QUICK_MS)
  expect(r.stdout).toBe('')
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(r.status).toBe(1)
  return r.stderr.trimEnd()
}

/** A real Kubespray tree, so that lists would get as far as writing (where it used to spin). */
const TREE = join(CONFORMANCE_DIR, 'v2.30.0', 'inputs')
const OFFLINE_YML = ['offline-yml', '--files-url', 'http://192.0.2.1:8080', '--registry', '192.0.2.1:35000']

const linux = existsSync('/proc/self') ? describe : describe.skip
linux('an --out that cannot be created (/proc/x) fails at once, naming the flag', () => {
  it.each([
    ['build', ['build', '--kubespray', 'v2.30.0', '--out', '/proc/x']],
    ['lists', ['lists', '--kubespray-dir', TREE, '--out', '/proc/x']],
    ['images', ['images', '--list', 'images.list', '--out', '/proc/x']],
    ['files', ['files', '--list', 'files.json', '--out', '/proc/x']],
    ['fetch', ['fetch', '--repo', 'o/n', '--tag', 'v1', '--out', '/proc/x']]
  ])('%s', async (command, args) => {
    const line = await failsAtOnce(args)
    expect(line).toBe(`kubespray-bundle ${command}: error: --out /proc/x: cannot create /proc/x (ENOENT: no such file or directory)`)
  })

  it('offline-yml, whose --out is a file below it', async () => {
    const line = await failsAtOnce([...OFFLINE_YML, '--bundle', bundle, '--kubespray-dir', TREE, '--out', '/proc/x/offline.yml'])
    expect(line).toContain('error: --out /proc/x/offline.yml: cannot create /proc/x (ENOENT')
  })
})

describe('paths of the wrong kind fail at once, naming the flag and the path', () => {
  it('a file as --out DIR', async () => {
    expect(await failsAtOnce(['lists', '--kubespray-dir', TREE, '--out', aFile])).toContain(`error: --out ${aFile}: is a file, not a directory`)
    expect(await failsAtOnce(['images', '--list', 'images.list', '--out', join(aFile, 'sub')])).toContain(
      `error: --out ${join(aFile, 'sub')}: cannot create ${join(aFile, 'sub')}: ${aFile} is a file, not a directory`
    )
  })

  it('a directory as offline-yml --out FILE: the path given, not a temp file', async () => {
    const line = await failsAtOnce([...OFFLINE_YML, '--bundle', bundle, '--kubespray-dir', TREE, '--out', work])
    expect(line).toContain(`error: --out ${work}: is a directory; give the file to write, such as ${join(work, 'offline.yml')}`)
  })

  it('a --bundle that is not there, or not a directory', async () => {
    const missing = join(work, 'nothing')
    expect(await failsAtOnce(['verify', '--bundle', missing])).toContain(`error: --bundle ${missing}: no such directory`)
    expect(await failsAtOnce(['serve', '--bundle', missing])).toContain(`error: --bundle ${missing}: no such directory`)
    expect(await failsAtOnce(['push', '--bundle', aFile, '--registry', '127.0.0.1:1'])).toContain(`error: --bundle ${aFile}: is a file, not a directory`)
  })

  it("a bundle whose Kubespray tarball is gone: offline-yml names it, not a raw ENOENT", async () => {
    const dir = join(work, 'no-tarball')
    mkdirSync(dir)
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify({ kubespray: { tarball: { path: 'kubespray-v2.30.0.tar.gz', sha256: '0'.repeat(64), size: 1 } } }))
    const line = await failsAtOnce([...OFFLINE_YML, '--bundle', dir])
    expect(line).toContain(`error: --bundle ${dir}: its Kubespray source kubespray-v2.30.0.tar.gz is missing`)
    expect(line).not.toContain('ENOENT')
  })

  it('fetch names --repo as typed, not build --kubespray-repository', async () => {
    const r = await quickRun(['fetch', '--repo', 'notarepo', '--tag', 'v1', '--out', join(work, 'fetched')])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('error: --repo notarepo: expected OWNER/NAME')
  })
})

describe('serve starts whole or not at all', () => {
  let busy: Server
  let busyPort: number

  beforeAll(async () => {
    busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    busyPort = (busy.address() as { port: number }).port
  })
  afterAll(() => new Promise((resolve) => busy.close(resolve)))

  // The other port is 0 (any free one): it binds, and must be let go for the process to end.
  it.each([
    ['--registry-port', ['--files-port', '0', '--registry-port']],
    ['--files-port', ['--registry-port', '0', '--files-port']]
  ])('a busy %s: exits non-zero, having said it serves nothing', async (flag, ports) => {
    const line = await failsAtOnce(['serve', '--bundle', bundle, '--host', '127.0.0.1', ...ports, String(busyPort)])
    expect(line).toContain(`error: ${flag} ${busyPort}: address in use on 127.0.0.1`)
  })
})

it('--version prints the tool and Node versions', async () => {
  const r = await quickRun(['--version'])
  expect(r.status).toBe(0)
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
  expect(r.stdout).toBe(`kubespray-bundle ${version} (Node ${process.version}, ${process.platform}-${process.arch})\n`)
  expect(r.ms).toBeLessThan(QUICK_MS)
})

describe('errors that tell the fix', () => {
  it('a plain-HTTP registry spoken to over TLS: the host and the flag to add, said once for all its images', async () => {
    const registry = await startRegistry({ storage: tempDir('kb-front-reg-') })
    try {
      writeFileSync(join(work, 'plain.list'), `${registry.host}/foo/bar:1\n${registry.host}/foo/baz:2\n`)
      const r = await quickRun(['images', '--list', 'plain.list', '--out', join(work, 'plain-out')])
      expect(r.status).toBe(1)
      expect(r.ms).toBeLessThan(QUICK_MS)
      const hint = `${registry.host} answered plain HTTP, not TLS: add --insecure-registry ${registry.host}`
      expect(r.stderr.split(hint).length - 1).toBe(1) // in the final error; as it happened, the item and its cause in short
      expect(r.stderr).not.toContain('wrong version number')
      expect(r.stderr).toContain(`(2 image(s): ${registry.host}/foo/bar:1, ${registry.host}/foo/baz:2)`)
    } finally {
      await registry.stop()
    }
  })

  it('a refused port fails in about a second (was 15.5 s of backoff), the host named in one line for all it served', async () => {
    const port = await closedPort()
    const urls = [`http://127.0.0.1:${port}/a/x.tar`, `http://127.0.0.1:${port}/a/y.tar`]
    writeFileSync(join(work, 'refused.json'), JSON.stringify({ files: urls.map((url) => ({ url, checksum: `sha256:${'ab'.repeat(32)}` })) }))
    const r = await quickRun(['files', '--list', 'refused.json', '--out', join(work, 'refused-out')])
    expect(r.status).toBe(1)
    expect(r.ms).toBeLessThan(2000)
    const refusal = `127.0.0.1:${port} refused the connection (ECONNREFUSED): nothing listens there; check that the server is up and the host and port are right`
    expect(r.stderr.split(refusal).length - 1).toBe(1) // in the final error; as it happened, the item and its code
    expect(r.stderr).toContain(`${refusal}\n    (2 file(s): ${urls.join(', ')})`)
    expect(r.stderr).toMatch(new RegExp(`failed: (${urls.map((u) => u.replace(/[.]/g, '\\.')).join('|')}) \\(ECONNREFUSED\\)`))
    // No line is printed twice.
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !/^files \d/.test(l))
    expect(new Set(lines).size).toBe(lines.length)
    expect(r.stderr.match(/retry \d+\/\d+ after ECONNREFUSED/g)).toEqual(['retry 1/1 after ECONNREFUSED'])
  })

  // The air-gapped machine's usual failure: a resolv.conf whose server does not answer. A mount
  // namespace of its own (root only) lays such a file over /etc/resolv.conf for the run alone.
  const ownResolvConf = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0 ? it : it.skip
  ownResolvConf('no DNS server answering (EAI_AGAIN) fails in about a second (was 17 s of backoff), the host named in one line', async () => {
    const resolvConf = join(work, 'resolv.conf')
    writeFileSync(resolvConf, 'nameserver 192.0.2.1\noptions timeout:1 attempts:1\n')
    const urls = ['http://files.example.org/a/x.tar', 'http://files.example.org/a/y.tar']
    writeFileSync(join(work, 'no-dns.json'), JSON.stringify({ files: urls.map((url) => ({ url, checksum: `sha256:${'ab'.repeat(32)}` })) }))
    const started = Date.now()
    const run = spawn('unshare', ['-m', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolvConf, process.execPath, join(REPO_ROOT, 'dist/cli.js'), 'files', '--list', 'no-dns.json', '--out', join(work, 'no-dns-out')], {
      cwd: work,
      env: { ...process.env, KUBESPRAY_BUNDLE_PROGRESS_MS: '100' }
    })
    let stderr = ''
    run.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const killer = setTimeout(() => run.kill('SIGKILL'), QUICK_MS * 3)
    const status = await new Promise<number | null>((resolve) => run.on('close', resolve))
    clearTimeout(killer)
    expect(status).toBe(1)
    // Each lookup waits up to the resolver's timeout (1 s): two of them, and a quick retry between.
    expect(Date.now() - started).toBeLessThan(QUICK_MS)
    const line = 'files.example.org: no DNS server answered (EAI_AGAIN): check /etc/resolv.conf, or use --mirror'
    expect(stderr.split(line).length - 1).toBe(1) // in the final error; as it happened, the item and its code
    expect(stderr).toContain(`${line}\n    (2 file(s): ${urls.join(', ')})`)
    expect(stderr.match(/retry \d+\/\d+ after EAI_AGAIN/g)).toEqual(['retry 1/1 after EAI_AGAIN'])
    expect(stderr).not.toContain('getaddrinfo')
  })

  it('a registry gone mid-layer (refused from then on): the layer\'s partial download is kept for the next run', async () => {
    const digest = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`
    const layer = Buffer.alloc(256 << 10, 7)
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digest(layer)] } }))
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: digest(config) },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', size: layer.length, digest: digest(layer) }]
      })
    )
    const gone = createHttpServer((req, res) => {
      const path = req.url ?? ''
      if (path === '/v2/') return res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      if (path.startsWith('/v2/lib/x/manifests/')) {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': digest(manifest), 'content-length': manifest.length })
        return res.end(req.method === 'HEAD' ? undefined : manifest)
      }
      if (path === `/v2/lib/x/blobs/${digest(config)}`) return res.writeHead(200, { 'content-length': config.length }).end(config)
      if (path === `/v2/lib/x/blobs/${digest(layer)}`) {
        // Half the layer, then the registry is gone: the connection cut, the port refused.
        res.writeHead(206, { 'content-length': layer.length, 'content-range': `bytes 0-${layer.length - 1}/${layer.length}` })
        res.write(layer.subarray(0, layer.length / 2), () => {
          gone.close()
          gone.closeAllConnections()
        })
        return
      }
      res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve))
    const host = `127.0.0.1:${(gone.address() as AddressInfo).port}`
    writeFileSync(join(work, 'gone.list'), `${host}/lib/x:1\n`)
    const out = join(work, 'gone-out')
    const r = await quickRun(['images', '--list', 'gone.list', '--out', out, '--insecure-registry', host])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`${host} refused the connection (ECONNREFUSED)`)
    const part = (readdirSync(out, { recursive: true }) as string[]).find((p) => p.endsWith(`${digest(layer).slice('sha256:'.length)}.part`))
    expect(part).toBeDefined()
    expect(statSync(join(out, part ?? '')).size).toBeGreaterThanOrEqual(layer.length / 2)
  })

  it('a 503 then a 200: the progress line says a retry happens, and why', async () => {
    let hits = 0
    const body = Buffer.from('a file that came on the second try\n')
    const server = createHttpServer((_req, res) => (++hits === 1 ? res.writeHead(503).end('busy') : res.writeHead(200, { 'content-length': body.length }).end(body)))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
      const checksum = `sha256:${createHash('sha256').update(body).digest('hex')}`
      writeFileSync(join(work, 'busy.json'), JSON.stringify({ files: [{ url: `http://${host}/busy.bin`, checksum }] }))
      const r = await quickRun(['files', '--list', 'busy.json', '--out', join(work, 'busy-out'), '--retries', '3'])
      expect(r.status).toBe(0)
      expect(r.stderr).toMatch(new RegExp(`^files \\d/1 .*  \\(retry 1/3 after 503: ${host.replace(/\./g, '\\.')}\\)$`, 'm'))
      expect(hits).toBe(2)
    } finally {
      server.close()
    }
  })

  it('a host name that does not resolve fails at once, not after retries', async () => {
    writeFileSync(join(work, 'nxdomain.list'), 'registry.invalid/foo/bar:1\nregistry.invalid/foo/baz:2\n')
    const r = await quickRun(['images', '--list', 'nxdomain.list', '--out', join(work, 'nx-out')])
    expect(r.status).toBe(1)
    expect(r.ms).toBeLessThan(QUICK_MS)
    const unresolved = "registry.invalid: the name does not resolve (ENOTFOUND): check the host name, and this machine's DNS"
    expect(r.stderr.split(unresolved).length - 1).toBe(1) // in the final error; as it happened, the item and its code
    expect(r.stderr).toContain(`${unresolved}\n    (2 image(s): registry.invalid/foo/bar:1, registry.invalid/foo/baz:2)`)
    expect(r.stderr).not.toContain('retry')
  })
})

/** A port on 127.0.0.1 nothing listens on (it was just freed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
