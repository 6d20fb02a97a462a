/**
 * `images` and `push` against real registries (Debian's docker-registry) on 127.0.0.1, with
 * images the tests build, checked independently with skopeo.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { startNginx } from './helpers/nginx.js'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  blobOf,
  makeImage,
  makeIndex,
  makeLayer,
  makePki,
  pushFixture,
  startRegistry,
  startTokenServer,
  tempDir,
  type BuiltImage,
  type BuiltIndex,
  type Registry,
  type TestPki
} from './helpers/registry.js'

const USER = { user: 'kb-user', password: `pw-${randomBytes(6).toString('hex')}` }

let storage: string
let work: string
let pki: TestPki
let plain: Registry
let basic: Registry
let tls: Registry
let token: Registry
let tokenServer: Awaited<ReturnType<typeof startTokenServer>>
let authFile: string

const base = makeLayer('base.txt', randomBytes(300_000))
const fixtures: Record<string, BuiltImage | BuiltIndex> = {}

const cli = (args: string[]): Promise<CliResult> => spawnCli(args, work).done

/** Jest's sandboxed process.env does not reach child processes: pass the environment explicitly. */
const cliEnv = (args: string[], env: Record<string, string>): Promise<CliResult> => spawnCli(args, work, env).done

const skopeo = (...args: string[]): string => execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

beforeAll(async () => {
  storage = tempDir('kb-storage-')
  work = tempDir('kb-images-')
  pki = makePki()
  plain = await startRegistry({ storage })
  basic = await startRegistry({ storage, htpasswd: USER })
  tls = await startRegistry({ storage, tls: pki })
  tokenServer = await startTokenServer(pki, USER, 'kb-test-issuer', 'kb-test-registry')
  token = await startRegistry({ storage, token: { realm: tokenServer.realm, service: 'kb-test-registry', issuer: 'kb-test-issuer', rootCert: pki.cert } })
  authFile = join(work, 'auth.json')
  const auth = Buffer.from(`${USER.user}:${USER.password}`).toString('base64')
  writeFileSync(authFile, JSON.stringify({ auths: { [basic.host]: { auth }, [token.host]: { auth } } }))

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
  await Promise.all([plain, basic, tls, token].filter(Boolean).map((r) => r.stop()))
  tokenServer?.server.close()
  for (const dir of [storage, work, pki?.dir]) if (dir) rmSync(dir, { recursive: true, force: true })
})

function listOf(name: string, registry: Registry, names: string[]): string {
  const path = join(work, name)
  writeFileSync(path, names.map((n) => `${registry.host}/${n}`).join('\n') + '\n')
  return path
}

const digestOfFixture = (name: string): string => {
  const f = fixtures[name]
  return 'children' in f ? f.index.digest : f.manifest.digest
}

