/**
 * Kubespray version specs and how one is chosen among a repository's refs. Pure: the GitHub
 * adapter fetches releases, tags and branches; these functions decide.
 *   latest          the newest release (pre-releases only when asked)
 *   2.30, v2.30     the highest patch of that minor
 *   v2.30.0, 2.30.0 that tag
 *   a commit sha    (7 to 40 hex digits) that commit
 *   anything else   a branch (or a tag of another shape)
 */
import { InputError } from './errors.js'

export type VersionSpec =
  | { kind: 'latest'; prerelease: boolean }
  | { kind: 'minor'; major: number; minor: number }
  | { kind: 'exact'; version: string }
  | { kind: 'commit'; sha: string }
  | { kind: 'ref'; name: string }

export interface SemVer {
  major: number
  minor: number
  patch: number
  /** The pre-release part (rc.1), empty for a release. */
  pre: string
}

export function parseVersionSpec(text: string, prerelease = false): VersionSpec {
  const spec = text.trim()
  if (!spec) throw new InputError('the Kubespray version is empty: give latest, 2.30, v2.30.0, a branch or a commit')
  if (spec === 'latest') return { kind: 'latest', prerelease }
  const minor = /^v?(\d+)\.(\d+)$/.exec(spec)
  if (minor) return { kind: 'minor', major: Number(minor[1]), minor: Number(minor[2]) }
  if (parseSemver(spec)) return { kind: 'exact', version: spec.replace(/^v/, '') }
  if (/^[0-9a-f]{7,40}$/i.test(spec)) return { kind: 'commit', sha: spec.toLowerCase() }
  if (!/^[\w./-]+$/.test(spec) || spec.includes('..')) throw new InputError(`'${spec}' is not a Kubespray version, branch or commit`)
  return { kind: 'ref', name: spec }
}

/**
 * A comma list of specs (`2.30,2.31`: one bundle for an upgrade path), each as parseVersionSpec
 * takes it. No single spec holds a comma, so a spec without one is a list of one, as given.
 */
export function splitVersionSpecs(text: string): string[] {
  if (!text.includes(',')) return [text]
  const specs = text.split(',').map((s) => s.trim())
  if (specs.some((s) => !s)) throw new InputError(`'${text}' has an empty Kubespray version between its commas: give a comma list such as 2.30,2.31`)
  const twice = specs.find((s, i) => specs.indexOf(s) !== i)
  if (twice) throw new InputError(`'${text}' names ${twice} twice: name each Kubespray version once`)
  return specs
}

export function parseSemver(tag: string): SemVer | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(tag)
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? '' } : undefined
}

/**
 * SemVer 2.0.0 precedence (§11): major, minor, patch numerically; a pre-release sorts before
 * its release; pre-releases compare identifier by identifier, and the longer list wins when
 * one is a prefix of the other.
 */
export function compareSemver(a: SemVer, b: SemVer): number {
  const core = Math.sign(a.major - b.major || a.minor - b.minor || a.patch - b.patch)
  if (core) return core
  if (a.pre === b.pre) return 0
  if (!a.pre) return 1
  if (!b.pre) return -1
  const pa = a.pre.split('.')
  const pb = b.pre.split('.')
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = comparePrereleaseIdentifier(pa[i], pb[i])
    if (c) return c
  }
  return Math.sign(pa.length - pb.length)
}

const NUMERIC_IDENTIFIER = /^\d+$/

/**
 * §11.4: digits-only identifiers by value (as digit strings, so no size limit), others in
 * ASCII order (not the locale's: 'RC' < 'rc'), and a numeric one below an alphanumeric one.
 */
function comparePrereleaseIdentifier(x: string, y: string): number {
  const numericX = NUMERIC_IDENTIFIER.test(x)
  const numericY = NUMERIC_IDENTIFIER.test(y)
  if (numericX && numericY) return compareDigitStrings(x, y)
  if (numericX !== numericY) return numericX ? -1 : 1
  return x < y ? -1 : x > y ? 1 : 0
}

function compareDigitStrings(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '')
  const b = y.replace(/^0+(?=\d)/, '')
  if (a.length !== b.length) return Math.sign(a.length - b.length)
  return a < b ? -1 : a > b ? 1 : 0
}

export interface Release {
  tag: string
  prerelease: boolean
  draft: boolean
}

/** The newest release by version (the API lists by date, and a patch of an old line can come last). */
export function chooseLatestRelease(releases: readonly Release[], prerelease: boolean): string | undefined {
  return newest(releases.filter((r) => !r.draft && (prerelease || !r.prerelease)).map((r) => r.tag), prerelease)
}

