/**
 * `serve`: a bundle served as it is, with nothing but Node.
 *   - files: DIR/files/<path> at http://HOST:FILES_PORT/<path> (GET, HEAD, one Range);
 *   - images: a read-only OCI distribution registry straight from DIR/images, each image at
 *     <repository path without its registry host>:<tag> (quay.io/calico/node:v3.30.5 →
 *     HOST:PORT/calico/node:v3.30.5), under the digest its upstream registry gave it (the
 *     original index or list where every platform was kept), children by digest, blobs with Range.
 * Only regular files under DIR/files and DIR/images/blobs are served, never through a symbolic
 * link (404). Every request is logged, an aborted one as such; it runs until stopped.
 */
import { constants } from 'node:fs'
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize, relative, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { BUNDLE_MANIFEST, TARBALL_PATTERN } from '../domain/bundle.js'
import { InputError } from '../domain/errors.js'
import { REF_NAME, SOURCE_DIGEST } from '../domain/images/layout-index.js'
import { OCI_INDEX, OCI_MANIFEST } from '../domain/images/media-types.js'
import { parseReference } from '../domain/images/reference.js'
import { regularFile } from '../adapters/fs-atomic.js'
import { OciLayout } from '../adapters/oci-layout.js'
import { incompleteBundle } from './bundle-dir.js'

export interface ServeRequest {
  bundleDir: string
  host: string
  filesPort: number
  registryPort: number
  /** How errors name each port (the CLI: its flags), default "files port" and "registry port". */
  portNames?: { files: string; registry: string }
}

export interface Serving {
  filesUrl: string
  registry: string
  images: number
  close(): Promise<void>
}

interface Repo {
  tags: Map<string, string>
  /** Every manifest digest an image of this repository reaches (children, originals). */
  manifests: Set<string>
  blobs: Set<string>
}

export type RequestLog = (line: string) => void

/** repository path → its tags and what may be fetched under it. */
export async function registryCatalog(layout: OciLayout): Promise<Map<string, Repo>> {
  const repos = new Map<string, Repo>()
  for (const entry of (await layout.readIndex()).manifests) {
    const line = entry.annotations?.[REF_NAME]
    if (!line) continue
    const ref = parseReference(line)
    const repo = repos.get(ref.repository) ?? { tags: new Map(), manifests: new Set(), blobs: new Set() }
    repos.set(ref.repository, repo)
    const top = entry.annotations?.[SOURCE_DIGEST] ?? entry.digest
    if (ref.tag) repo.tags.set(ref.tag, top)
    // reachable() includes a platform subset's upstream index (UPSTREAM_INDEX): a pin to the
    // upstream digest is answered with its bytes; the tag stays the written index of the kept platforms.
    for (const digest of layout.reachable([entry])) {
      repo.blobs.add(digest)
      // Manifests are small JSON: layers are never read here.
      const size = (await regularFile(layout.blobPath(digest)))?.size ?? Infinity
      const bytes = size <= 4 << 20 ? await layout.readBlob(digest).catch(() => undefined) : undefined
      if (bytes && mediaTypeOf(bytes)) repo.manifests.add(digest)
    }
  }
  return repos
}

/** A manifest's media type from its own bytes (OCI ones may leave the field out), or undefined for a non-manifest. */
export function mediaTypeOf(bytes: Buffer): string | undefined {
  if (bytes.length > 4 << 20 || bytes[0] !== 0x7b) return undefined
  try {
    const json = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: unknown; config?: unknown; schemaVersion?: number }
    if (json.schemaVersion !== 2) return undefined
    return json.mediaType ?? (Array.isArray(json.manifests) ? OCI_INDEX : json.config ? OCI_MANIFEST : undefined)
  } catch {
    return undefined
  }
}

/** Whether a directory holds what only build writes: lists/ or a Kubespray tarball. */
async function holdsBuildOutput(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[])
  return names.some((name) => name === 'lists' || TARBALL_PATTERN.test(name))
}