describe('images: one shared OCI layout, straight from the registry', () => {
  const names = ['multi/app:1.0', 'docker/tool:2.0', 'single/oci:3', 'single/docker:4']

  it('saves Docker and OCI images, single and multi-platform, with shared layers stored once; skopeo reads every one', async () => {
    const out = join(work, 'amd64')
    const list = listOf('all.list', plain, names)
    const r = await cli(['images', '--list', list, '--out', out, '--insecure-registry', plain.host])
    expect(r.stderr).not.toContain('failed')
    expect(r.status).toBe(0)
    const layout = join(out, 'images')
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ mediaType: string; annotations: Record<string, string> }> }
    expect(index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']).sort()).toEqual(names.map((n) => `${plain.host}/${n}`).sort())
    expect(index.manifests.every((m) => m.mediaType === 'application/vnd.oci.image.index.v1+json' || m.mediaType === 'application/vnd.oci.image.manifest.v1+json')).toBe(true)
    // The base layer, used by all four images (six manifests), is there once.
    expect(readdirSync(join(layout, 'blobs/sha256'))).toContain(base.blob.digest.slice(7))
    for (const name of names) {
      const ref = `oci:${layout}:${plain.host}/${name}`
      const inspected = JSON.parse(skopeo('inspect', ref)) as { Architecture: string }
      expect(inspected.Architecture).toBe('amd64')
      skopeo('copy', '-q', ref, `docker-archive:${join(work, 'archive.tar')}`)
      rmSync(join(work, 'archive.tar'))
    }
    // Single-platform images keep the registry's digest.
    expect(skopeo('inspect', '--raw', `oci:${layout}:${plain.host}/single/oci:3`)).toBe((fixtures['single/oci:3'] as BuiltImage).manifest.data.toString())
  })

  it('a re-run fetches nothing', async () => {
    const r = await cli(['images', '--list', join(work, 'all.list'), '--out', join(work, 'amd64'), '--insecure-registry', plain.host])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/4\/4 images in .*; 0 B fetched/)
  })

  it('--platform all keeps a full Docker list byte-identical, and drops only the attestation of the OCI index', async () => {
    const out = join(work, 'all')
    const r = await cli(['images', '--list', join(work, 'all.list'), '--out', out, '--platform', 'all', '--insecure-registry', plain.host])
    expect(r.status).toBe(0)
    const blobs = readdirSync(join(out, 'images/blobs/sha256'))
    expect(blobs).toContain(digestOfFixture('docker/tool:2.0').slice(7))
    expect(blobs).not.toContain(digestOfFixture('multi/app:1.0').slice(7))
    const kept = JSON.parse(skopeo('inspect', '--raw', `oci:${join(out, 'images')}:${plain.host}/multi/app:1.0`)) as { manifests: Array<{ platform: { architecture: string } }> }
    expect(kept.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64'])
  })

  it('push copies every image with its digests, mounts shared blobs across repositories, skips what the registry has', async () => {
    const target = await startRegistry({ storage: tempDir('kb-target-') })
    // In front of the target, an nginx that logs every request the push makes.
    const door = await startNginx({ proxyV2To: target.host })
    const doorHost = `127.0.0.1:${door.port}`
    try {
      const r = await cli(['push', '--from', join(work, 'all/images'), '--registry', doorHost, '--insecure', '--concurrency', '1'])
      expect(r.stderr).not.toContain('failed')
      expect(r.status).toBe(0)
      // The same digests as the source, except the index we rewrote without its attestation.
      const layoutIndex = JSON.parse(readFileSync(join(work, 'all/images/index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> }
      const rewritten = layoutIndex.manifests.find((m) => m.annotations['org.opencontainers.image.ref.name'].endsWith('multi/app:1.0'))?.digest
      for (const name of names) {
        const raw = skopeo('inspect', '--tls-verify=false', '--raw', `docker://${target.host}/${name}`)
        expect(blobOf(Buffer.from(raw)).digest).toBe(name === 'multi/app:1.0' ? rewritten : digestOfFixture(name))
      }
      // The base layer went up once and was mounted into the other three repositories.
      const log = readFileSync(door.accessLog, 'utf8').split('\n')
      const baseHex = base.blob.digest.slice(7)
      expect(log.filter((l) => /"PUT \/v2\/.*\/blobs\/uploads\//.test(l) && l.includes(baseHex))).toHaveLength(1)
      expect(log.filter((l) => l.includes(`mount=sha256%3A${baseHex}`) && /" 201 /.test(l))).toHaveLength(3)
      const again = await cli(['push', '--from', join(work, 'all/images'), '--registry', doorHost, '--insecure'])
      expect(again.status).toBe(0)
      const uploaded = again.stdout.split('\n').filter((l) => /  pushed$/.test(l)).map((l) => l.split(/\s{2,}/)[3])
      expect(uploaded).toEqual(['0 B', '0 B', '0 B', '0 B'])
    } finally {
      await door.stop()
      await target.stop()
    }
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
    const list = listOf('basic.list', basic, ['single/oci:3'])
    const denied = await cliEnv(['images', '--list', list, '--out', join(work, 'basic-denied'), '--insecure-registry', basic.host], { REGISTRY_AUTH_FILE: join(work, 'none.json') })
    expect(denied.status).toBe(1)
    expect(denied.stderr).toContain('requires a login (Basic auth) and no credentials were found')
    const ok = await cliEnv(['images', '--list', list, '--out', join(work, 'basic'), '--insecure-registry', basic.host], { REGISTRY_AUTH_FILE: authFile })
    expect(ok.status).toBe(0)
    expect(ok.stdout + ok.stderr).not.toContain(USER.password)
  })

  it('TLS with a custom CA (NODE_EXTRA_CA_CERTS), no --insecure-registry needed', async () => {
    const list = listOf('tls.list', tls, ['docker/tool:2.0'])
    const r = await cliEnv(['images', '--list', list, '--out', join(work, 'tls')], { NODE_EXTRA_CA_CERTS: pki.caCert })
    expect(r.stderr).not.toContain('failed')
    expect(r.status).toBe(0)
  })

  it('Bearer tokens from the realm the registry names, with credentials', async () => {
    const list = listOf('token.list', token, ['multi/app:1.0', 'single/docker:4'])
    const r = await cliEnv(['images', '--list', list, '--out', join(work, 'token'), '--insecure-registry', token.host], { REGISTRY_AUTH_FILE: authFile })
    expect(r.stderr).not.toContain('failed')
    expect(r.status).toBe(0)
    expect(tokenServer.issued()).toBeGreaterThan(0)
    expect(r.stdout + r.stderr).not.toContain(USER.password)
  })

  it('stand-in registry: a blob redirect carries no credentials, a corrupt blob and a schema 1 manifest fail by name', async () => {
    // docker-registry's filesystem storage never redirects, serves no corrupt bytes and refuses
    // schema 1 pushes, so this registry is a stand-in of our own: Basic auth, blobs answered
    // with a 307 to a "CDN" on another port that records whether an Authorization header came.
    const good = makeImage('oci', 'amd64', [makeLayer('cdn', randomBytes(20_000))])
    const bad = makeImage('oci', 'amd64', [makeLayer('bad', randomBytes(20_000))])
    const blobs = new Map([...good.blobs, ...bad.blobs].map((b) => [b.digest, b.data]))
    const corrupt = bad.blobs[1].digest
    const manifests: Record<string, [string, Buffer]> = {
      '/v2/cdn/app/manifests/1': [good.mediaType, good.manifest.data],
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
      if (manifest) res.writeHead(200, { 'content-type': manifest[0] }).end(manifest[1])
      else if (blob) res.writeHead(307, { location: `http://127.0.0.1:${cdnPort}/blob/${blob[1]}` }).end()
      else res.writeHead(404).end()
    })
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r))
    const host = `127.0.0.1:${(registry.address() as AddressInfo).port}`
    try {
      const file = join(work, 'standin-auth.json')
      writeFileSync(file, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${USER.user}:${USER.password}`).toString('base64') } } }))
      writeFileSync(join(work, 'standin.list'), ['cdn/app:1', 'cdn/bad:1', 'cdn/old:1'].map((n) => `${host}/${n}`).join('\n'))
      const out = join(work, 'standin')
      const r = await cliEnv(['images', '--list', join(work, 'standin.list'), '--out', out, '--insecure-registry', host], { REGISTRY_AUTH_FILE: file })
      expect(r.status).toBe(1)
      expect(r.stdout).toMatch(/cdn\/app:1 .* saved, verified/)
      expect(r.stderr).toMatch(new RegExp(`cdn/bad:1: .*@${corrupt}: digest mismatch: expected ${corrupt}, got sha256:[0-9a-f]{64}`))
      expect(r.stderr).toContain('cdn/old:1: manifest 1: Docker schema 1 manifests are not supported')
      expect(readdirSync(join(out, 'images/blobs/sha256'))).not.toContain(corrupt.slice(7))
      expect(readdirSync(join(out, 'images/blobs/sha256')).filter((f) => f.includes('.tmp'))).toEqual([])
      expect(cdnSawAuth.length).toBeGreaterThanOrEqual(good.blobs.length)
      expect(cdnSawAuth.every((a) => a === undefined)).toBe(true)
    } finally {
      registry.close()
      cdn.close()
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