/** The highest patch of major.minor among tags; pre-releases only when the minor has no release yet. */
export function chooseMinor(tags: readonly string[], major: number, minor: number): string | undefined {
  const ofMinor = tags.filter((t) => {
    const v = parseSemver(t)
    return v?.major === major && v.minor === minor
  })
  return newest(ofMinor, false) ?? newest(ofMinor, true)
}

/** The tag naming this exact version, with or without its v. */
export function chooseExact(tags: readonly string[], version: string): string | undefined {
  return tags.find((t) => t === `v${version}`) ?? tags.find((t) => t === version)
}

function newest(tags: readonly string[], prerelease: boolean): string | undefined {
  let best: { tag: string; v: SemVer } | undefined
  for (const tag of tags) {
    const v = parseSemver(tag)
    if (!v || (v.pre && !prerelease)) continue
    if (!best || compareSemver(v, best.v) > 0) best = { tag, v }
  }
  return best?.tag
}

/** Existing tags closest to what was asked, for an error message: same line first, then by distance. */
export function nearestTags(tags: readonly string[], spec: string, count = 5): string[] {
  const wanted = parseSemver(spec) ?? parseSemver(`${spec.replace(/^v/, '')}.0`)
  const versions = tags.flatMap((tag) => {
    const v = parseSemver(tag)
    return v && !v.pre ? [{ tag, v }] : []
  })
  if (!wanted) return versions.sort((a, b) => compareSemver(b.v, a.v)).slice(0, count).map((x) => x.tag)
  // Same line first, then the lines around it; within a line the newest patch first.
  const distance = (v: SemVer): number => Math.abs(v.major - wanted.major) * 1e3 + Math.abs(v.minor - wanted.minor)
  return versions
    .sort((a, b) => distance(a.v) - distance(b.v) || compareSemver(b.v, a.v))
    .slice(0, count)
    .map((x) => x.tag)
}

/** What a spec resolved to. */
export interface ResolvedVersion {
  spec: string
  /** The tag at that commit, if any (a branch head may have none). */
  tag: string | undefined
  commit: string
}

/** A short name for file names and release tags: the tag, else the commit's first 12 digits. */
export function versionLabel(resolved: Pick<ResolvedVersion, 'tag' | 'commit'>): string {
  return resolved.tag ?? resolved.commit.slice(0, 12)
}

/**
 * The canonical order of a bundle's versions, whatever order they were asked in: tags that are
 * semver by precedence, oldest first (the last one is the upgrade's target, the top level of
 * bundle.json); the rest (a branch head, a commit, a tag of another shape) after them, in the
 * order given, since nothing says how they compare. The same versions then make the same
 * bundle.json, SHA256SUMS, images/index.json and asset prefix.
 */
export function canonicalOrder<T>(items: readonly T[], tagOf: (item: T) => string | undefined): T[] {
  const keyed = items.map((item, given) => {
    const tag = tagOf(item)
    return { item, given, semver: tag === undefined ? undefined : parseSemver(tag) }
  })
  return keyed
    .sort((a, b) => {
      if (a.semver && b.semver) return compareSemver(a.semver, b.semver) || a.given - b.given
      if (a.semver || b.semver) return a.semver ? -1 : 1
      return a.given - b.given
    })
    .map((k) => k.item)
}

/** What a file or directory name may hold: a version's label is both lists/<label> and kubespray-<label>.tar.gz. */
const UNSAFE_IN_LABEL = /[^\w.-]/g

/**
 * Each version's label in a bundle: the tag (else the commit's first 12 digits) when it is a
 * safe path name as it is; otherwise the tag made safe (every other character `_`, no leading
 * dot or dash) plus its commit's first 12 digits, so that `rc/1` and `rc_1` stay apart. Two
 * versions that would still share a label (also when only their case differs, as they would on
 * a case-insensitive disk) are refused, naming both, before anything is written.
 */
export function versionLabels(versions: ReadonlyArray<Pick<ResolvedVersion, 'tag' | 'commit'>>): string[] {
  const labels = versions.map((v) => {
    const name = versionLabel(v)
    const safe = name.replace(UNSAFE_IN_LABEL, '_').replace(/^[.-]/, '_')
    return safe === name ? name : `${safe}-${v.commit.slice(0, 12)}`
  })
  const seen = new Map<string, number>()
  for (const [i, label] of labels.entries()) {
    const other = seen.get(label.toLowerCase())
    if (other !== undefined) {
      const named = (v: Pick<ResolvedVersion, 'tag' | 'commit'>): string => (v.tag ? `tag '${v.tag}' (commit ${v.commit.slice(0, 12)})` : `commit ${v.commit}`)
      throw new InputError(
        `Kubespray ${named(versions[other])} and ${named(versions[i])} would both be stored as lists/${label} and kubespray-${label}.tar.gz: build them as separate bundles`
      )
    }
    seen.set(label.toLowerCase(), i)
  }
  return labels
}
