/**
 * Real registries for image tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1,
 * plain, with htpasswd Basic auth, with TLS from a test CA, or with Bearer tokens from a
 * token service of our own (no Debian package issues registry tokens). Several registries can
 * share one storage directory, so fixtures pushed once are visible through every door.
 * Also: images the tests build themselves (real gzipped tar layers, configs, Docker and OCI
 * manifests, indexes with an attestation entry), pushed with plain HTTP calls that share
 * no code with the product.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createHash, createSign, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { freePort } from './nginx.js'

export const REGISTRY_BIN = ['/usr/bin/docker-registry'].find((p) => existsSync(p))

export interface Registry {
  host: string
  stop(): Promise<void>
}

export interface TestPki {
  dir: string
  caCert: string
  cert: string
  key: string
}

/** A CA and a server certificate for 127.0.0.1 (openssl), also usable to sign tokens. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'kb-pki-'))
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
  }
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kubespray-bundle test CA')
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext')
  return { dir, caCert: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') }
}

export interface RegistryOptions {
  storage: string
  htpasswd?: { user: string; password: string }
  tls?: TestPki
  token?: { realm: string; service: string; issuer: string; rootCert: string }
}

export async function startRegistry(options: RegistryOptions): Promise<Registry> {
  if (!REGISTRY_BIN) throw new Error('docker-registry is not installed: bash scripts/test.sh installs it (apt-get install docker-registry)')
  const dir = mkdtempSync(join(tmpdir(), 'kb-registry-'))
  const port = await freePort()
  const lines = [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${options.storage}}, maintenance: {uploadpurging: {enabled: false}}}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: kubespray-bundle-tests'
  ]
  if (options.tls) lines.push(`  tls: {certificate: ${options.tls.cert}, key: ${options.tls.key}}`)
  if (options.htpasswd) {
    const file = join(dir, 'htpasswd')
    execFileSync('htpasswd', ['-Bbc', file, options.htpasswd.user, options.htpasswd.password], { stdio: 'ignore' })
    lines.push(`auth: {htpasswd: {realm: test, path: ${file}}}`)
  }
  if (options.token) {
    const t = options.token
    lines.push(`auth: {token: {realm: "${t.realm}", service: ${t.service}, issuer: ${t.issuer}, rootcertbundle: ${t.rootCert}}}`)
  }
  const config = join(dir, 'config.yml')
  writeFileSync(config, lines.join('\n') + '\n')
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const scheme = options.tls ? 'https' : 'http'
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`)
    try {
      execFileSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { stdio: 'ignore' })
      break
    } catch {
      if (i > 100) throw new Error(`docker-registry did not listen on ${port} (${scheme}): ${stderr}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    host: `127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface TokenServer {
  realm: string
  issued: () => number
  /** The Authorization header of every token request (undefined: none came). */
  authorizations: Array<string | undefined>
  server: Server
}

/**
 * A token service as Docker's token spec describes: Basic credentials in, an RS256 JWT out.
 * Over HTTPS with the test CA when `https`, else plain HTTP; anonymous requests get no token.
 */
export async function startTokenServer(pki: TestPki, user: { user: string; password: string }, issuer: string, service: string, https = true): Promise<TokenServer> {
  const key = readFileSync(pki.key, 'utf8')
  const certDer = execFileSync('openssl', ['x509', '-in', pki.cert, '-outform', 'DER'])
  const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url')
  let issued = 0
  const authorizations: Array<string | undefined> = []
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    authorizations.push(req.headers.authorization)
    const url = new URL(req.url ?? '/', 'http://x')
    const expected = `Basic ${Buffer.from(`${user.user}:${user.password}`).toString('base64')}`
    if (req.headers.authorization !== expected) {
      res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}')
      return
    }
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const [type, name, actions] = scope.split(':')
      return type && name && actions ? [{ type, name, actions: actions.split(',') }] : []
    })
    const now = Math.floor(Date.now() / 1000)
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] }
    const claims = { iss: issuer, sub: user.user, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }
    const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
    const signature = createSign('RSA-SHA256').update(unsigned).sign(key)
    issued++
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${unsigned}.${b64url(signature)}` }))
  }
  const server = https ? createHttpsServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, handler) : createServer(handler)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const scheme = https ? 'https' : 'http'
  return { realm: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}/token`, issued: () => issued, authorizations, server }
}

// ---- images the tests build ----

export interface Blob {
  digest: string
  size: number
  data: Buffer
}

