/**
 * A delta: a bundle published against another published bundle (its base), carrying only the
 * content the base lacks. Content is what is big and named by its bytes: the files under files/
 * (compared by sha256, so a file whose url moved but whose bytes did not is never carried), the
 * image blobs (by digest: a moved tag whose digest did not change costs nothing) and Kubespray's
 * source tarball. Everything else is metadata (bundle.json, SHA256SUMS, lists/, files/SHA256SUMS,
 * images/index.json and oci-layout): small, and always carried whole, so the far side ends with
 * the new bundle's own metadata byte for byte.
 *
 * What the base holds is read from its bundle's own SHA256SUMS, which every publish puts beside
 * the parts as a small asset of its own (`<prefix>-sums-<sha8>.txt`): a publish with a base
 * reads that, never the base's parts. The delta manifest (`<prefix>-delta-<sha8>.json`, plain
 * JSON) names the base by repository, tag, prefix and the sha256 of that SHA256SUMS, and lists
 * what the far side takes from its copy of the base: each path of the new bundle and the path of
 * the base that holds its bytes. Pure: sums in, a plan and a manifest out; validation of a
 * manifest read from elsewhere.
 */
import { InputError } from './errors.js'
import { BUNDLE_SUMS, TARBALL_PATTERN } from './bundle.js'

export const DELTA_SCHEMA = 'kubespray-bundle-delta/v1'

export interface SumsLine {
  path: string
  sha256: string
}

export interface DeltaBase {
  /** OWNER/NAME of the base release's repository. */
  repo: string
  tag: string
  /** The base bundle's asset prefix in that release. */
  prefix: string
  /** sha256 of the base bundle's own DIR/SHA256SUMS: what `fetch --base DIR0` checks DIR0 by. */
  sums: string
}

export interface TakenFromBase {
  /** The path in the new bundle. */
  path: string
  /** The path in the base bundle holding the same bytes (often the same path). */
  from: string
  sha256: string
}

export interface DeltaManifest {
  schema: typeof DELTA_SCHEMA
  tool: { name: string; version: string }
  /** The new bundle's asset prefix. */
  prefix: string
  /** sha256 of the new bundle's DIR/SHA256SUMS: what the rebuilt directory ends with. */
  sums: string
  base: DeltaBase
  take: TakenFromBase[]
  bytes: DeltaBytes
}

export interface DeltaBytes {
  /** Every byte of the new bundle directory (SHA256SUMS included). */
  full: number
  /** The content bytes the delta carries (files, blobs, tarball the base lacks). */
  carried: number
  /** The content bytes the far side takes from its base. */
  fromBase: number
}

/** Whether a bundle path is content (compared with the base by sha256) rather than metadata. */
export function isContentPath(path: string): boolean {
  if (path.startsWith('images/blobs/sha256/')) return true
  if (path.startsWith('files/')) return path !== 'files/SHA256SUMS'
  return !path.includes('/') && TARBALL_PATTERN.test(path)
}

export interface DeltaPlan {
  /** Content paths of the new bundle whose bytes the base lacks: packed into the delta. */
  carry: SumsLine[]
  /** Content paths of the new bundle the base holds: taken from DIR0 on the far side. */
  take: TakenFromBase[]
}

/**
 * Which of the new bundle's content the base lacks (carry) and which it holds (take), by sha256.
 * A path the base holds with the same bytes is taken from that same path; other bytes the base
 * has under another path are taken from there (the first such path, in sorted order).
 */
export function planDelta(bundle: readonly SumsLine[], base: readonly SumsLine[]): DeltaPlan {
  const baseBySha = new Map<string, string>()
  const baseByPath = new Map<string, string>()
  for (const line of [...base].sort((a, b) => compare(a.path, b.path))) {
    if (!isSafeRelative(line.path) || line.path === BUNDLE_SUMS) continue
    baseByPath.set(line.path, line.sha256)
    if (!baseBySha.has(line.sha256)) baseBySha.set(line.sha256, line.path)
  }
  const carry: SumsLine[] = []
  const take: TakenFromBase[] = []
  for (const line of [...bundle].sort((a, b) => compare(a.path, b.path))) {
    if (!isContentPath(line.path)) continue
    const from = baseByPath.get(line.path) === line.sha256 ? line.path : baseBySha.get(line.sha256)
    if (from === undefined) carry.push(line)
    else take.push({ path: line.path, from, sha256: line.sha256 })
  }
  return { carry, take }
}

