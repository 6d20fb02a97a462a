/**
 * A bundle directory and its manifest, bundle.json. Pure: the build pipeline gathers the facts,
 * these functions give them their shape.
 *
 *   DIR/bundle.json                 this manifest
 *   DIR/SHA256SUMS                  every other file of DIR (sha256sum -c passes)
 *   DIR/kubespray-<version>.tar.gz  Kubespray's source as GitHub served it
 *   DIR/lists/<arch>/               files.list, images.list, files.json of each arch
 *   DIR/files/                      the files (+ files/SHA256SUMS), as the files command lays them out
 *   DIR/images/                     one OCI layout with every image of every arch
 *   DIR/.kubespray-bundle/          the tool's own state for re-runs: never listed, never published
 */
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

export interface BundleManifest {
  schema: typeof BUNDLE_SCHEMA
  tool: { name: string; version: string }
  kubespray: {
    repository: string | null
    spec: string
    tag: string | null
    commit: string | null
    /** null when the bundle was built from a local tree. */
    tarball: { path: string; sha256: string; size: number } | null
  }
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
  totals: { files: number; fileBytes: number; images: number; imageBytes: number; bytes: number }
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

export function tarballName(label: string): string {
  return `kubespray-${label.replace(/[^\w.-]/g, '_')}.tar.gz`
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

/** Whether a path under DIR belongs in SHA256SUMS (and in what is published). */
export function isBundleContent(path: string): boolean {
  return path !== BUNDLE_SUMS && path !== STATE_DIR && !path.startsWith(`${STATE_DIR}/`)
}
