/**
 * The `images` job: every image of an images.list saved into one OCI layout, daemonless,
 * straight from the registries. Manifests and blobs keep their digests; every byte is
 * verified; a blob several images share is fetched once, even when they ask at the same time.
 * index.json is the list: after a run it names exactly the list's images, and after a
 * successful run blobs no image reaches any more are removed.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  isDockerType,
  isImageManifest,
  isIndex,
  OCI_INDEX,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type Platform
} from '../domain/images/media-types.js'
import { formatPlatform, isAttestation, matchesPlatform } from '../domain/images/platform.js'
import { apiHost, normalizedName, parseReference, type ImageReference } from '../domain/images/reference.js'
import { CONTAINERD_NAME, encodeIndex, filteredIndex, indexForList, ociIndexOf, REF_NAME, SOURCE_DIGEST, UPSTREAM_INDEX, wrapperIndex } from '../domain/images/layout-index.js'
import { InputError } from '../domain/errors.js'
import { DigestMismatchError, OciLayout, sha256Digest } from '../adapters/oci-layout.js'
import { discardPart, FileFetcher, type SegmentPolicy } from '../adapters/http/fetch-file.js'
import { PrioritySlots } from '../adapters/http/slots.js'
import { isTransient } from '../adapters/http/client.js'
import { RegistryClient, type RegistryClientOptions } from '../adapters/registry/client.js'
import { Repository, type FetchedManifest } from '../adapters/registry/repository.js'
import { runPool } from './pool.js'

export interface ImagesRequest {
  /** The images to save (readImagesListFile reads an images.list). */
  refs: ImageReference[]
  /** The output directory: the layout is DIR/images, the tool's state DIR/.kubespray-bundle. */
  outDir: string
  /** Platforms to keep from multi-platform images; undefined keeps every platform. */
  platforms: Platform[] | undefined
  concurrency: number
  /** Connections for the segments of big blobs (the registry's own cap is the agent's). */
  connections: number
  /** Keep blobs no listed image reaches any more (default: removed after a successful run). */
  keepUnreferenced?: boolean
  segments?: SegmentPolicy
}

export interface ImagesOutcome {
  results: ImageResult[]
  layoutDir: string
  /** Blobs removed because no listed image reaches them any more. */
  removed: { blobs: number; bytes: number }
}

export interface ImagesProgress {
  planned(images: number): void
  bytes(count: number): void
  finished(result: ImageResult): void
}

export interface ImageResult {
  reference: string
  status: 'saved' | 'failed'
  digest?: string
  platforms?: string[]
  /** Bytes of blobs fetched for this image by this run (shared blobs counted once, by whoever fetched them). */
  fetched: number
  /** Bytes of every manifest and blob the saved image consists of (shared blobs counted in each image). */
  size?: number
  ms: number
  error?: string
}

export function parseImagesList(text: string, source: string): ImageReference[] {
  const seen = new Set<string>()
  const refs: ImageReference[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#') || seen.has(line)) return
    seen.add(line)
    try {
      refs.push(parseReference(line))
    } catch (e) {
      throw new InputError(`${source}:${i + 1}: ${(e as Error).message}`)
    }
  })
  return refs
}

