/**
 * `images` and `push` against real registries (Debian's docker-registry) on 127.0.0.1, with
 * images the tests build, checked independently with skopeo.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { startNginx, type Nginx } from './helpers/nginx.js'
import { createServer, request as httpRequest } from 'node:http'
import { connect as netConnect, type AddressInfo } from 'node:net'
import {
  blobOf,
  makeImage,
  makeIndex,
  makeLayer,
  makePki,
  pushFixture,
  startRegistry,
  startTokenServer,
  type Blob,
  type BuiltImage,
  type BuiltIndex,
  type Registry,
  type TestPki,
  type TokenServer
} from './helpers/registry.js'
import { tempDir } from './helpers/temp.js'

const USER = { user: 'kb-user', password: `pw-${randomBytes(6).toString('hex')}` }

let storage: string
let work: string
let pki: TestPki
let plain: Registry
let basic: Registry
let tls: Registry
let token: Registry
let tokenPlain: Registry
let tokenServer: TokenServer
let plainTokenServer: TokenServer
let authFile: string
/** nginx in front of the plain registry: its access log is where fetches are counted. */
let door: Nginx
let doorHost: string

const base = makeLayer('base.txt', randomBytes(300_000))
const fixtures: Record<string, BuiltImage | BuiltIndex> = {}

const cli = (args: string[]): Promise<CliResult> => spawnCli(args, work).done

/** Jest's sandboxed process.env does not reach child processes: pass the environment explicitly. */
const cliEnv = (args: string[], env: Record<string, string>): Promise<CliResult> => spawnCli(args, work, env).done

const skopeo = (...args: string[]): string => execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

/** The password in every form a leak could take: plain, and inside a Basic header. */
const secretForms = (): string[] => [USER.password, Buffer.from(`${USER.user}:${USER.password}`).toString('base64')]

beforeAll(async () => {
  storage = tempDir('kb-storage-')
  work = tempDir('kb-images-')
  pki = makePki()
  plain = await startRegistry({ storage })
  door = await startNginx({ proxyV2To: plain.host })
  doorHost = `127.0.0.1:${door.port}`
  basic = await startRegistry({ storage, htpasswd: USER })
  tls = await startRegistry({ storage, tls: pki })
  tokenServer = await startTokenServer(pki, USER, 'kb-test-issuer', 'kb-test-registry')
  token = await startRegistry({ storage, token: { realm: tokenServer.realm, service: 'kb-test-registry', issuer: 'kb-test-issuer', rootCert: pki.cert } })
  plainTokenServer = await startTokenServer(pki, USER, 'kb-test-issuer', 'kb-test-registry', false)
  tokenPlain = await startRegistry({ storage, token: { realm: plainTokenServer.realm, service: 'kb-test-registry', issuer: 'kb-test-issuer', rootCert: pki.cert } })
  authFile = join(work, 'auth.json')
  const auth = Buffer.from(`${USER.user}:${USER.password}`).toString('base64')
  writeFileSync(authFile, JSON.stringify({ auths: { [basic.host]: { auth }, [token.host]: { auth }, [tokenPlain.host]: { auth } } }))

  const amd = makeImage('oci', 'amd64', [base, makeLayer('app-amd64', randomBytes(200_000))])
  const arm = makeImage('oci', 'arm64', [base, makeLayer('app-arm64', randomBytes(200_000))])
  const attestation = makeImage('oci', 'unknown', [makeLayer('sbom.json', Buffer.from('{"spdx": true}'))])
  fixtures['multi/app:1.0'] = makeIndex('oci', [['amd64', amd], ['arm64', arm]], attestation)
  const damd = makeImage('docker', 'amd64', [base, makeLayer('tool-amd64', randomBytes(100_000))])
  const darm = makeImage('docker', 'arm64', [base, makeLayer('tool-arm64', randomBytes(100_000))])
  fixtures['docker/tool:2.0'] = makeIndex('docker', [['amd64', damd], ['arm64', darm]])
  fixtures['single/oci:3'] = makeImage('oci', 'amd64', [base, makeLayer('three', randomBytes(50_000))])
  fixtures['single/docker:4'] = makeImage('docker', 'amd64', [base])
  for (const [name, image] of Object.entries(fixtures)) {
    const [repo, tag] = name.split(':')
    await pushFixture(plain.host, repo, tag, image)
  }
}, 60_000)

