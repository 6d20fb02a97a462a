/**
 * A bundle directory cut into release assets by content, each below a size budget (GitHub
 * refuses assets of 2 GiB and more), each usable alone:
 *   <prefix>-bundle.tar      bundle.json, SHA256SUMS, lists/, the Kubespray tarball,
 *                            files/SHA256SUMS, images/index.json and images/oci-layout: what
 *                            rebuilds the directory byte for byte around the other parts
 *   <prefix>-files-NN.tar    files/… as they lie in the bundle (tar -xf in DIR)
 *   <prefix>-images-NN.tar   an OCI archive: oci-layout, an index.json of its images, and every
 *                            blob they need (skopeo copy oci-archive:, ctr import, docker load)
 * Blobs shared by images in different parts travel in each (that is what "alone" costs); images
 * are taken in list order and a part is closed when the next image's new blobs do not fit, so
 * images sharing a base layer mostly share a part. Pure: sizes in, a plan out.
 */
import { InputError } from './errors.js'

/** GitHub's limit is 2 GiB per asset; stay a little below it. */
export const DEFAULT_PART_SIZE = 2 * 1024 ** 3 - 16 * 1024 ** 2

export interface SizedPath {
  path: string
  size: number
}

export interface ImageForParts {
  line: string
  /** Every blob the image needs (manifests and indexes included), by digest. */
  blobs: Array<{ digest: string; size: number }>
}

export interface PartPlan {
  name: string
  kind: 'bundle' | 'files' | 'images'
  /** bundle/files parts: paths relative to DIR; images parts: blob digests. */
  entries: string[]
  /** images parts: the image lines in it. */
  images: string[]
  /** What the tar will weigh (headers and padding included). */
  size: number
}

/** A tar entry's bytes: its header, its data padded to 512, and room for a long-name header. */
export const tarEntrySize = (size: number): number => 1024 + Math.ceil(size / 512) * 512
/** The two zero blocks that end a tar. */
const TAR_END = 1024

export function partName(prefix: string, kind: PartPlan['kind'], index?: number): string {
  return kind === 'bundle' ? `${prefix}-bundle.tar` : `${prefix}-${kind}-${String(index).padStart(2, '0')}.tar`
}

export function planParts(prefix: string, budget: number, meta: SizedPath[], files: SizedPath[], images: ImageForParts[]): PartPlan[] {
  if (!/^[\w.-]+$/.test(prefix)) throw new InputError(`asset prefix '${prefix}': letters, digits, '.', '_' and '-' only`)
  const bundle: PartPlan = { name: partName(prefix, 'bundle'), kind: 'bundle', entries: [], images: [], size: TAR_END }
  for (const m of [...meta].sort(byPath)) add(bundle, m.path, m.size, budget)
  const parts = [bundle]

  let current: PartPlan | undefined
  for (const f of [...files].sort(byPath)) {
    const cost = tarEntrySize(f.size)
    if (TAR_END + cost > budget) throw new InputError(`files/${f.path.replace(/^files\//, '')} (${f.size} bytes) is larger than the part size ${budget}; raise --part-size`)
    if (!current || current.size + cost > budget) parts.push((current = { name: partName(prefix, 'files', parts.filter((p) => p.kind === 'files').length + 1), kind: 'files', entries: [], images: [], size: TAR_END }))
    add(current, f.path, f.size, budget)
  }

  // oci-layout and the part's index.json: small, counted generously.
  const layoutOverhead = TAR_END + tarEntrySize(64) + tarEntrySize(4096)
  let part: PartPlan | undefined
  let inPart = new Set<string>()
  for (const image of images) {
    const own = uniqueBlobs(image.blobs)
    const alone = layoutOverhead + own.reduce((n, b) => n + tarEntrySize(b.size) + 256, 0)
    if (alone > budget) throw new InputError(`image ${image.line} (${alone} bytes with its blobs) is larger than the part size ${budget}; raise --part-size`)
    const cost = own.filter((b) => !inPart.has(b.digest)).reduce((n, b) => n + tarEntrySize(b.size) + 256, 0)
    if (!part || part.size + cost > budget) {
      part = { name: partName(prefix, 'images', parts.filter((p) => p.kind === 'images').length + 1), kind: 'images', entries: [], images: [], size: layoutOverhead }
      parts.push(part)
      inPart = new Set()
    }
    for (const b of own) {
      if (inPart.has(b.digest)) continue
      inPart.add(b.digest)
      part.entries.push(b.digest)
      part.size += tarEntrySize(b.size) + 256
    }
    part.images.push(image.line)
  }
  return parts
}

function add(part: PartPlan, path: string, size: number, budget: number): void {
  part.entries.push(path)
  part.size += tarEntrySize(size)
  if (part.size > budget) throw new InputError(`${part.name} would be ${part.size} bytes, over the part size ${budget} (${path}); raise --part-size`)
}

function uniqueBlobs(blobs: ImageForParts['blobs']): ImageForParts['blobs'] {
  const seen = new Map<string, { digest: string; size: number }>()
  for (const b of blobs) seen.set(b.digest, b)
  return [...seen.values()]
}

const byPath = (a: SizedPath, b: SizedPath): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)

/** The bundles among a release's asset names: the prefix of each `<prefix>-bundle.tar`, sorted. */
export function bundlePrefixes(names: Iterable<string>): string[] {
  const suffix = partName('', 'bundle')
  return [...names].flatMap((n) => (n.endsWith(suffix) ? [n.slice(0, -suffix.length)] : [])).sort()
}

/** Which kind of part an asset name is, or undefined for an asset that is no part of ours. */
export function partKind(prefix: string, name: string): PartPlan['kind'] | undefined {
  if (name === partName(prefix, 'bundle')) return 'bundle'
  const m = new RegExp(`^${prefix.replace(/[.]/g, '\\.')}-(files|images)-\\d{2,}\\.tar$`).exec(name)
  return m ? (m[1] as 'files' | 'images') : undefined
}