/** An images.list from disk, as `images --list` takes it. */
export async function readImagesListFile(path: string): Promise<ImageReference[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new InputError(`--list ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  const refs = parseImagesList(text, path)
  if (!refs.length) throw new InputError(`--list ${path}: no image references in it`)
  return refs
}

/**
 * A best-effort write of something rewritten whole (index.json), asked for often: a request
 * while a write runs makes one more write after it, however many requests came. One write per
 * image, each after the last, queued up ~50 writes behind the images that finish together at
 * the end of a run.
 */
export function coalesced(write: () => Promise<void>): { request(): void; settled(): Promise<void> } {
  let running: Promise<void> | undefined
  let again = false
  const loop = async (): Promise<void> => {
    do {
      again = false
      await write().catch(() => undefined)
    } while (again)
    running = undefined
  }
  return {
    request: () => {
      if (running) again = true
      else running = loop()
    },
    settled: () => running ?? Promise.resolve()
  }
}

const parseJson = <T>(bytes: Buffer): T => JSON.parse(bytes.toString('utf8')) as T

/**
 * Only the biggest layers are split: on this 2-core machine the registry, the door and we share
 * the CPU, and splitting every layer over 24 MiB (as `files` does) measured slower.
 */
export const IMAGE_SEGMENT_POLICY: SegmentPolicy = { splitAbove: 64 << 20, minSegment: 24 << 20, maxSegments: 6 }

interface Counter {
  fetched: number
  size: number
}

interface Saved {
  entry: Descriptor
  platforms: string[]
}

export class ImagesJob {
  private readonly layout: OciLayout
  private readonly clients = new Map<string, RegistryClient>()
  /** Blobs being fetched or fetched by this run: the same digest is fetched once. */
  private readonly blobs = new Map<string, Promise<number>>()
  private readonly segments: SegmentPolicy
  private readonly fetcher: FileFetcher

  constructor(
    private readonly request: ImagesRequest,
    private readonly registry: RegistryClientOptions,
    private readonly progress: ImagesProgress
  ) {
    this.layout = new OciLayout(join(request.outDir, 'images'))
    this.segments = request.segments ?? IMAGE_SEGMENT_POLICY
    // Layers big enough to be split start first, largest first; the rest in the order images need them.
    this.fetcher = new FileFetcher(new PrioritySlots(request.connections, this.segments.splitAbove), this.segments)
  }

  private client(registry: string): RegistryClient {
    const host = apiHost(registry)
    let client = this.clients.get(host)
    if (!client) this.clients.set(host, (client = new RegistryClient(host, this.registry)))
    return client
  }

  async run(): Promise<ImagesOutcome> {
    const refs = this.request.refs
    await this.layout.init()
    const unlock = await this.layout.lock()
    try {
      return await this.saveAll(refs)
    } finally {
      await unlock()
    }
  }

  private async saveAll(refs: ImageReference[]): Promise<ImagesOutcome> {
    const lines = refs.map((r) => r.original)
    const existing = (await this.layout.readIndex()).manifests
    const saved = new Map<string, Descriptor>()
    // index.json grows as images finish, so a killed run keeps what it completed. These writes
    // are best-effort; the final one is not.
    const writeIndex = (): Promise<void> => this.layout.writeIndex({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: indexForList(lines, existing, saved) })
    const indexWrites = coalesced(writeIndex)
    this.progress.planned(refs.length)
    const results = await runPool(refs, this.request.concurrency, async (ref) => {
      const started = Date.now()
      const counter: Counter = { fetched: 0, size: 0 }
      let result: ImageResult
      try {
        const { entry, platforms } = await this.saveImage(ref, counter)
        saved.set(ref.original, entry)
        indexWrites.request()
        result = { reference: ref.original, status: 'saved', digest: entry.annotations?.[SOURCE_DIGEST] ?? entry.digest, platforms, fetched: counter.fetched, size: counter.size, ms: Date.now() - started }
      } catch (e) {
        result = { reference: ref.original, status: 'failed', error: (e as Error).message, fetched: counter.fetched, ms: Date.now() - started }
      }
      this.progress.finished(result)
      return result
    })
    await indexWrites.settled()
    await writeIndex()
    const complete = results.every((r) => r.status === 'saved')
    const removed =
      complete && !this.request.keepUnreferenced ? await this.layout.collectGarbage((await this.layout.readIndex()).manifests) : { blobs: 0, bytes: 0 }
    return { results, layoutDir: this.layout.dir, removed }
  }

  private async saveImage(ref: ImageReference, counter: Counter): Promise<Saved> {
    const repo = new Repository(this.client(ref.registry), ref.repository, 'pull')
    // A pinned digest is verified by manifest() itself, like every manifest fetched by digest.
    const top = await repo.manifest(ref.digest ?? ref.tag ?? 'latest')
    let saved: Saved
    if (isIndex(top.mediaType)) saved = await this.saveIndex(repo, top, counter)
    else if (isImageManifest(top.mediaType)) {
      await this.saveManifest(repo, top, counter)
      const descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length }
      // A Docker manifest is listed through a one-entry OCI index (see SOURCE_DIGEST).
      const entry = isDockerType(top.mediaType) ? { ...(await this.storeIndex(wrapperIndex(descriptor))), annotations: { [SOURCE_DIGEST]: top.digest } } : descriptor
      saved = { entry, platforms: ['(single-platform image)'] }
    } else {
      throw new Error(`unsupported manifest media type '${top.mediaType}'`)
    }
    const annotations = { ...saved.entry.annotations, [REF_NAME]: ref.original, [CONTAINERD_NAME]: normalizedName(ref) }
    return { entry: { ...saved.entry, annotations }, platforms: saved.platforms }
  }

  /**
   * A multi-platform image. With every platform kept, the index is kept whole, attestations
   * included, so its digest stays the registry's (a Docker list is listed as an OCI index of
   * the same children, its original bytes beside it); otherwise a new OCI index of the kept
   * platforms is written.
   */
  private async saveIndex(repo: Repository, top: FetchedManifest, counter: Counter): Promise<Saved> {
    const index = parseJson<ImageIndex>(top.bytes)
    const images = index.manifests.filter((d) => !isAttestation(d))
    const wanted = this.request.platforms
    const kept = wanted ? images.filter((d) => matchesPlatform(d, wanted)) : images
    const missing = (wanted ?? []).filter((p) => !kept.some((d) => matchesPlatform(d, [p])))
    if (missing.length) {
      throw new Error(`has no ${missing.map(formatPlatform).join(', ')} (it has ${images.map((d) => formatPlatform(d.platform)).join(', ')})`)
    }
    const whole = kept.length === images.length
    for (const child of whole ? index.manifests : kept) {
      const manifest = await repo.manifest(child.digest)
      if (manifest.bytes.length !== child.size) throw new Error(`manifest ${child.digest}: ${manifest.bytes.length} bytes, the index says ${child.size}`)
      if (isIndex(manifest.mediaType)) throw new Error(`nested index ${child.digest} is not supported`)
      await this.saveManifest(repo, manifest, counter)
    }
    const platforms = kept.map((d) => formatPlatform(d.platform))
    if (!whole) {
      // The upstream index's bytes too, so a pin to its digest resolves (see UPSTREAM_INDEX).
      await this.layout.putBytes(top.digest, top.bytes, `${repo.name} upstream index`)
      const entry = await this.storeIndex(filteredIndex(index, kept))
      return { entry: { ...entry, annotations: { ...entry.annotations, [UPSTREAM_INDEX]: top.digest } }, platforms }
    }
    await this.layout.putBytes(top.digest, top.bytes, `${repo.name} index`)
    if (!isDockerType(top.mediaType)) return { entry: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length }, platforms }
    return { entry: { ...(await this.storeIndex(ociIndexOf(index))), annotations: { [SOURCE_DIGEST]: top.digest } }, platforms }
  }
  private async storeIndex(index: ImageIndex): Promise<Descriptor> {
    const bytes = encodeIndex(index)
    const digest = sha256Digest(bytes)
    await this.layout.putBytes(digest, bytes, 'index')
    return { mediaType: index.mediaType ?? OCI_INDEX, digest, size: bytes.length }
  }

  private async saveManifest(repo: Repository, manifest: FetchedManifest, counter: Counter): Promise<void> {
    const parsed = parseJson<ImageManifest>(manifest.bytes)
    if (!parsed.config?.digest || !Array.isArray(parsed.layers)) throw new Error(`manifest ${manifest.digest} has no config or layers`)
    await Promise.all([parsed.config, ...parsed.layers].map((blob) => this.fetchBlob(repo, blob, counter)))
    counter.size += manifest.bytes.length + [parsed.config, ...parsed.layers].reduce((n, b) => n + b.size, 0)
    // The manifest goes in after its blobs: a manifest in the layout means a complete image.
    await this.layout.putBytes(manifest.digest, manifest.bytes, `${repo.name} manifest`)
  }

  private async fetchBlob(repo: Repository, blob: Descriptor, counter: Counter): Promise<void> {
    let pending = this.blobs.get(blob.digest)
    if (!pending) {
      pending = (async () => {
        if (await this.layout.has(blob.digest, blob.size)) return 0
        const what = `${repo.client.host}/${repo.name}@${blob.digest}`
        await this.fetchToLayout(repo, blob, what)
        return blob.size
      })()
      this.blobs.set(blob.digest, pending)
      // A failed fetch may be retried by the next image that needs the blob.
      pending.catch(() => this.blobs.delete(blob.digest))
      counter.fetched += await pending
      return
    }
    await pending
  }

  /**
   * A blob through the same fetcher as `files`: hashed and written as it arrives, and a big
   * layer (a whole run's tail on one capped connection) in Range segments on several
   * connections, resumable across runs.
   */
  private async fetchToLayout(repo: Repository, blob: Descriptor, what: string): Promise<void> {
    const part = this.layout.partPathFor(blob.digest)
    try {
      const fetched = await this.fetcher.fetch(repo.blobSource(blob.digest, blob.size), part, ['sha256'], {
        size: () => undefined,
        bytes: (n) => this.progress.bytes(n)
      })
      await this.layout.adoptPart(blob, part, fetched.size, fetched.digests.get('sha256') ?? '', what)
    } catch (e) {
      // A cut connection keeps its part for the next run to resume; anything else starts over.
      if (!isTransient(e) || e instanceof DigestMismatchError) await discardPart(part)
      throw e
    }
  }
}