afterAll(async () => {
  await door?.stop()
  await Promise.all([plain, basic, tls, token, tokenPlain].filter(Boolean).map((r) => r.stop()))
  tokenServer?.server.close()
  plainTokenServer?.server.close()
  for (const dir of [storage, work, pki?.dir]) if (dir) rmSync(dir, { recursive: true, force: true })
})

function listOf(name: string, host: string, names: string[]): string {
  const path = join(work, name)
  writeFileSync(path, names.map((n) => `${host}/${n}`).join('\n') + '\n')
  return path
}

const digestOfFixture = (name: string): string => {
  const f = fixtures[name]
  return 'children' in f ? f.index.digest : f.manifest.digest
}

/** Blob GETs the door served since line `from` of its log, by digest. */
function blobGets(from: number): Map<string, number> {
  const counts = new Map<string, number>()
  for (const line of readFileSync(door.accessLog, 'utf8').split('\n').slice(from)) {
    const m = /"GET \/v2\/[^ ]*\/blobs\/(sha256:[0-9a-f]{64}) [^"]*" 20[06] /.exec(line)
    if (m) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1)
  }
  return counts
}
const logLines = (): number => readFileSync(door.accessLog, 'utf8').split('\n').length - 1

const allBlobs = (image: BuiltImage | BuiltIndex): Blob[] => ('children' in image ? image.children.flatMap((c) => c.blobs) : image.blobs)

