/**
 * The release's own manifest, the `bundle.json` asset beside the parts: what every bundle
 * published into one release holds, merged. A release built by a job matrix (one job per arch
 * or Kubernetes version, each publishing its own bundle, `<prefix>-bundle-<sha8>.tar` and its parts)
 * gets it from the `merge` command once every job is done. A consumer reads it to choose which
 * bundle to fetch (`fetch --asset-prefix`), or to see which holds a file or an image, without
 * downloading a part. Pure: the bundles' manifests and assets in, one manifest out.
 */
import type { BundleFile, BundleImage, BundleManifest } from './bundle.js'
import type { AssetKind } from './parts.js'

export const RELEASE_SCHEMA = 'kubespray-bundle-release/v1'
/** The asset name: the release-level counterpart of a bundle directory's bundle.json. */
export const RELEASE_MANIFEST = 'bundle.json'

export interface ReleaseAssetEntry {
  name: string
  /** A part (bundle, files, images), or the bundle's sums or delta manifest. */
  kind: AssetKind
  size: number
  sha256: string
}

export interface ReleaseBundle {
  /** The asset name prefix: `fetch --asset-prefix` takes it. */
  prefix: string
  kubespray: Omit<BundleManifest['kubespray'], 'tarball'>
  kubeVersion: string
  arches: string[]
  layout: string
  extraVars: Record<string, unknown>
  totals: BundleManifest['totals']
  assets: ReleaseAssetEntry[]
}

export interface ReleaseManifest {
  schema: typeof RELEASE_SCHEMA
  tool: { name: string; version: string }
  tag: string
  /** Every arch and kube_version some bundle of the release holds. */
  arches: string[]
  kubeVersions: string[]
  bundles: ReleaseBundle[]
  /** Each file once per content, with the bundles that hold it. */
  files: Array<BundleFile & { bundles: string[] }>
  /**
   * Each image line once, its platforms and arches merged, with what each bundle holding it
   * saved: a bundle of one arch keeps an index of its platform only, so digests differ.
   */
  images: ReleaseImage[]
  totals: { bundles: number; assets: number; assetBytes: number; files: number; images: number }
}

export interface ReleaseImage {
  line: string
  platforms: string[]
  arches: string[]
  bundles: Array<{ prefix: string } & Pick<BundleImage, 'digest' | 'platforms' | 'size'>>
}

export interface PublishedBundle {
  prefix: string
  manifest: BundleManifest
  assets: ReleaseAssetEntry[]
}

export function mergeBundles(tag: string, tool: ReleaseManifest['tool'], published: readonly PublishedBundle[]): ReleaseManifest {
  const bundles = [...published].sort((a, b) => compare(a.prefix, b.prefix))
  const files = new Map<string, BundleFile & { bundles: string[] }>()
  const images = new Map<string, ReleaseImage>()
  for (const { prefix, manifest } of bundles) {
    for (const f of manifest.files) {
      // The same path with other bytes (two kube_versions' builds of a moving url) stays apart.
      const key = `${f.path}\0${f.sha256}`
      const seen = files.get(key)
      if (seen) {
        seen.arches = union(seen.arches, f.arches)
        seen.bundles.push(prefix)
      } else files.set(key, { ...f, arches: [...f.arches], bundles: [prefix] })
    }
    for (const i of manifest.images) {
      const seen = images.get(i.line) ?? { line: i.line, platforms: [], arches: [], bundles: [] }
      seen.platforms = union(seen.platforms, i.platforms)
      seen.arches = union(seen.arches, i.arches)
      seen.bundles.push({ prefix, digest: i.digest, platforms: i.platforms, size: i.size })
      images.set(i.line, seen)
    }
  }
  const assets = bundles.flatMap((b) => b.assets)
  return {
    schema: RELEASE_SCHEMA,
    tool,
    tag,
    arches: union(...bundles.map((b) => b.manifest.arches)),
    kubeVersions: union(bundles.map((b) => b.manifest.kubeVersion)),
    bundles: bundles.map(({ prefix, manifest: m, assets: a }) => ({
      prefix,
      kubespray: { repository: m.kubespray.repository, spec: m.kubespray.spec, tag: m.kubespray.tag, commit: m.kubespray.commit },
      kubeVersion: m.kubeVersion,
      arches: m.arches,
      layout: m.layout,
      extraVars: m.extraVars,
      totals: m.totals,
      assets: [...a].sort((x, y) => compare(x.name, y.name))
    })),
    files: [...files.values()].sort((a, b) => compare(a.path, b.path) || compare(a.sha256, b.sha256)),
    images: [...images.values()].sort((a, b) => compare(a.line, b.line)),
    totals: { bundles: bundles.length, assets: assets.length, assetBytes: assets.reduce((n, a) => n + a.size, 0), files: files.size, images: images.size }
  }
}

export function encodeReleaseManifest(manifest: ReleaseManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

function union(...lists: ReadonlyArray<readonly string[]>): string[] {
  return [...new Set(lists.flat())].sort(compare)
}
