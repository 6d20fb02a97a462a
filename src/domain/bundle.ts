/**
 * A bundle directory and its manifest, bundle.json. Pure: the build pipeline gathers the facts,
 * these functions give them their shape.
 *
 *   DIR/bundle.json                 this manifest
 *   DIR/SHA256SUMS                  every other file of DIR (sha256sum -c passes)
 *   DIR/kubespray-<version>.tar.gz  Kubespray's source as GitHub served it (one per version)
 *   DIR/lists/<arch>/               files.list, images.list, files.json of each arch
 *   DIR/lists/<label>/<arch>/       the same, per version, in a bundle of several versions
 *                                   (<label>: domain/version-spec.ts versionLabels, the tag
 *                                   when it is a safe path name)
 *   DIR/files/                      the files (+ files/SHA256SUMS), as the files command lays them out
 *   DIR/images/                     one OCI layout with every image of every arch
 *   DIR/.kubespray-bundle/          the tool's own state for re-runs: never listed, never published
 *
 * A bundle of several Kubespray versions (an upgrade path: `build --kubespray 2.30,2.31`) holds
 * every file and blob once: `files`, `images` and `charts` are the union, and `versions` says
 * which of them each version needs, beside its own lists and tarball. Its versions are in
 * canonical order (version-spec.ts canonicalOrder: releases oldest first, whatever order they
 * were asked in); its top-level `kubespray` and `kubeVersion` are those of the last one (the
 * upgrade's target), so a reader that knows no `versions` still sees one consistent version. A bundle of one version has no
 * `versions` and is laid out as it always was.
 */
import { InputError } from './errors.js'
import { PyFloat, PyTuple, pyStr, type Value } from './python/values.js'
import type { WantedBy } from './kubespray/downloads.js'

export const BUNDLE_SCHEMA = 'kubespray-bundle/v1'
export const BUNDLE_MANIFEST = 'bundle.json'
export const BUNDLE_SUMS = 'SHA256SUMS'
export const STATE_DIR = '.kubespray-bundle'

export interface BundleFile {
  url: string
  /** Relative to DIR. */
  path: string
  size: number
  sha256: string
  /** What Kubespray verifies (sha256:… or sha512:…), null when it has none. */
  checksum: string | null
  arches: string[]
  /** For what the lists do not name: the role and variable that make Kubespray fetch it. */
  wantedBy?: WantedBy
}

export interface BundleImage {
  line: string
  /** The digest the registry gave the image (what `push` and `serve` hand out). */
  digest: string
  platforms: string[]
  /** Bytes of its manifests and blobs. */
  size: number
  arches: string[]
  /** For what the lists do not name: the role and variable that make Kubespray fetch it. */
  wantedBy?: WantedBy
}

/**
 * A Helm chart the bundle carries: its archive (also one of `files`) beside the index the bundle
 * serves for its repository, and the variable offline.yml points at that repository.
 */
export interface BundleChart {
  /** The upstream repository (credentials redacted). */
  repository: string
  name: string
  version: string
  /** Relative to DIR: files/charts/<host>/<path>/<name>-<version>.tgz. */
  path: string
  /** Relative to DIR: the served index.yaml beside it. */
  index: string
  sha256: string
  /** `url`: the variable is the repository's url; `repository-flag`: it holds `--repository URL` among other flags. */
  movedBy: { variable: string; form: 'url' | 'repository-flag' }
  /** The images its values name (already among `images`). */
  images: string[]
  wantedBy: WantedBy
  /** The variable holding the values Kubespray passes it, when one does. */
  valuesVariable?: string
}

export interface KubesprayOrigin {
  repository: string | null
  spec: string
  tag: string | null
  commit: string | null
  /** null when the bundle was built from a local tree. */
  tarball: { path: string; sha256: string; size: number } | null
}

/** One Kubespray version of a bundle of several. */
export interface BundleVersion {
  kubespray: KubesprayOrigin
  kubeVersion: string
  /** Relative to DIR: lists/<label>, holding <arch>/files.list, images.list and files.json. */
  lists: string
  /** Paths (relative to DIR) of the files this version fetches, each one of the bundle's `files`. */
  files: string[]
  /** Lines of the images this version pulls, each one of the bundle's `images`. */
  images: string[]
  /** Paths of its Helm charts, each one of the bundle's `charts`. */
  charts?: string[]
  /** Bytes a bundle of this version alone would carry: its files, its images' blobs, its tarball and lists. */
  bytes: number
}

export interface BundleManifest {
  schema: typeof BUNDLE_SCHEMA
  tool: { name: string; version: string }
  kubespray: KubesprayOrigin
  kubeVersion: string
  arches: string[]
  layout: string
  /**
   * The `-e` variables the lists were made with, merged in order (what the far side must ask
   * for too), secrets redacted (domain/secrets.ts).
   */
  extraVars: Record<string, unknown>
  /** The variables (dotted paths) whose values were redacted: the far side supplies them itself. */
  redacted?: string[]
  files: BundleFile[]
  images: BundleImage[]
  /** Helm charts of other roles (absent in bundles made before charts were carried). */
  charts?: BundleChart[]
  /** A bundle of several Kubespray versions: each, oldest first (canonical order; absent for one version). */
  versions?: BundleVersion[]
  /**
   * `saved` (several versions only): the bytes that sharing saved, the versions' `bytes` summed
   * less what the bundle holds of them (each file and blob stored once).
   */
  totals: { files: number; fileBytes: number; images: number; imageBytes: number; bytes: number; saved?: number }
}

