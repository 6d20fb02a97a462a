/**
 * A bundle directory cut into release assets by content, each below a size budget (GitHub
 * refuses assets of 2 GiB and more), each usable alone:
 *   <prefix>-bundle-<sha8>.tar     bundle.json, SHA256SUMS, lists/, the Kubespray tarball,
 *                                  files/SHA256SUMS, images/index.json and images/oci-layout:
 *                                  what rebuilds the directory byte for byte around the others
 *   <prefix>-files-NN-<sha8>.tar   files/… as they lie in the bundle (tar -xf in DIR)
 *   <prefix>-images-NN-<sha8>.tar  an OCI archive: oci-layout, an index.json of its images, and
 *                                  every blob they need (skopeo copy oci-archive:, ctr import)
 * <sha8> is the start of the part's own sha256: a part whose bytes change gets a new name, so a
 * publish never has to take the old one away before the new one is in place.
 * Blobs shared by images in different parts travel in each (that is what "alone" costs); images
 * are taken in list order and a part is closed when the next image's new blobs do not fit, so
 * images sharing a base layer mostly share a part. Pure: sizes in, a plan out.
 */
import { createHash } from 'node:crypto'
import { InputError } from './errors.js'
import type { BundleManifest } from './bundle.js'

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

/** The name a part is packed under, before its bytes (and so its asset name) are known. */
export function partName(prefix: string, kind: PartPlan['kind'], index?: number): string {
  return kind === 'bundle' ? `${prefix}-bundle.tar` : `${prefix}-${kind}-${String(index).padStart(2, '0')}.tar`
}

/** A packed part's asset name: its packed name with the first 8 hex digits of its sha256. */
export function contentName(packedName: string, sha256: string): string {
  return packedName.replace(/\.tar$/, `-${sha256.slice(0, 8)}.tar`)
}

/** The layout a bundle has unless asked otherwise: left out of its asset names. */
const DEFAULT_LAYOUT = 'original-host'

/**
 * The asset name prefix of a bundle: `kubespray-<version>[-k8s-<kube_version>]-<arches>
 * [-<layout>]-<config8>`, where config8 hashes what the bundle was built from (configHash).
 * Bundles of one Kubespray version built with other variables, inventory or layout get other
 * prefixes, so they live in one release side by side (a job matrix publishes them at once),
 * each fetched alone by its prefix. The rule for a prefix already in the release: the same
 * prefix is the same configuration, so a publish replaces that bundle (a newer build of it,
 * other upstream bytes included); it never touches another prefix's assets.
 */
export function assetPrefix(manifest: BundleManifest, sums: ReadonlyArray<{ path: string; sha256: string }>): string {
  // A bundle of several versions (an upgrade path) is named by all of them, oldest first.
  const labelOf = (k: BundleManifest['kubespray']): string => k.tag ?? k.commit?.slice(0, 12) ?? 'local'
  const label = manifest.versions ? manifest.versions.map((v) => labelOf(v.kubespray)).join('+') : labelOf(manifest.kubespray)
  const kube = Object.hasOwn(manifest.extraVars ?? {}, 'kube_version') ? `-k8s-${manifest.kubeVersion}` : ''
  const layout = manifest.layout && manifest.layout !== DEFAULT_LAYOUT ? `-${manifest.layout}` : ''
  return `kubespray-${label}${kube}-${manifest.arches.join('_')}${layout}-${configHash(manifest, sums)}`.replace(/[^\w.-]/g, '_')
}

/**
 * 8 hex digits of the bundle's effective configuration: the sha256 lines of its lists/ (what
 * the variables and inventory made Kubespray ask for, per arch), its layout, and its variables
 * as canonical JSON. Not the bundle's bytes: a rebuild of one configuration keeps its prefix.
 */
function configHash(manifest: Pick<BundleManifest, 'layout' | 'extraVars'>, sums: ReadonlyArray<{ path: string; sha256: string }>): string {
  const lists = sums.filter((e) => e.path.startsWith('lists/')).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const text = [...lists.map((e) => `${e.sha256}  ${e.path}`), `layout ${manifest.layout}`, `extraVars ${canonicalJson(manifest.extraVars ?? {})}`].join('\n')
  return createHash('sha256').update(text).digest('hex').slice(0, 8)
}

/** JSON with every object's keys sorted, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
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

/** The bundles among asset names: the prefix of each `<prefix>-bundle-<sha8>.tar`, once, sorted. */
export function bundlePrefixes(names: Iterable<string>): string[] {
  return [...new Set([...names].flatMap((n) => /^(.+)-bundle-[0-9a-f]{8}\.tar$/.exec(n)?.[1] ?? []))].sort()
}

/**
 * The assets of a bundle besides its parts: its own SHA256SUMS (`<prefix>-sums-<sha8>.txt`, what
 * a delta against it reads to know what it holds, without downloading a part) and, for a delta,
 * the delta manifest (`<prefix>-delta-<sha8>.json`, domain/delta.ts). Both plain text.
 */
export type AssetKind = PartPlan['kind'] | 'sums' | 'delta'

/** The name a bundle's own SHA256SUMS or delta manifest is uploaded under, by its sha256. */
export function metaAssetName(prefix: string, kind: 'sums' | 'delta', sha256: string): string {
  return `${prefix}-${kind}-${sha256.slice(0, 8)}.${kind === 'sums' ? 'txt' : 'json'}`
}

/**
 * Which kind of asset of this bundle a name is (a part, its sums, its delta manifest), or
 * undefined for an asset that is not one of ours. isTarPart tells the parts from the other two.
 */
export function partKind(prefix: string, name: string): AssetKind | undefined {
  const quoted = prefix.replace(/[.]/g, '\\.')
  const tar = new RegExp(`^${quoted}-(bundle|files-\\d{2,}|images-\\d{2,})-[0-9a-f]{8}\\.tar$`).exec(name)
  if (tar) return tar[1].replace(/-\d+$/, '') as PartPlan['kind']
  const meta = new RegExp(`^${quoted}-(sums-[0-9a-f]{8}\\.txt|delta-[0-9a-f]{8}\\.json)$`).exec(name)
  return meta ? (meta[1].slice(0, meta[1].indexOf('-')) as 'sums' | 'delta') : undefined
}

/** Whether a kind is a tar part (unpacked into the bundle directory) rather than a small metadata asset. */
export const isTarPart = (kind: AssetKind | undefined): kind is PartPlan['kind'] => kind === 'bundle' || kind === 'files' || kind === 'images'

/** The suffix of an asset still being uploaded (renamed to its final name once complete). */
export const PARTIAL = '.partial'

/** The final name an in-progress asset of `prefix` will take, or undefined for any other asset. */
export function partialOf(prefix: string, name: string): string | undefined {
  if (!name.endsWith(PARTIAL)) return undefined
  const final = name.slice(0, -PARTIAL.length)
  return partKind(prefix, final) ? final : undefined
}