export function encodeDeltaManifest(manifest: DeltaManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`
}

/**
 * A delta manifest read from a release or a copied asset, checked field by field: its paths
 * decide where bytes of the base are linked, so each must be a content path inside the bundle.
 */
export function parseDeltaManifest(text: string, where: string): DeltaManifest {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new InputError(`${where}: not JSON (${(e as Error).message})`)
  }
  const bad = (what: string): never => {
    throw new InputError(`${where}: not a delta manifest of kubespray-bundle (${what}); publish the delta again`)
  }
  if (!isRecord(value)) return bad('not an object')
  if (value.schema !== DELTA_SCHEMA) return bad(`schema ${JSON.stringify(value.schema)}, expected ${DELTA_SCHEMA}`)
  const base = value.base
  if (!isRecord(base)) return bad('no base')
  for (const key of ['repo', 'tag', 'prefix'] as const) if (typeof base[key] !== 'string' || !base[key]) bad(`base.${key} is not a string`)
  if (!isSha256(base.sums)) bad('base.sums is not a sha256')
  if (!isSha256(value.sums)) bad('sums is not a sha256')
  if (typeof value.prefix !== 'string' || !/^[\w.-]+$/.test(value.prefix)) bad('prefix is not an asset prefix')
  if (!Array.isArray(value.take)) return bad('take is not a list')
  const seen = new Set<string>()
  for (const [i, t] of value.take.entries()) {
    if (!isRecord(t) || typeof t.path !== 'string' || typeof t.from !== 'string' || !isSha256(t.sha256)) return bad(`take[${i}] is not {path, from, sha256}`)
    if (!isSafeRelative(t.path) || !isContentPath(t.path)) bad(`take[${i}].path ${JSON.stringify(t.path)} is not a file, blob or tarball path inside the bundle`)
    if (!isSafeRelative(t.from)) bad(`take[${i}].from ${JSON.stringify(t.from)} is not a path inside the base bundle`)
    if (seen.has(t.path)) bad(`take names ${t.path} twice`)
    seen.add(t.path)
  }
  const bytes = isRecord(value.bytes) ? value.bytes : {}
  const tool = isRecord(value.tool) ? value.tool : {}
  return {
    schema: DELTA_SCHEMA,
    tool: { name: String(tool.name ?? ''), version: String(tool.version ?? '') },
    prefix: value.prefix as string,
    sums: value.sums as string,
    base: { repo: base.repo as string, tag: base.tag as string, prefix: base.prefix as string, sums: base.sums as string },
    take: (value.take as TakenFromBase[]).map((t) => ({ path: t.path, from: t.from, sha256: t.sha256 })),
    bytes: { full: Number(bytes.full ?? 0), carried: Number(bytes.carried ?? 0), fromBase: Number(bytes.fromBase ?? 0) }
  }
}

/** How a delta names its base in an error: where it is published and the digest it expects. */
export function describeBase(base: DeltaBase): string {
  return `${base.repo} release ${base.tag} (bundle ${base.prefix}, whose SHA256SUMS has sha256 ${base.sums})`
}

/**
 * Why a directory whose SHA256SUMS hashes to `sha256` and lists `lines` cannot serve as the
 * delta's base, or undefined when it can. The digest is the check; the lines are checked too, so
 * that a manifest and a base that disagree are named here, before anything is downloaded.
 */
export function baseMismatch(manifest: DeltaManifest, sha256: string, lines: readonly SumsLine[], dir: string): string | undefined {
  const fetchBase = `fetch ${manifest.base.tag} of ${manifest.base.repo} into a directory and give that as --base`
  if (sha256 !== manifest.base.sums) {
    return `--base ${dir} is not the base of this delta: its ${BUNDLE_SUMS} has sha256 ${sha256}, the delta expects ${manifest.base.sums}, the bundle of ${describeBase(manifest.base)}; ${fetchBase}`
  }
  const listed = new Map(lines.map((l) => [l.path, l.sha256]))
  const missing = manifest.take.filter((t) => listed.get(t.from) !== t.sha256)
  if (missing.length) return `--base ${dir}: its ${BUNDLE_SUMS} does not list ${missing.slice(0, 5).map((t) => `${t.from} (sha256 ${t.sha256})`).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}, which the delta takes from ${describeBase(manifest.base)}`
  return undefined
}

/**
 * The base bundle among those a base release holds: the one with the new bundle's prefix, else
 * the only one, else (a release of several, e.g. one per arch from a job matrix) the one whose
 * SHA256SUMS shares the most content with the new bundle's. `candidates` are read only when
 * there are several (their sums assets are small); a tie names them all.
 */
export function chooseBaseBundle(
  candidates: ReadonlyArray<{ prefix: string; lines?: readonly SumsLine[] }>,
  prefix: string,
  bundle: readonly SumsLine[],
  where: string
): string {
  const prefixes = candidates.map((c) => c.prefix)
  if (prefixes.includes(prefix)) return prefix
  if (prefixes.length === 1) return prefixes[0]
  if (!prefixes.length) throw new InputError(`${where} holds no bundle (no *-bundle-*.tar asset) to publish a delta against`)
  const ours = new Set(bundle.filter((l) => isContentPath(l.path)).map((l) => l.sha256))
  const shared = candidates.map((c) => ({ prefix: c.prefix, count: new Set((c.lines ?? []).filter((l) => ours.has(l.sha256)).map((l) => l.sha256)).size }))
  const best = Math.max(...shared.map((c) => c.count))
  const top = shared.filter((c) => c.count === best)
  if (top.length === 1 && best > 0) return top[0].prefix
  throw new InputError(`${where} holds several bundles and no one of them shares the most content with this one (${shared.map((c) => `${c.prefix}: ${c.count}`).join(', ')}); publish the delta against a release holding one bundle`)
}

/** Whether choosing among these prefixes needs their content (several, none of them ours). */
export const needsContentToChoose = (prefixes: readonly string[], prefix: string): boolean => prefixes.length > 1 && !prefixes.includes(prefix)

const isSha256 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
/** A relative path with no empty, '.' or '..' component. */
const isSafeRelative = (path: string): boolean => !path.startsWith('/') && !path.includes('\\') && path.split('/').every((s) => s !== '' && s !== '.' && s !== '..')
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