export async function startServing(request: ServeRequest, log: RequestLog): Promise<Serving> {
  const filesRoot = join(request.bundleDir, 'files')
  const layout = new OciLayout(join(request.bundleDir, 'images'))
  const hasManifest = (await regularFile(join(request.bundleDir, BUNDLE_MANIFEST))) !== undefined
  if (!(await regularFile(join(request.bundleDir, 'images', 'index.json'))) && !hasManifest) {
    throw new InputError(`${request.bundleDir} is not a bundle directory (no bundle.json, no images/index.json)`)
  }
  // A build's directory without bundle.json is one the build did not finish (it removes
  // bundle.json before its first change): serving it would hand out half a bundle. A bare
  // OCI layout (images/ alone) is still served.
  if (!hasManifest && (await holdsBuildOutput(request.bundleDir))) throw incompleteBundle(request.bundleDir, BUNDLE_MANIFEST)
  const catalog = await registryCatalog(layout)
  const logged = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) => (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now()
    res.on('close', () => {
      const outcome = res.writableFinished ? (res.getHeader('content-length') ?? '-') : 'aborted'
      log(`${req.method} ${req.url} ${res.statusCode} ${outcome} ${Date.now() - started} ms`)
    })
    handler(req, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500).end(e.message)
      else res.destroy()
    })
  }
  const files = createServer(logged((req, res) => serveFile(filesRoot, req, res)))
  const registry = createServer(logged((req, res) => serveRegistry(layout, join(request.bundleDir, 'images', 'blobs'), catalog, req, res)))
  const names = request.portNames ?? { files: 'files port', registry: 'registry port' }
  await listenAll([
    { server: files, host: request.host, port: request.filesPort, name: names.files },
    { server: registry, host: request.host, port: request.registryPort, name: names.registry }
  ])
  const hostPart = request.host.includes(':') ? `[${request.host}]` : request.host
  return {
    filesUrl: `http://${hostPart}:${(files.address() as AddressInfo).port}`,
    registry: `${hostPart}:${(registry.address() as AddressInfo).port}`,
    images: [...catalog.values()].reduce((n, r) => n + r.tags.size, 0),
    close: async () => {
      await Promise.all([files, registry].map((s) => new Promise((r) => s.close(r))))
    }
  }
}

interface Listener {
  server: Server
  host: string
  port: number
  /** What the port is called in errors ("--registry-port"). */
  name: string
}

/**
 * Binds every listener, or none: when one fails (a port in use), those bound are closed again
 * before the error is thrown, so a failed start holds no port and the process can end.
 */
async function listenAll(listeners: Listener[]): Promise<void> {
  const outcomes = await Promise.allSettled(listeners.map(listen))
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')
  if (!failure) return
  await Promise.all(listeners.filter((_, i) => outcomes[i].status === 'fulfilled').map(({ server }) => new Promise((r) => server.close(r))))
  throw failure.reason
}

function listen({ server, host, port, name }: Listener): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException): void => reject(new InputError(listenError(name, host, port, e)))
    server.once('error', failed)
    server.listen(port, host, () => {
      server.off('error', failed)
      resolve()
    })
  })
}

/** One line naming the flag at fault and what to do. */
function listenError(name: string, host: string, port: number, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return `${name} ${port}: address in use on ${host} (stop what listens there, or choose another ${name})`
    case 'EACCES':
      return `${name} ${port}: permission denied (ports below 1024 need root; choose another ${name})`
    case 'EADDRNOTAVAIL':
      return `--host ${host}: not an address of this machine (127.0.0.1, 0.0.0.0 or one of its interfaces)`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `--host ${host}: cannot resolve it (${e.code})`
    default:
      return `${name} ${port}: cannot listen on ${host} (${e.code ?? e.message})`
  }
}

// O_NONBLOCK: a FIFO put in place of a file must not hold a thread of libuv's pool in open() forever.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

/**
 * The regular file at `path`, opened, if it really is under `root`: no symbolic link below root
 * (a bundle holds regular files only), so a link such as files/evil -> /etc serves nothing. The
 * path is checked after it is opened, and the file opened must be the one checked, so swapping a
 * directory for a link in between serves nothing either.
 */
async function openUnder(root: string, path: string): Promise<{ handle: FileHandle; size: number } | undefined> {
  const handle = await open(path, OPEN_FLAGS).catch(() => undefined)
  if (!handle) return undefined
  try {
    const opened = await handle.stat()
    if (opened.isFile() && (await isUnderWithoutLinks(root, path, opened))) return { handle, size: opened.size }
  } catch {
    // Gone or unreadable in between: not found, like any other path.
  }
  await handle.close()
  return undefined
}