describe('images: one shared OCI layout, straight from the registry', () => {
  const names = ['multi/app:1.0', 'docker/tool:2.0', 'single/oci:3', 'single/docker:4']

  it('saves Docker and OCI images, single and multi-platform, each blob fetched once (counted at the server); skopeo reads every one', async () => {
    const out = join(work, 'amd64')
    const list = listOf('all.list', doorHost, names)
    const before = logLines()
    const r = await cli(['images', '--list', list, '--out', out, '--insecure-registry', doorHost])
    expect(r.stderr).not.toContain('failed')
    expect(r.status).toBe(0)
    const layout = join(out, 'images')
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ mediaType: string; annotations: Record<string, string> }> }
    expect(index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name'])).toEqual(names.map((n) => `${doorHost}/${n}`))
    expect(index.manifests.every((m) => m.mediaType === 'application/vnd.oci.image.index.v1+json' || m.mediaType === 'application/vnd.oci.image.manifest.v1+json')).toBe(true)
    // The base layer, used by all four images (six manifests), went over the wire once.
    const gets = blobGets(before)
    expect(gets.get(base.blob.digest)).toBe(1)
    expect([...gets.values()].every((n) => n === 1)).toBe(true)
    expect(readdirSync(join(layout, 'blobs/sha256'))).toContain(base.blob.digest.slice(7))
    // Nothing but blobs in blobs/sha256: temp files live in the tool's state directory.
    expect(readdirSync(join(layout, 'blobs/sha256')).filter((f) => !/^[0-9a-f]{64}$/.test(f))).toEqual([])
    for (const name of names) {
      const ref = `oci:${layout}:${doorHost}/${name}`
      const inspected = JSON.parse(skopeo('inspect', ref)) as { Architecture: string }
      expect(inspected.Architecture).toBe('amd64')
      skopeo('copy', '-q', ref, `docker-archive:${join(work, 'archive.tar')}`)
      rmSync(join(work, 'archive.tar'))
    }
    // Single-platform images keep the registry's digest.
    expect(skopeo('inspect', '--raw', `oci:${layout}:${doorHost}/single/oci:3`)).toBe((fixtures['single/oci:3'] as BuiltImage).manifest.data.toString())
  })

  it('a re-run fetches no blob (counted at the server)', async () => {
    const before = logLines()
    const r = await cli(['images', '--list', join(work, 'all.list'), '--out', join(work, 'amd64'), '--insecure-registry', doorHost])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/4\/4 images in .*; 0 B fetched/)
    expect(blobGets(before).size).toBe(0)
  })

  it('two platforms: Docker lists, OCI indexes with attestations and single manifests copy with skopeo for each platform; push reproduces every source digest', async () => {
    const out = join(work, 'two')
    const r = await cli(['images', '--list', join(work, 'all.list'), '--out', out, '--platform', 'linux/amd64,linux/arm64', '--insecure-registry', doorHost])
    expect(r.stderr).not.toContain('failed')
    expect(r.status).toBe(0)
    const layout = join(out, 'images')
    const blobs = readdirSync(join(layout, 'blobs/sha256'))
    // Every platform kept: the registry's own index and list bytes are in the layout.
    expect(blobs).toContain(digestOfFixture('docker/tool:2.0').slice(7))
    expect(blobs).toContain(digestOfFixture('multi/app:1.0').slice(7))
    for (const name of names) {
      for (const arch of name.startsWith('single') ? ['amd64'] : ['amd64', 'arm64']) {
        const archive = join(work, `two-${arch}.tar`)
        skopeo('copy', '-q', '--override-arch', arch, `oci:${layout}:${doorHost}/${name}`, `docker-archive:${archive}`)
        const config = JSON.parse(skopeo('inspect', '--config', `docker-archive:${archive}`)) as { architecture: string }
        expect(config.architecture).toBe(arch)
        rmSync(archive)
      }
    }
    const target = await startRegistry({ storage: tempDir('kb-target2-') })
    try {
      const p = await cli(['push', '--from', layout, '--registry', target.host, '--insecure'])
      expect(p.stderr).not.toContain('failed')
      expect(p.status).toBe(0)
      for (const name of names) {
        const raw = skopeo('inspect', '--tls-verify=false', '--raw', `docker://${target.host}/${name}`)
        expect(blobOf(Buffer.from(raw)).digest).toBe(digestOfFixture(name))
      }
    } finally {
      await target.stop()
    }
  })

  it('--platform all keeps a Docker list and an OCI index with its attestation byte-identical', async () => {
    const out = join(work, 'all')
    const r = await cli(['images', '--list', join(work, 'all.list'), '--out', out, '--platform', 'all', '--insecure-registry', doorHost])
    expect(r.status).toBe(0)
    const blobs = readdirSync(join(out, 'images/blobs/sha256'))
    expect(blobs).toContain(digestOfFixture('docker/tool:2.0').slice(7))
    expect(skopeo('inspect', '--raw', `oci:${join(out, 'images')}:${doorHost}/multi/app:1.0`)).toBe((fixtures['multi/app:1.0'] as BuiltIndex).index.data.toString())
    for (const blob of allBlobs(fixtures['multi/app:1.0'])) expect(blobs).toContain(blob.digest.slice(7))
  })

  it('push copies every image with its digests, mounts shared blobs across repositories, skips what the registry has', async () => {
    const target = await startRegistry({ storage: tempDir('kb-target-') })
    // In front of the target, an nginx that logs every request the push makes.
    const targetDoor = await startNginx({ proxyV2To: target.host })
    const targetHost = `127.0.0.1:${targetDoor.port}`
    try {
      const r = await cli(['push', '--from', join(work, 'all/images'), '--registry', targetHost, '--insecure', '--concurrency', '1'])
      expect(r.stderr).not.toContain('failed')
      expect(r.status).toBe(0)
      for (const name of names) {
        const raw = skopeo('inspect', '--tls-verify=false', '--raw', `docker://${target.host}/${name}`)
        expect(blobOf(Buffer.from(raw)).digest).toBe(digestOfFixture(name))
      }
      // The base layer went up once and was mounted into the other three repositories.
      const log = readFileSync(targetDoor.accessLog, 'utf8').split('\n')
      const baseHex = base.blob.digest.slice(7)
      expect(log.filter((l) => /"PUT \/v2\/.*\/blobs\/uploads\//.test(l) && l.includes(baseHex))).toHaveLength(1)
      expect(log.filter((l) => l.includes(`mount=sha256%3A${baseHex}`) && /" 201 /.test(l))).toHaveLength(3)
      const again = await cli(['push', '--from', join(work, 'all/images'), '--registry', targetHost, '--insecure'])
      expect(again.status).toBe(0)
      const uploaded = again.stdout.split('\n').filter((l) => /  pushed$/.test(l)).map((l) => l.split(/\s{2,}/)[3])
      expect(uploaded).toEqual(['0 B', '0 B', '0 B', '0 B'])
    } finally {
      await targetDoor.stop()
      await target.stop()
    }
  })

  it('index.json is the list: a shorter list drops the others and their blobs, unless --keep-unreferenced', async () => {
    const out = join(work, 'shrink')
    const first = await cli(['images', '--list', join(work, 'all.list'), '--out', out, '--insecure-registry', doorHost])
    expect(first.status).toBe(0)
    const only = listOf('only.list', doorHost, ['single/oci:3'])
    const kept = await cli(['images', '--list', only, '--out', out, '--insecure-registry', doorHost, '--keep-unreferenced'])
    expect(kept.status).toBe(0)
    const blobsDir = join(out, 'images/blobs/sha256')
    const index = (): string[] =>
      (JSON.parse(readFileSync(join(out, 'images/index.json'), 'utf8')) as { manifests: Array<{ annotations: Record<string, string> }> }).manifests.map(
        (m) => m.annotations['org.opencontainers.image.ref.name']
      )
    expect(index()).toEqual([`${doorHost}/single/oci:3`])
    const toolLayer = (fixtures['docker/tool:2.0'] as BuiltIndex).children[0].blobs[2].digest.slice(7)
    expect(readdirSync(blobsDir)).toContain(toolLayer)
    const pruned = await cli(['images', '--list', only, '--out', out, '--insecure-registry', doorHost])
    expect(pruned.status).toBe(0)
    expect(pruned.stdout).toMatch(/blob\(s\) no listed image uses removed/)
    const single = fixtures['single/oci:3'] as BuiltImage
    expect(readdirSync(blobsDir).sort()).toEqual([single.manifest, ...single.blobs].map((b) => b.digest.slice(7)).sort())
    skopeo('copy', '-q', `oci:${join(out, 'images')}:${doorHost}/single/oci:3`, `docker-archive:${join(work, 'shrink.tar')}`)
    rmSync(join(work, 'shrink.tar'))
  })

  it('one run at a time per layout: a live lock fails the second run by name, a stale one is taken over', async () => {
    const out = join(work, 'locked')
    const only = listOf('lock.list', doorHost, ['single/oci:3'])
    mkdirSync(join(out, '.kubespray-bundle'), { recursive: true })
    const lock = join(out, '.kubespray-bundle/images.lock')
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), started: 'now' }))
    const busy = await cli(['images', '--list', only, '--out', out, '--insecure-registry', doorHost])
    expect(busy.status).toBe(1)
    expect(busy.stderr).toContain(`is being written by another kubespray-bundle run (pid ${process.pid}`)
    expect(busy.stderr).toContain(lock)
    const dead = spawnSync(process.execPath, ['-e', '0']).pid
    writeFileSync(lock, JSON.stringify({ pid: dead, host: hostname(), started: 'then' }))
    const r = await cli(['images', '--list', only, '--out', out, '--insecure-registry', doorHost])
    expect(r.status).toBe(0)
    expect(existsSync(lock)).toBe(false)
  })

  it('never writes through a link planted in the output directory', async () => {
    const out = join(work, 'planted')
    const elsewhere = tempDir('kb-elsewhere-')
    mkdirSync(join(out, 'images/blobs'), { recursive: true })
    symlinkSync(elsewhere, join(out, 'images/blobs/sha256'))
    const only = listOf('planted.list', doorHost, ['single/oci:3'])
    const r = await cli(['images', '--list', only, '--out', out, '--insecure-registry', doorHost])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`${join(out, 'images/blobs/sha256')} is a symbolic link; refusing to write through it`)
    expect(readdirSync(elsewhere)).toEqual([])
    // A link at a blob's own path is replaced by the verified blob, never written through.
    rmSync(join(out, 'images/blobs/sha256'))
    mkdirSync(join(out, 'images/blobs/sha256'))
    const victim = join(elsewhere, 'victim')
    writeFileSync(victim, 'keep me')
    const single = fixtures['single/oci:3'] as BuiltImage
    symlinkSync(victim, join(out, 'images/blobs/sha256', single.blobs[1].digest.slice(7)))
    const again = await cli(['images', '--list', only, '--out', out, '--insecure-registry', doorHost])
    expect(again.status).toBe(0)
    expect(readFileSync(victim, 'utf8')).toBe('keep me')
    expect(lstatSync(join(out, 'images/blobs/sha256', single.blobs[1].digest.slice(7))).isFile()).toBe(true)
  })

  it('fails alone and by name: missing image, missing tag, missing platform, pinned digest mismatch', async () => {
    const list = join(work, 'faults.list')
    const wrong = `sha256:${'0'.repeat(64)}`
    writeFileSync(list, [`${plain.host}/single/oci:3`, `${plain.host}/nope/none:1`, `${plain.host}/single/oci:9`, `${plain.host}/multi/app:1.0`, `${plain.host}/single/docker:4@${wrong}`].join('\n'))
    const r = await cli(['images', '--list', list, '--out', join(work, 'faults'), '--platform', 'linux/amd64,linux/s390x', '--insecure-registry', plain.host])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('nope/none:1: manifest 1: HTTP 404: not found')
    expect(r.stderr).toContain('single/oci:9: manifest 9: HTTP 404: not found')
    expect(r.stderr).toContain('multi/app:1.0: has no linux/s390x (it has linux/amd64, linux/arm64/v8)')
    expect(r.stderr).toContain(`single/docker:4@${wrong}: manifest ${wrong}: HTTP 404: not found`)
    expect(r.stdout).toMatch(/single\/oci:3 .* saved, verified/)
  })

  it('Basic auth: 401 without credentials is named; with REGISTRY_AUTH_FILE it works and the password never shows', async () => {
    const list = listOf('basic.list', basic.host, ['single/oci:3'])
    const denied = await cliEnv(['images', '--list', list, '--out', join(work, 'basic-denied'), '--insecure-registry', basic.host], { REGISTRY_AUTH_FILE: join(work, 'none.json') })
    expect(denied.status).toBe(1)
    expect(denied.stderr).toContain('requires a login (Basic auth) and no credentials were found')
    const ok = await cliEnv(['images', '--list', list, '--out', join(work, 'basic'), '--insecure-registry', basic.host], { REGISTRY_AUTH_FILE: authFile })
    expect(ok.status).toBe(0)
    for (const secret of secretForms()) expect(ok.stdout + ok.stderr).not.toContain(secret)
  })

  it('TLS with a custom CA (NODE_EXTRA_CA_CERTS), no --insecure-registry needed', async () => {
    const list = listOf('tls.list', tls.host, ['docker/tool:2.0'])
    const r = await cliEnv(['images', '--list', list, '--out', join(work, 'tls')], { NODE_EXTRA_CA_CERTS: pki.caCert })
    expect(r.stderr).not.toContain('failed')
    expect(r.status).toBe(0)
  })

  it('Bearer tokens from the HTTPS realm the registry names, with credentials; a pull never loads undici', async () => {
    const list = listOf('token.list', token.host, ['multi/app:1.0', 'single/docker:4'])
    // undici, once loaded, installs its global dispatcher: the probe reports it at exit.
    const probe = join(work, 'undici-probe.cjs')
    writeFileSync(probe, "process.on('exit', () => process.stderr.write('undici loaded: ' + (globalThis[Symbol.for('undici.globalDispatcher.1')] ? 'yes' : 'no') + '\\n'))\n")
    const r = await cliEnv(['images', '--list', list, '--out', join(work, 'token'), '--insecure-registry', token.host], {
      REGISTRY_AUTH_FILE: authFile,
      NODE_EXTRA_CA_CERTS: pki.caCert,
      NODE_OPTIONS: `--require ${probe}`
    })
    expect(r.stderr).not.toContain('failed')
    expect(r.status).toBe(0)
    expect(tokenServer.issued()).toBeGreaterThan(0)
    for (const secret of secretForms()) expect(r.stdout + r.stderr).not.toContain(secret)
    expect(r.stderr).toContain('undici loaded: no')
  })

  it('with HTTP_PROXY set, manifests and blobs go through the proxy, plain-HTTP ones as absolute-URI requests (no CONNECT)', async () => {
    // A forward proxy of our own: it relays absolute-URI requests and remembers their paths. It
    // has no CONNECT: a tunnel asked of it fails (undici used to retry that without end).
    const proxied: string[] = []
    const proxy = createServer((req, res) => {
      const target = new URL(req.url ?? '')
      proxied.push(target.pathname)
      const upstream = httpRequest({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      })
      upstream.on('error', () => res.writeHead(502).end())
      req.pipe(upstream)
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    try {
      const list = listOf('proxied.list', plain.host, ['multi/app:1.0', 'single/docker:4'])
      const run = spawnCli(['images', '--list', list, '--out', join(work, 'proxied'), '--insecure-registry', plain.host], work, {
        HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        NO_PROXY: ''
      })
      // A run that loops on the proxy must fail this test, not outlive it.
      const guard = setTimeout(() => run.child.kill('SIGKILL'), 30_000)
      const r = await run.done.finally(() => clearTimeout(guard))
      expect(r.stderr).not.toContain('failed')
      expect(r.status).toBe(0)
      // Two tags and the amd64 child of the index; every blob of both images.
      expect(proxied.filter((p) => p.includes('/manifests/')).length).toBeGreaterThanOrEqual(3)
      const blobDigests = new Set(proxied.filter((p) => p.includes('/blobs/')).map((p) => p.split('/blobs/')[1]))
      expect(blobDigests.size).toBeGreaterThanOrEqual(4)
      skopeo('inspect', `oci:${join(work, 'proxied/images')}:${plain.host}/single/docker:4`)
    } finally {
      proxy.closeAllConnections()
      proxy.close()
    }
  })

  it('with HTTPS_PROXY set, a TLS registry is reached through a CONNECT tunnel; a proxy that closes on CONNECT fails the run at once, saying so', async () => {
    // A forward proxy of our own that tunnels CONNECT, or, refusing, closes the connection
    // without a word (undici used to reconnect to such a proxy without end, at a full core).
    let refuse = false
    const tunnels: string[] = []
    const proxy = createServer((_req, res) => res.writeHead(405).end())
    proxy.on('connect', (req, client, head) => {
      tunnels.push(req.url ?? '')
      if (refuse) return void client.destroy()
      const [host, port] = (req.url ?? '').split(':')
      const upstream = netConnect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.write(head)
        upstream.pipe(client).on('error', () => undefined)
        client.pipe(upstream).on('error', () => undefined)
      })
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const env = { HTTPS_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, NO_PROXY: '', NODE_EXTRA_CA_CERTS: pki.caCert }
    const list = listOf('tunnelled.list', tls.host, ['docker/tool:2.0'])
    const runGuarded = async (out: string): Promise<CliResult> => {
      const run = spawnCli(['images', '--list', list, '--out', join(work, out)], work, env)
      // A run that loops on the proxy must fail this test, not outlive it.
      const guard = setTimeout(() => run.child.kill('SIGKILL'), 30_000)
      return run.done.finally(() => clearTimeout(guard))
    }
    try {
      const ok = await runGuarded('tunnelled')
      expect(ok.stderr).not.toContain('failed')
      expect(ok.status).toBe(0)
      expect(tunnels.length).toBeGreaterThan(0)
      expect(tunnels.every((t) => t === tls.host)).toBe(true)
      refuse = true
      tunnels.length = 0
      const refused = await runGuarded('refused')
      expect(refused.status).toBe(1)
      expect(refused.stderr).toContain(`closed the connection when asked to tunnel to ${tls.host} (CONNECT): it refuses the tunnel; check HTTPS_PROXY and NO_PROXY`)
      // Asked, refused, given up: not thousands of reconnects.
      expect(tunnels.length).toBeLessThan(10)
    } finally {
      proxy.closeAllConnections()
      proxy.close()
    }
  })

  it('Basic credentials never go to a plain-HTTP token realm on another host: withheld, and the refusal says so', async () => {
    const list = listOf('token-plain.list', tokenPlain.host, ['single/oci:3'])
    const r = await cliEnv(['images', '--list', list, '--out', join(work, 'token-plain'), '--insecure-registry', tokenPlain.host], { REGISTRY_AUTH_FILE: authFile })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('your credentials were withheld: the realm')
    expect(plainTokenServer.authorizations.length).toBeGreaterThan(0)
    expect(plainTokenServer.authorizations.every((a) => a === undefined)).toBe(true)
    for (const secret of secretForms()) expect(r.stdout + r.stderr).not.toContain(secret)
  })

  it('stand-in registry: a blob redirect carries no credentials, a corrupt blob and a schema 1 manifest fail by name', async () => {
    // docker-registry's filesystem storage never redirects, serves no corrupt bytes and refuses
    // schema 1 pushes, so this registry is a stand-in of our own: Basic auth, blobs answered
    // with a 307 to a "CDN" on another port that records whether an Authorization header came.
    const good = makeImage('oci', 'amd64', [makeLayer('cdn', randomBytes(20_000))])
    const bad = makeImage('oci', 'amd64', [makeLayer('bad', randomBytes(20_000))])
    const blobs = new Map([...good.blobs, ...bad.blobs].map((b) => [b.digest, b.data]))
    const corrupt = bad.blobs[1].digest
    // An index whose child, fetched by digest, comes back as other bytes of the same size.
    const lyingIndex = makeIndex('oci', [['amd64', good]])
    const tampered = Buffer.from(good.manifest.data.toString().replace('"schemaVersion": 2', '"schemaVersion": 3'))
    const manifests: Record<string, [string, Buffer]> = {
      '/v2/cdn/app/manifests/1': [good.mediaType, good.manifest.data],
      '/v2/cdn/lying/manifests/1': [lyingIndex.mediaType, lyingIndex.index.data],
      [`/v2/cdn/lying/manifests/${good.manifest.digest}`]: [good.mediaType, tampered],
      '/v2/cdn/bad/manifests/1': [bad.mediaType, bad.manifest.data],
      '/v2/cdn/old/manifests/1': ['application/vnd.docker.distribution.manifest.v1+prettyjws', Buffer.from('{"schemaVersion":1,"name":"cdn/old","tag":"1","fsLayers":[]}')]
    }
    const expected = `Basic ${Buffer.from(`${USER.user}:${USER.password}`).toString('base64')}`
    const cdnSawAuth: Array<string | undefined> = []
    const cdn = createServer((req, res) => {
      cdnSawAuth.push(req.headers.authorization)
      const digest = req.url?.slice('/blob/'.length) ?? ''
      const data = blobs.get(digest)
      res.writeHead(data ? 200 : 404).end(digest === corrupt && data ? Buffer.concat([data.subarray(1), Buffer.from('x')]) : data)
    })
    await new Promise<void>((r) => cdn.listen(0, '127.0.0.1', r))
    const cdnPort = (cdn.address() as AddressInfo).port
    const registry = createServer((req, res) => {
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="stand-in"' }).end()
        return
      }
      const manifest = manifests[req.url ?? '']
      const blob = /^\/v2\/cdn\/\w+\/blobs\/(sha256:\w+)$/.exec(req.url ?? '')
      if (req.url === '/v2/cdn/huge/manifests/1') {
        // No Content-Length: chunked, and far past any plausible manifest.
        res.writeHead(200, { 'content-type': good.mediaType })
        const chunk = Buffer.alloc(1 << 20, 0x20)
        const more = (n: number): void => {
          if (n === 0 || res.destroyed) return void res.end()
          if (res.write(chunk)) more(n - 1)
          else res.once('drain', () => more(n - 1))
        }
        more(16)
      } else if (manifest) res.writeHead(200, { 'content-type': manifest[0] }).end(manifest[1])
      else if (blob) res.writeHead(307, { location: `http://127.0.0.1:${cdnPort}/blob/${blob[1]}` }).end()
      else res.writeHead(404).end()
    })
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r))
    const host = `127.0.0.1:${(registry.address() as AddressInfo).port}`
    try {
      const file = join(work, 'standin-auth.json')
      writeFileSync(file, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${USER.user}:${USER.password}`).toString('base64') } } }))
      writeFileSync(join(work, 'standin.list'), ['cdn/app:1', 'cdn/bad:1', 'cdn/old:1', 'cdn/lying:1', 'cdn/huge:1'].map((n) => `${host}/${n}`).join('\n'))
      const out = join(work, 'standin')
      const r = await cliEnv(['images', '--list', join(work, 'standin.list'), '--out', out, '--insecure-registry', host], { REGISTRY_AUTH_FILE: file })
      expect(r.status).toBe(1)
      expect(r.stdout).toMatch(/cdn\/app:1 .* saved, verified/)
      expect(r.stderr).toMatch(new RegExp(`cdn/bad:1: .*@${corrupt}: digest mismatch: expected ${corrupt}, got sha256:[0-9a-f]{64}`))
      expect(r.stderr).toContain('cdn/old:1: manifest 1: Docker schema 1 manifests are not supported')
      expect(r.stderr).toContain(`cdn/lying:1: manifest ${good.manifest.digest}: digest mismatch: the registry served bytes that hash to ${blobOf(tampered).digest}`)
      expect(r.stderr).toMatch(/cdn\/huge:1: manifest 1: a more than 4194304-byte manifest is not plausible/)
      expect(readdirSync(join(out, 'images/blobs/sha256'))).not.toContain(corrupt.slice(7))
      expect(readdirSync(join(out, 'images/blobs/sha256')).filter((f) => f.includes('.tmp'))).toEqual([])
      expect(cdnSawAuth.length).toBeGreaterThanOrEqual(good.blobs.length)
      expect(cdnSawAuth.every((a) => a === undefined)).toBe(true)
    } finally {
      registry.close()
      cdn.close()
    }
  })

  it('push: credentials go to the own origin of the registry only, never to an upload url on another origin', async () => {
    // A stand-in target (docker-registry never hands out foreign upload urls): Basic auth on
    // its own origin; uploads are sent to a second server, which records any Authorization.
    const expected = `Basic ${Buffer.from(`${USER.user}:${USER.password}`).toString('base64')}`
    const uploadSawAuth: Array<string | undefined> = []
    const uploads = createServer((req, res) => {
      uploadSawAuth.push(req.headers.authorization)
      req.resume()
      req.on('end', () => res.writeHead(201).end())
    })
    await new Promise<void>((r) => uploads.listen(0, '127.0.0.1', r))
    const uploadPort = (uploads.address() as AddressInfo).port
    const registrySawAuth: Array<string | undefined> = []
    const target = createServer((req, res) => {
      registrySawAuth.push(req.headers.authorization)
      if (req.headers.authorization !== expected) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="stand-in"' }).end()
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        if (req.method === 'HEAD') res.writeHead(404).end()
        else if (req.method === 'POST') res.writeHead(202, { location: `http://127.0.0.1:${uploadPort}/upload/${randomBytes(4).toString('hex')}` }).end()
        else if (req.method === 'PUT' && req.url?.includes('/manifests/')) res.writeHead(201, { 'docker-content-digest': blobOf(Buffer.concat(chunks)).digest }).end()
        else res.writeHead(404).end()
      })
    })
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r))
    const host = `127.0.0.1:${(target.address() as AddressInfo).port}`
    try {
      const file = join(work, 'push-auth.json')
      writeFileSync(file, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${USER.user}:${USER.password}`).toString('base64') } } }))
      const r = await cliEnv(['push', '--from', join(work, 'amd64/images'), '--registry', host, '--insecure'], { REGISTRY_AUTH_FILE: file })
      expect(r.stderr).not.toContain('failed')
      expect(r.status).toBe(0)
      expect(registrySawAuth).toContain(expected)
      expect(uploadSawAuth.length).toBeGreaterThan(3)
      expect(uploadSawAuth.every((a) => a === undefined)).toBe(true)
      for (const secret of secretForms()) expect(r.stdout + r.stderr).not.toContain(secret)
    } finally {
      target.close()
      uploads.close()
    }
  })

  it('fetches a big layer in Range segments on several connections, verified, resumable parts cleaned up', async () => {
    const big = makeImage('oci', 'amd64', [base, makeLayer('big.bin', randomBytes(70 << 20))])
    await pushFixture(plain.host, 'big/layer', '1', big)
    const door = await startNginx({ proxyV2To: plain.host })
    const doorHost = `127.0.0.1:${door.port}`
    try {
      const out = join(work, 'big')
      writeFileSync(join(work, 'big.list'), `${doorHost}/big/layer:1\n`)
      const r = await cli(['images', '--list', join(work, 'big.list'), '--out', out, '--insecure-registry', doorHost])
      expect(r.stderr).not.toContain('failed')
      expect(r.status).toBe(0)
      const layerHex = big.blobs[2].digest.slice(7)
      const ranged = readFileSync(door.accessLog, 'utf8').split('\n').filter((l) => l.includes(`/blobs/sha256:${layerHex}`) && /" 206 /.test(l))
      expect(ranged.length).toBeGreaterThan(1)
      const blobs = readdirSync(join(out, 'images/blobs/sha256'))
      expect(blobs).toContain(layerHex)
      expect(blobs.filter((f) => f.startsWith('.'))).toEqual([])
      skopeo('copy', '-q', `oci:${join(out, 'images')}:${doorHost}/big/layer:1`, `docker-archive:${join(work, 'big.tar')}`)
    } finally {
      await door.stop()
      rmSync(join(work, 'big.tar'), { force: true })
    }
  })
})