/** A Python value of the evaluator as plain JSON. */
export function toJson(v: Value): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [pyStr(k as Value), toJson(x)]))
  if (Array.isArray(v)) return v.map(toJson)
  if (v instanceof PyTuple) return v.items.map(toJson)
  if (v instanceof PyFloat) return v.value
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  return pyStr(v)
}

/** A version's tarball at the top of a bundle; `label` is its versionLabels entry (already a safe name, as lists/<label> is). */
export function tarballName(label: string): string {
  return `kubespray-${label}.tar.gz`
}

export function totals(files: readonly BundleFile[], images: readonly BundleImage[], uniqueImageBytes: number, otherBytes: number): BundleManifest['totals'] {
  const fileBytes = files.reduce((n, f) => n + f.size, 0)
  return { files: files.length, fileBytes, images: images.length, imageBytes: uniqueImageBytes, bytes: fileBytes + uniqueImageBytes + otherBytes }
}

export function encodeManifest(manifest: BundleManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`
}

/** The Kubespray source tarball's name pattern at the top of a bundle. */
export const TARBALL_PATTERN = /^kubespray-[\w.-]+\.tar\.gz$/

/**
 * A bundle directory is a closed set of paths: these top-level entries and nothing else, so
 * that nothing a user (or a checkout) left in the output directory is ever listed or published.
 */
export function isOwnTopLevelEntry(name: string): boolean {
  return [BUNDLE_MANIFEST, BUNDLE_SUMS, 'lists', 'files', 'images', STATE_DIR].includes(name) || TARBALL_PATTERN.test(name)
}

/** A temp file our atomic writes leave behind when killed (fs-atomic's tempPathFor): `.NAME.PID.N.tmp`. */
export function isOwnTempEntry(name: string): boolean {
  const m = /^\.(.+)\.\d+\.[0-9a-z]+\.tmp$/.exec(name)
  return m !== null && isOwnTopLevelEntry(m[1])
}

/** How a version is named to users (its tag, else the first 12 digits of its commit): `offline-yml --kubespray`, messages. Paths use version-spec.ts versionLabels. */
export function versionName(origin: Pick<KubesprayOrigin, 'tag' | 'commit' | 'spec'>): string {
  return origin.tag ?? origin.commit?.slice(0, 12) ?? origin.spec
}

/** The versions a bundle holds, by name. */
export function versionNames(manifest: Pick<BundleManifest, 'kubespray' | 'versions'>): string[] {
  return manifest.versions ? manifest.versions.map((v) => versionName(v.kubespray)) : [versionName(manifest.kubespray)]
}

/** One version of a bundle, seen as a bundle of that version alone, and where its lists are. */
export interface VersionView {
  manifest: BundleManifest
  /** Relative to DIR: where <arch>/files.json of this version is (lists, or lists/<label>). */
  lists: string
}

/**
 * The bundle as one of its versions sees it: that version's Kubespray, kube_version, files,
 * images and charts. A bundle of one version is itself (a name, if given, must be its own); a
 * bundle of several needs the name, and a wrong or missing one is refused naming the versions.
 * `flag` is how the caller's user gives it (`--kubespray`).
 */
export function versionView(manifest: BundleManifest, wanted: string | undefined, flag = '--kubespray'): VersionView {
  const names = versionNames(manifest)
  if (!manifest.versions) {
    if (wanted !== undefined && !sameVersion(wanted, manifest.kubespray)) {
      throw new InputError(`${flag} ${wanted}: this bundle holds Kubespray ${names[0]} only`)
    }
    return { manifest, lists: 'lists' }
  }
  if (wanted === undefined) {
    throw new InputError(`this bundle holds ${names.length} Kubespray versions (${names.join(', ')}): say which with ${flag} ${names[names.length - 1]} (or another of them)`)
  }
  const version = manifest.versions.find((v) => sameVersion(wanted, v.kubespray))
  if (!version) throw new InputError(`${flag} ${wanted}: this bundle holds Kubespray ${names.join(', ')}; give one of these`)
  const files = new Set(version.files)
  const images = new Set(version.images)
  const charts = new Set(version.charts ?? [])
  const own: BundleManifest = {
    ...manifest,
    kubespray: version.kubespray,
    kubeVersion: version.kubeVersion,
    files: manifest.files.filter((f) => files.has(f.path)),
    images: manifest.images.filter((i) => images.has(i.line))
  }
  const ownCharts = (manifest.charts ?? []).filter((c) => charts.has(c.path))
  if (ownCharts.length) own.charts = ownCharts
  else delete own.charts
  delete own.versions
  return { manifest: own, lists: version.lists }
}

/** A version named by its tag (with or without its v), its commit (12 digits or more) or its spec. */
function sameVersion(wanted: string, origin: KubesprayOrigin): boolean {
  const w = wanted.trim()
  if (origin.tag && (w === origin.tag || `v${w}` === origin.tag)) return true
  if (origin.commit && w.length >= 7 && /^[0-9a-f]+$/.test(w) && origin.commit.startsWith(w)) return true
  return w === origin.spec
}

/** Whether a path under DIR belongs in SHA256SUMS (and in what is published). */
export function isBundleContent(path: string): boolean {
  return path !== BUNDLE_SUMS && path !== STATE_DIR && !path.startsWith(`${STATE_DIR}/`)
}
