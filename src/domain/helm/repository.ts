/**
 * Helm chart repositories, as Helm reads them: an `index.yaml` whose `entries` map each chart's
 * name to its versions, each with the `urls` of its archive (absolute, or relative to the
 * repository's url) and the archive's sha256 as `digest`. A bundle carries, per repository, only
 * the chart versions Kubespray installs and an index of its own naming just those, with urls
 * relative to the index, so the repository works wherever the bundle is served (Helm resolves a
 * relative url against the repository url with a trailing slash: ResolveReferenceURL).
 * Pure: texts in, texts and paths out.
 */
import type JsYaml from 'js-yaml'
import { lazyRequire } from '../lazy-require.js'
import { redactText } from '../redact.js'

const jsYaml = lazyRequire<typeof JsYaml>('js-yaml')

export class ChartRepositoryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ChartRepositoryError'
  }
}

/** One chart version of an index: the entry as the index has it, and what we read from it. */
export interface IndexedChart {
  name: string
  version: string
  /** The archive's url, made absolute against the index's url. */
  url: string
  /** The archive's sha256 (hex), from the entry's `digest` (an entry without one is refused). */
  sha256: string
  /** The entry exactly as the index holds it (every field kept for the served index). */
  entry: Record<string, unknown>
}

/** A chart name or version as a file name may hold it (Helm's own names are of this kind). */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/

/** Helm's url resolution: relative to the repository url with a trailing slash. */
export function resolveAgainstRepository(repositoryUrl: string, ref: string): string {
  const base = new URL(repositoryUrl)
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/`
  const resolved = new URL(ref, base)
  // Helm keeps the repository's query (a signed url's token) on a relative chart url; we keep it
  // only where it goes back to the same origin, never handing the token to another host.
  if (!/^[a-z][a-z0-9+.-]*:/i.test(ref) && resolved.origin === base.origin) resolved.search = base.search
  return resolved.toString()
}

export function indexUrlOf(repositoryUrl: string): string {
  return resolveAgainstRepository(repositoryUrl, 'index.yaml')
}

/**
 * Helm reads an index into typed structs (sigs.k8s.io/yaml over YAML 1.1), so a field Helm types
 * as a string stays the text written (a digest of digits, a version `1.10`), and its booleans
 * (`deprecated`, `removed`, a dependency's `enabled`) take YAML 1.1's words. The index is read as
 * text (every scalar a string) and those booleans typed here; a null one is left out (Go's zero).
 */
const HELM_BOOLEANS = new Set(['deprecated', 'removed', 'enabled'])
const YAML11_TRUE = /^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/
const YAML11_FALSE = /^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/
const YAML_NULL = /^(~|null|Null|NULL|)$/

function parseIndex(text: string, origin: string): Map<string, unknown[]> {
  let doc: unknown
  try {
    doc = jsYaml().load(text, { schema: jsYaml().FAILSAFE_SCHEMA, filename: origin })
  } catch (e) {
    throw new ChartRepositoryError(`${origin}: not a Helm repository index (${(e as Error).message.split('\n')[0]})`)
  }
  if (!isRecord(doc) || !isRecord(doc.entries) || typeof doc.apiVersion !== 'string') {
    throw new ChartRepositoryError(`${origin}: not a Helm repository index (no apiVersion and entries)`)
  }
  // `helm repo index` writes no anchors; an alias shared a thousand times is an attack on whoever expands it.
  refuseAliases(doc, origin)
  const entries = new Map<string, unknown[]>()
  for (const [name, versions] of Object.entries(doc.entries)) if (Array.isArray(versions)) entries.set(name, versions)
  return entries
}

/** js-yaml shares an aliased node: a node met twice is an alias. */
function refuseAliases(doc: unknown, origin: string): void {
  const seen = new Set<object>()
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return
    if (seen.has(v)) throw new ChartRepositoryError(`${origin}: uses YAML aliases, which no index \`helm repo index\` writes has; not read`)
    seen.add(v)
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x)
  }
  walk(doc)
}

/** An entry as Helm reads it: text, but its booleans typed (YAML 1.1) and null ones left out. */
function asHelmReads(value: unknown, where: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => asHelmReads(v, `${where}[${i}]`))
  if (!isRecord(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (HELM_BOOLEANS.has(key) && (typeof v === 'string' || v === null)) {
      const text = v ?? ''
      if (YAML_NULL.test(text)) continue
      if (!YAML11_TRUE.test(text) && !YAML11_FALSE.test(text)) throw new ChartRepositoryError(`${where}.${key} is '${text}', which Helm cannot read as a boolean`)
      out[key] = YAML11_TRUE.test(text)
    } else out[key] = asHelmReads(v, `${where}.${key}`)
  }
  return out
}

