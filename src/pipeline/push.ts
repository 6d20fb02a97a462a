/**
 * The `push` job: every image of an OCI layout into one registry, at
 * HOST:PORT/<repository path without its source registry host>:<tag> (Kubespray's offline
 * convention). Blobs go as they are and manifests byte for byte, so digests equal the
 * source's. Blobs the registry has are skipped; a blob already pushed to another repository
 * of the registry is mounted rather than sent again.
 */
import { Transform } from 'node:stream'
import { isIndex, OCI_INDEX, type Descriptor, type ImageIndex, type ImageManifest } from '../domain/images/media-types.js'
import { parseReference } from '../domain/images/reference.js'
import { pushTarget, REF_NAME, SOURCE_DIGEST, UPSTREAM_INDEX } from '../domain/images/layout-index.js'
import { InputError } from '../domain/errors.js'
import { OciLayout } from '../adapters/oci-layout.js'
import { RegistryClient, type RegistryClientOptions } from '../adapters/registry/client.js'
import { Repository } from '../adapters/registry/repository.js'
import { runPool } from './pool.js'

export interface PushRequest {
  layoutDir: string
  registry: string
  concurrency: number
}

export interface PushProgress {
  planned(images: number): void
  bytes(count: number): void
  finished(result: PushResult): void
}

export interface PushResult {
  reference: string
  target: string
  status: 'pushed' | 'failed'
  digest?: string
  uploaded: number
  ms: number
  error?: string
  /**
   * A platform subset whose upstream index the target refused (it holds children that were not
   * saved; Distribution 2.8 refuses such an index): `repository@<upstream digest>`, a pin that
   * will miss there. Undefined when there was none, or it was accepted.
   */
  pinRefused?: string
}

interface Manifest {
  descriptor: Descriptor
  bytes: Buffer
}

export class PushJob {
  private readonly layout: OciLayout
  private readonly client: RegistryClient
  /** Blob digest → a repository of the target registry that has it (for cross-repository mounts). */
  private readonly placed = new Map<string, string>()
  /** Blob digest → its upload in progress, so a second repository waits and mounts it. */
  private readonly uploading = new Map<string, Promise<void>>()
  /** `${repository} ${digest}` being pushed: each blob once per repository. */
  private readonly inFlight = new Map<string, Promise<number>>()

  constructor(
    private readonly request: PushRequest,
    registry: RegistryClientOptions,
    private readonly progress: PushProgress
  ) {
    this.layout = new OciLayout(request.layoutDir)
    this.client = new RegistryClient(request.registry, registry)
  }

  async run(): Promise<PushResult[]> {
    const index = await this.layout.readIndex()
    const entries = index.manifests.filter((d) => d.annotations?.[REF_NAME])
    if (!entries.length) throw new InputError(`${this.request.layoutDir}: no images (index.json has no entries named by ${REF_NAME}); run the images command first`)
    this.progress.planned(entries.length)
    return runPool(entries, this.request.concurrency, async (entry) => {
      const result = await this.pushImage(entry)
      this.progress.finished(result)
      return result
    })
  }

  private async pushImage(entry: Descriptor): Promise<PushResult> {
    const started = Date.now()
    const name = entry.annotations?.[REF_NAME] ?? ''
    const counter = { uploaded: 0 }
    let target = name
    try {
      const ref = parseReference(name)
      const top = await this.unwrap(entry)
      target = pushTarget(this.request.registry, ref.repository, ref.tag, top.descriptor.digest)
      const repo = new Repository(this.client, ref.repository, 'pull,push')
      const children = isIndex(top.descriptor.mediaType) ? await this.children(top) : []
      for (const manifest of [...children, ...(isIndex(top.descriptor.mediaType) ? [] : [top])]) {
        const parsed = JSON.parse(manifest.bytes.toString('utf8')) as ImageManifest
        await Promise.all([parsed.config, ...parsed.layers].map((b) => this.pushBlob(repo, b, counter)))
        await repo.putManifest(manifest.descriptor.digest, manifest.bytes, manifest.descriptor.mediaType)
      }
      await repo.putManifest(ref.tag ?? top.descriptor.digest, top.bytes, top.descriptor.mediaType)
      const pinRefused = await this.pushUpstreamIndex(repo, entry)
      return { reference: name, target, status: 'pushed', digest: top.descriptor.digest, uploaded: counter.uploaded, ms: Date.now() - started, ...(pinRefused ? { pinRefused } : {}) }
    } catch (e) {
      return { reference: name, target, status: 'failed', error: (e as Error).message, uploaded: counter.uploaded, ms: Date.now() - started }
    }
  }

