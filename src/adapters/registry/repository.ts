/**
 * The distribution API calls on one repository: manifests, blobs, uploads, mounts. Errors name
 * the manifest or blob; the caller names the image it belongs to.
 */
import type { Readable } from 'node:stream'
import { MANIFEST_ACCEPT, DOCKER_SCHEMA1 } from '../../domain/images/media-types.js'
import { sha256Digest } from '../oci-layout.js'
import { headerValue, readSmallBody } from '../http/bytes.js'
import { RegistryClient, RegistryError } from './client.js'
import type { ByteSource } from '../http/fetch-file.js'

const MAX_MANIFEST_BYTES = 4 << 20

export interface FetchedManifest {
  bytes: Buffer
  mediaType: string
  digest: string
}

function statusReason(status: number): string {
  if (status === 401) return 'HTTP 401: not authorized (check the credentials)'
  if (status === 403) return 'HTTP 403: access denied'
  if (status === 404) return 'HTTP 404: not found'
  return `HTTP ${status}`
}

export class Repository {
  constructor(
    readonly client: RegistryClient,
    readonly name: string,
    private readonly actions: 'pull' | 'pull,push'
  ) {}

  private get scope(): string {
    return `repository:${this.name}:${this.actions}`
  }

  /**
   * A manifest by tag or digest; its digest is computed from the bytes (and checked against the
   * registry's). Through the bulk fetcher, as blobs are: our own reader answers the first
   * manifests of a run in a third of undici's time, and a run that pulls needs nothing else.
   */
  async manifest(reference: string): Promise<FetchedManifest> {
    const res = await this.client.getBytes(`/v2/${this.name}/manifests/${reference}`, this.scope, { accept: MANIFEST_ACCEPT })
    if (res.statusCode !== 200) {
      res.body.discard()
      throw new RegistryError(`manifest ${reference}: ${statusReason(res.statusCode)}`, res.statusCode)
    }
    const bytes = await readSmallBody(res, MAX_MANIFEST_BYTES, (size) => new RegistryError(`manifest ${reference}: a ${size}-byte manifest is not plausible (the limit is ${MAX_MANIFEST_BYTES})`))
    const declared = headerValue(res.headers['content-type'])?.split(';')[0].trim() ?? ''
    let mediaType = declared
    try {
      mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? declared
    } catch {
      throw new RegistryError(`manifest ${reference}: the manifest is not JSON`)
    }
    if (DOCKER_SCHEMA1.includes(mediaType) || DOCKER_SCHEMA1.includes(declared)) {
      throw new RegistryError(`manifest ${reference}: Docker schema 1 manifests are not supported (deprecated since 2017); ask for a newer tag`)
    }
    const digest = sha256Digest(bytes)
    // Fetched by digest (an index's child, a pinned reference): the bytes must be that digest.
    if (reference.includes(':') && reference !== digest) {
      throw new RegistryError(`manifest ${reference}: digest mismatch: the registry served bytes that hash to ${digest}`)
    }
    const said = headerValue(res.headers['docker-content-digest'])
    if (said?.startsWith('sha256:') && said !== digest) {
      throw new RegistryError(`manifest ${reference}: the registry says digest ${said}, the bytes hash to ${digest}`)
    }
    return { bytes, mediaType, digest }
  }

  /** A blob as a byte source for the resumable fetcher (adapters/http/fetch-file). */
  blobSource(digest: string, size?: number): ByteSource {
    return {
      id: `${this.client.host}/${this.name}@${digest}`,
      size,
      get: (headers) => this.client.getBytes(`/v2/${this.name}/blobs/${digest}`, this.scope, headers)
    }
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.client.request({ method: 'HEAD', path: `/v2/${this.name}/blobs/${digest}`, scope: this.scope })
    await res.body.dump()
    if (res.statusCode === 200) return true
    if (res.statusCode === 404) return false
    throw new RegistryError(`blob ${digest}: checking the blob: ${statusReason(res.statusCode)}`, res.statusCode)
  }

  /** Asks the registry to link a blob it has in another repository; false when it cannot. */
  async mountBlob(digest: string, from: string): Promise<boolean> {
    const res = await this.client.request({
      method: 'POST',
      path: `/v2/${this.name}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      scope: `${this.scope} repository:${from}:pull`
    })
    await res.body.dump()
    if (res.statusCode === 201) return true
    // 202: the registry started an ordinary upload instead; it expires unused.
    return false
  }

  /** A monolithic upload: POST for an upload url, then one PUT with the whole body. */
  async uploadBlob(digest: string, size: number, open: () => Readable): Promise<void> {
    const start = await this.client.request({ method: 'POST', path: `/v2/${this.name}/blobs/uploads/`, scope: this.scope, headers: { 'content-length': '0' } })
    await start.body.dump()
    const location = headerValue(start.headers.location)
    if (start.statusCode !== 202 || !location) {
      throw new RegistryError(`starting an upload to ${this.client.host}/${this.name}: ${statusReason(start.statusCode)}`, start.statusCode)
    }
    const url = new URL(location, this.client.base)
    url.searchParams.set('digest', digest)
    const put = await this.client.request({
      method: 'PUT',
      path: url.toString(),
      scope: this.scope,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: open(),
      replayable: false
    })
    await put.body.dump()
    if (put.statusCode !== 201) throw new RegistryError(`blob ${digest}: uploading the blob: ${statusReason(put.statusCode)}`, put.statusCode)
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<void> {
    const res = await this.client.request({
      method: 'PUT',
      path: `/v2/${this.name}/manifests/${reference}`,
      scope: this.scope,
      headers: { 'content-type': mediaType },
      body: bytes
    })
    const text = await res.body.text()
    if (res.statusCode !== 201) {
      throw new RegistryError(`manifest ${reference}: pushing the manifest: ${statusReason(res.statusCode)} ${text.slice(0, 300)}`, res.statusCode)
    }
    const said = headerValue(res.headers['docker-content-digest'])
    const digest = sha256Digest(bytes)
    if (said && said !== digest) throw new RegistryError(`manifest ${reference}: the registry stored digest ${said}, ours is ${digest}`)
  }
}