/**
 * The entry of `name` at exactly `version` (Kubespray pins versions; a leading `v` is forgiven
 * both ways, as Helm's semver matching does).
 */
export function findChart(indexText: string, repositoryUrl: string, name: string, version: string): IndexedChart {
  // Named in messages: no userinfo, no signed query value.
  const origin = redactText(indexUrlOf(repositoryUrl))
  const entries = parseIndex(indexText, origin)
  const versions = entries.get(name)
  if (!versions) {
    throw new ChartRepositoryError(`${origin} has no chart '${name}' (it has ${[...entries.keys()].slice(0, 8).join(', ') || 'none'}${entries.size > 8 ? ', …' : ''}): check the chart name Kubespray installs`)
  }
  const bare = (v: string): string => v.replace(/^v/, '')
  const entry = versions.find((v): v is Record<string, unknown> => isRecord(v) && typeof v.version === 'string' && bare(v.version) === bare(version))
  if (!entry) {
    const known = versions.flatMap((v) => (isRecord(v) && typeof v.version === 'string' ? [v.version] : []))
    throw new ChartRepositoryError(`${origin} has no version ${version} of chart '${name}' (newest: ${known.slice(0, 5).join(', ') || 'none'}): set the chart version Kubespray installs to one the repository has`)
  }
  const urls = Array.isArray(entry.urls) ? entry.urls.filter((u): u is string => typeof u === 'string' && u.trim() !== '') : []
  if (!urls.length) throw new ChartRepositoryError(`${origin}: chart '${name}' ${version} has no urls`)
  const digest = typeof entry.digest === 'string' ? entry.digest.trim().replace(/^sha256:/, '').toLowerCase() : ''
  // Kubespray installs what Helm fetches; the bundle carries only what it can verify.
  if (!digest) throw new ChartRepositoryError(`${origin}: chart '${name}' ${version} has no digest, so its archive cannot be verified; regenerate the index with \`helm repo index\` (it writes digests), or give a repository that has them`)
  if (!/^[0-9a-f]{64}$/.test(digest)) throw new ChartRepositoryError(`${origin}: chart '${name}' ${version} has a digest that is no sha256 ('${String(entry.digest)}')`)
  return { name, version: String(entry.version), url: resolveAgainstRepository(repositoryUrl, urls[0]), sha256: digest, entry: asHelmReads(entry, `${origin}: chart '${name}' ${version}`) as Record<string, unknown> }
}

/** The archive's file name in the served repository. */
export function archiveName(chart: Pick<IndexedChart, 'name' | 'version'>): string {
  for (const part of [chart.name, chart.version]) {
    if (!SAFE_NAME.test(part)) throw new ChartRepositoryError(`chart '${chart.name}' ${chart.version}: '${part}' cannot be a file name`)
  }
  return `${chart.name}-${chart.version}.tgz`
}

/**
 * Where a repository lives under the bundle's files/: charts/<host>[:port]/<path>, so that
 * repositories never share an index and their files never meet Kubespray's own.
 */
export function repositoryPath(repositoryUrl: string): string {
  const url = new URL(repositoryUrl)
  let path: string
  try {
    path = decodeURIComponent(url.pathname)
  } catch {
    throw new ChartRepositoryError(`${redactText(repositoryUrl)}: its path is not valid percent-encoding`)
  }
  const segments = [url.host, ...path.split('/')].filter((s) => s !== '')
  if (segments.some((s) => s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) {
    throw new ChartRepositoryError(`${redactText(repositoryUrl)}: cannot store this repository under files/ ('..' or NUL path segments)`)
  }
  return ['charts', ...segments].join('/')
}

/**
 * The index a bundle serves for one repository: the carried versions only, entries as the
 * upstream index has them but for `urls`, which name the archive beside the index.
 */
export function servedIndex(charts: readonly IndexedChart[]): string {
  const entries: Record<string, Array<Record<string, unknown>>> = {}
  const sorted = [...charts].sort((a, b) => (a.name === b.name ? (a.version < b.version ? -1 : 1) : a.name < b.name ? -1 : 1))
  for (const chart of sorted) (entries[chart.name] ??= []).push({ ...chart.entry, urls: [archiveName(chart)] })
  // No `generated:` time: the same charts give the same bytes, so a rebuild changes no sum.
  return jsYaml().dump({ apiVersion: 'v1', entries }, { lineWidth: -1, noRefs: true, sortKeys: false })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