const digestOf = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`
export const blobOf = (data: Buffer): Blob => ({ digest: digestOf(data), size: data.length, data })

/** A one-file tar (ustar), gzipped: a real layer. */
export function makeLayer(name: string, content: Buffer): { blob: Blob; diffId: string } {
  const header = Buffer.alloc(512)
  header.write(name, 0, 100)
  header.write('0000644\0', 100)
  header.write('0000000\0', 108)
  header.write('0000000\0', 116)
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124)
  header.write('00000000000\0', 136)
  header.write('        ', 148)
  header.write('0', 156)
  header.write('ustar\0' + '00', 257)
  let sum = 0
  for (const b of header) sum += b
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512)
  const tar = Buffer.concat([header, content, padding, Buffer.alloc(1024)])
  return { blob: blobOf(gzipSync(tar, { level: 1 })), diffId: digestOf(tar) }
}

export interface BuiltImage {
  manifest: Blob
  mediaType: string
  blobs: Blob[]
}

export function makeImage(kind: 'oci' | 'docker', arch: string, layers: Array<{ blob: Blob; diffId: string }>): BuiltImage {
  const config = blobOf(Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config: { Cmd: ['/bin/true'] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } })))
  const types =
    kind === 'oci'
      ? { manifest: 'application/vnd.oci.image.manifest.v1+json', config: 'application/vnd.oci.image.config.v1+json', layer: 'application/vnd.oci.image.layer.v1.tar+gzip' }
      : {
          manifest: 'application/vnd.docker.distribution.manifest.v2+json',
          config: 'application/vnd.docker.container.image.v1+json',
          layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip'
        }
  const manifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: types.layer, digest: l.blob.digest, size: l.blob.size }))
  }
  return { manifest: blobOf(Buffer.from(JSON.stringify(manifest, null, 3))), mediaType: types.manifest, blobs: [config, ...layers.map((l) => l.blob)] }
}

export interface BuiltIndex {
  index: Blob
  mediaType: string
  children: BuiltImage[]
}

/** A multi-platform index; with an attestation entry as BuildKit writes one (unknown/unknown). */
export function makeIndex(kind: 'oci' | 'docker', platforms: Array<[string, BuiltImage]>, attestation?: BuiltImage): BuiltIndex {
  const mediaType = kind === 'oci' ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.docker.distribution.manifest.list.v2+json'
  const manifests: object[] = platforms.map(([arch, image]) => ({
    mediaType: image.mediaType,
    digest: image.manifest.digest,
    size: image.manifest.size,
    platform: { architecture: arch, os: 'linux', ...(arch === 'arm64' ? { variant: 'v8' } : {}) }
  }))
  if (attestation) {
    manifests.push({
      mediaType: attestation.mediaType,
      digest: attestation.manifest.digest,
      size: attestation.manifest.size,
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': platforms[0][1].manifest.digest }
    })
  }
  const index = blobOf(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests })))
  return { index, mediaType, children: [...platforms.map(([, i]) => i), ...(attestation ? [attestation] : [])] }
}

/** Pushes with plain HTTP calls (monolithic uploads), independent of the code under test. */
export async function pushFixture(host: string, repository: string, tag: string, image: BuiltImage | BuiltIndex): Promise<void> {
  const base = `http://${host}/v2/${repository}`
  const putBlob = async (blob: Blob): Promise<void> => {
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' })
    const location = new URL(start.headers.get('location') ?? '', `http://${host}`)
    location.searchParams.set('digest', blob.digest)
    const put = await fetch(location, { method: "PUT", body: new Uint8Array(blob.data), headers: { 'content-type': 'application/octet-stream' } })
    if (put.status !== 201) throw new Error(`fixture blob upload: ${put.status} ${await put.text()}`)
  }
  const putManifest = async (reference: string, blob: Blob, mediaType: string): Promise<void> => {
    const res = await fetch(`${base}/manifests/${reference}`, { method: "PUT", body: new Uint8Array(blob.data), headers: { 'content-type': mediaType } })
    if (res.status !== 201) throw new Error(`fixture manifest ${reference}: ${res.status} ${await res.text()}`)
  }
  const images = 'children' in image ? image.children : [image]
  for (const img of images) {
    for (const blob of img.blobs) await putBlob(blob)
    await putManifest(img.manifest.digest, img.manifest, img.mediaType)
  }
  if ('children' in image) await putManifest(tag, image.index, image.mediaType)
  else await putManifest(tag, image.manifest, image.mediaType)
}