async function isUnderWithoutLinks(root: string, path: string, opened: { dev: number; ino: number }): Promise<boolean> {
  const [realRoot, real] = await Promise.all([realpath(root), realpath(path)])
  if (real !== join(realRoot, relative(root, path))) return false
  const checked = await stat(real)
  return checked.dev === opened.dev && checked.ino === opened.ino
}

/** A file (or blob) under root with Content-Length, HEAD, and one byte range. */
async function sendFile(root: string, path: string, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  const file = await openUnder(root, path)
  if (!file) return void res.writeHead(404).end()
  try {
    await sendOpened(file.handle, file, req, res, headers)
  } finally {
    await file.handle.close()
  }
}

async function sendOpened(handle: FileHandle, info: { size: number }, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''))
  let start = 0
  let end = info.size - 1
  let status = 200
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1])
      if (range[2]) end = Math.min(Number(range[2]), info.size - 1)
    } else start = Math.max(0, info.size - Number(range[2]))
    if (start >= info.size || start > end) return void res.writeHead(416, { 'content-range': `bytes */${info.size}` }).end()
    status = 206
    headers['content-range'] = `bytes ${start}-${end}/${info.size}`
  }
  res.writeHead(status, { ...headers, 'accept-ranges': 'bytes', 'content-length': String(info.size ? end - start + 1 : 0) })
  if (req.method === 'HEAD' || info.size === 0) return void res.end()
  // pipeline, not pipe: it settles when the client hangs up, so sendFile closes the file; pipe left
  // it open (one descriptor and a buffer per aborted download). The rejection that follows an abort
  // goes to the request's handler, which only destroys the response once headers are sent.
  await pipeline(handle.createReadStream({ start, end, highWaterMark: 1 << 20, autoClose: false }), res)
}

async function serveFile(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end()
  let path: string
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
  } catch {
    return void res.writeHead(400).end()
  }
  const full = normalize(join(root, path))
  if (!full.startsWith(root + sep) || path.split('/').includes('..')) return void res.writeHead(404).end()
  await sendFile(root, full, req, res, { 'content-type': 'application/octet-stream' })
}

async function serveRegistry(layout: OciLayout, blobsRoot: string, catalog: Map<string, Repo>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const apiHeaders = { 'docker-distribution-api-version': 'registry/2.0' }
  const error = (status: number, code: string, message: string): void =>
    void res.writeHead(status, { ...apiHeaders, 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code, message }] }))
  if (req.method !== 'GET' && req.method !== 'HEAD') return error(405, 'UNSUPPORTED', 'this registry is read-only')
  const path = new URL(req.url ?? '/', 'http://x').pathname
  if (path === '/v2/' || path === '/v2') return void res.writeHead(200, { ...apiHeaders, 'content-type': 'application/json' }).end('{}')
  const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/([^/]+)$/.exec(path)
  const repo = m ? catalog.get(m[1]) : undefined
  if (!m || !repo) return error(404, 'NAME_UNKNOWN', `no repository ${m?.[1] ?? path}`)
  const [, name, kind, reference] = m
  if (kind === 'tags') {
    if (reference !== 'list') return error(404, 'NOT_FOUND', path)
    return void res.writeHead(200, { ...apiHeaders, 'content-type': 'application/json' }).end(JSON.stringify({ name, tags: [...repo.tags.keys()].sort() }))
  }
  if (kind === 'manifests') {
    const digest = reference.startsWith('sha256:') ? reference : repo.tags.get(reference)
    if (!digest || !repo.manifests.has(digest)) return error(404, 'MANIFEST_UNKNOWN', `${name}:${reference}`)
    const bytes = await layout.readBlob(digest)
    res.writeHead(200, { ...apiHeaders, 'content-type': mediaTypeOf(bytes) ?? OCI_MANIFEST, 'content-length': String(bytes.length), 'docker-content-digest': digest, etag: `"${digest}"` })
    return void res.end(req.method === 'HEAD' ? undefined : bytes)
  }
  if (!repo.blobs.has(reference)) return error(404, 'BLOB_UNKNOWN', `${name}@${reference}`)
  await sendFile(blobsRoot, layout.blobPath(reference), req, res, { ...apiHeaders, 'content-type': 'application/octet-stream', 'docker-content-digest': reference, etag: `"${reference}"` })
}