  /**
   * A platform subset's upstream index, by its digest only (never the tag), so pins to it
   * resolve at the target as they do at `serve`. A registry that refuses an index whose other
   * platforms are absent is no failure of the push: the reference is returned to be named.
   */
  private async pushUpstreamIndex(repo: Repository, entry: Descriptor): Promise<string | undefined> {
    const upstream = entry.annotations?.[UPSTREAM_INDEX]
    if (!upstream) return undefined
    const original = await this.manifest({ mediaType: '', digest: upstream, size: 0 })
    const mediaType = (JSON.parse(original.bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? OCI_INDEX
    try {
      await repo.putManifest(upstream, original.bytes, mediaType)
      return undefined
    } catch (e) {
      // Only a refusal of the manifest itself (4xx: MANIFEST_BLOB_UNKNOWN, …) is expected; a
      // network or auth failure fails this image like any other.
      const status = (e as { status?: number }).status
      if (status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403) return `${repo.name}@${upstream}`
      throw e
    }
  }

  private async manifest(descriptor: Descriptor): Promise<Manifest> {
    const bytes = await this.layout.readBlob(descriptor.digest).catch(() => {
      throw new Error(`the layout lacks ${descriptor.digest} (an incomplete save: run the images command again)`)
    })
    return { descriptor, bytes }
  }

  /**
   * Our OCI rendering of a Docker manifest or list is ours alone: push the registry's
   * original (its media type is in its own bytes), so the digest stays the source's.
   */
  private async unwrap(entry: Descriptor): Promise<Manifest> {
    const source = entry.annotations?.[SOURCE_DIGEST]
    if (!source) return this.manifest(entry)
    const original = await this.manifest({ mediaType: '', digest: source, size: 0 })
    const mediaType = (JSON.parse(original.bytes.toString('utf8')) as { mediaType?: string }).mediaType
    if (!mediaType) throw new Error(`${source}, the original of this image, names no media type`)
    return { descriptor: { mediaType, digest: source, size: original.bytes.length }, bytes: original.bytes }
  }

  private async children(top: Manifest): Promise<Manifest[]> {
    const index = JSON.parse(top.bytes.toString('utf8')) as ImageIndex
    return Promise.all(index.manifests.map((d) => this.manifest(d)))
  }

  private pushBlob(repo: Repository, blob: Descriptor, counter: { uploaded: number }): Promise<number> {
    const key = `${repo.name} ${blob.digest}`
    let pending = this.inFlight.get(key)
    if (!pending) {
      pending = this.placeBlob(repo, blob)
      this.inFlight.set(key, pending)
      pending.then((n) => (counter.uploaded += n)).catch(() => this.inFlight.delete(key))
    }
    return pending
  }

  private async placeBlob(repo: Repository, blob: Descriptor): Promise<number> {
    if (!(await this.layout.has(blob.digest, blob.size))) throw new Error(`the layout lacks blob ${blob.digest} (an incomplete save: run the images command again)`)
    if (await repo.hasBlob(blob.digest)) return this.placedIn(repo, blob, 0)
    const other = this.uploading.get(blob.digest)
    if (other) await other.catch(() => undefined)
    const elsewhere = this.placed.get(blob.digest)
    if (elsewhere && elsewhere !== repo.name && (await repo.mountBlob(blob.digest, elsewhere))) return this.placedIn(repo, blob, 0)
    const upload = repo.uploadBlob(blob.digest, blob.size, () => this.layout.openBlob(blob.digest).pipe(this.meter()))
    this.uploading.set(blob.digest, upload)
    try {
      await upload
    } finally {
      this.uploading.delete(blob.digest)
    }
    return this.placedIn(repo, blob, blob.size)
  }

  /** Counts bytes as the upload reads them (a 'data' listener would start the stream too early). */
  private meter(): Transform {
    const progress = this.progress
    return new Transform({
      transform(chunk: Buffer, _encoding, done) {
        progress.bytes(chunk.length)
        done(null, chunk)
      }
    })
  }

  private placedIn(repo: Repository, blob: Descriptor, uploaded: number): number {
    if (!this.placed.has(blob.digest)) this.placed.set(blob.digest, repo.name)
    return uploaded
  }
}
