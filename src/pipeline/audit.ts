/**
 * `audit`: what the bundle's Kubespray tree would fetch (every image reference and url of its
 * roles, domain/kubespray/references.ts) against what the bundle holds (bundle.json's files and
 * images). Each reference the bundle lacks is named with the role, file and variable that want
 * it and whether that role runs with the bundle's variables (plus any -e/-i given). Failing means
 * an enabled component (or one whose conditions cannot be read) lacks something.
 *
 * Returns a plain result object; the CLI renders it as a table or JSON, and build can call
 * auditBundle after a build.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { lstatSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { versionNames, versionView, type BundleManifest } from '../domain/bundle.js'
import { InputError } from '../domain/errors.js'
import { redactText } from '../domain/redact.js'
import { parseReference } from '../domain/images/reference.js'
import type { ImageArch } from '../domain/kubespray/facts.js'
import {
  findReferences,
  type EnabledState,
  type ReferenceKind,
  type ReferenceSource,
  type TreeReference,
  chartLabel,
  type ChartCoordinates
} from '../domain/kubespray/references.js'
import { readKubesprayTree } from '../adapters/kubespray-tree.js'
import { roleDownloads, type RoleImage } from '../domain/kubespray/downloads.js'
import { extractSafely } from '../adapters/tar-safe.js'
import { bundlePathOf, readBundleManifest } from './bundle-dir.js'
import { composeVariables } from './lists.js'
import { Templar, type Variable } from '../domain/ansible/templar.js'
import { pyStr, type PyDict } from '../domain/python/values.js'

export interface AuditRequest {
  bundleDir: string
  /** `-e` arguments, applied after the bundle's own variables, in the order given. */
  extraVars?: readonly string[]
  inventories?: readonly string[]
  /** A Kubespray tree to read instead of the bundle's own tarball. */
  kubesprayDir?: string
  /**
   * The version to audit, in a bundle of several (its tag): the others are left alone. Without
   * it every version is audited against what the bundle holds for it, and the results merged.
   */
  kubespray?: string
  /** `uname -m` of this machine (the control host's facts). */
  hostMachine: string
  /** Where relative paths (bundle, -e @file, -i, tree) are read from. */
  cwd: string
  environment?: Readonly<Record<string, string | undefined>>
}

export interface AuditSource {
  role: string
  file: string
  line?: number
  variable: string
  expression: string
}

/** One reference of the tree, as the audit judged it. */
export interface AuditEntry {
  kind: ReferenceKind
  /** The rendered reference, or (when it could not be rendered) the expression as written. */
  reference: string
  rendered: boolean
  problem?: string
  arches: string[]
  enabled: EnabledState
  /** The condition that decided `enabled` (the first false or unreadable one, or the path taken). */
  because: string
  sources: AuditSource[]
  /** For a chart: what the build fetches. */
  chart?: ChartCoordinates
  /** In a bundle of several Kubespray versions: the version whose tree references it. */
  version?: string
}

export interface ComponentAudit {
  role: string
  enabled: EnabledState
  because: string
  missing: number
  unrendered: number
}

export interface AuditResult {
  bundleDir: string
  kubespray: string
  arches: string[]
  /** Distinct rendered references compared with the bundle. */
  checked: { images: number; urls: number }
  /** Rendered references the bundle lacks, enabled ones first. */
  missing: AuditEntry[]
  /** References that could not be rendered with these variables (listed, not judged). */
  unrendered: AuditEntry[]
  /** Per role that wants something missing or unrendered. */
  byComponent: ComponentAudit[]
  /** Whether an enabled (or unknown) component lacks something. */
  failed: boolean
  summary: string
  warnings: string[]
}

/** What of a Kubespray tarball the audit reads: the roles' variables, tasks and templates, the playbooks, what the lists read. */
const AUDITED = /^([^/]+\.ya?ml|playbooks\/[^/]+\.ya?ml|contrib\/offline\/[^/]+)$|^roles\/(.+\/)?(defaults|vars|meta|tasks|templates)\//

export async function auditBundle(request: AuditRequest): Promise<AuditResult> {
  const bundleDir = resolve(request.cwd, request.bundleDir)
  const whole = await readBundleManifest(bundleDir)
  if (whole.versions && request.kubespray === undefined) {
    // Several versions: each one's tree against what the bundle holds for it.
    if (request.kubesprayDir) throw new InputError(`--kubespray-dir gives one tree, and ${bundleDir} holds Kubespray ${versionNames(whole).join(', ')}: say which with --kubespray TAG`)
    const results: AuditResult[] = []
    for (const name of versionNames(whole)) results.push(await auditBundle({ ...request, kubespray: name }))
    return mergeAudits(results)
  }
  const manifest = versionView(whole, request.kubespray).manifest
  const scratch = request.kubesprayDir ? undefined : await mkdtemp(join(tmpdir(), 'kubespray-audit-'))
  try {
    const treeDir = request.kubesprayDir ? resolve(request.cwd, request.kubesprayDir) : await extractBundleTree(bundleDir, manifest, scratch as string)
    return auditTree(request, bundleDir, manifest, treeDir)
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true })
  }
}

/** The roles and playbooks the audit reads, extracted safely from a Kubespray tarball into `dir`. */
export async function extractAuditedTree(tarball: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await extractSafely({ file: tarball, cwd: dir, strip: 1, include: (path) => AUDITED.test(path) })
}

/**
 * The tree's references with a build's own variables (its -e, unredacted, and inventories),
 * before any bundle exists: what `build --extras` adds beyond the lists. From a Kubespray
 * tarball (the roles it reads are extracted to a scratch directory) or a tree on disk.
 */
export async function treeReferences(options: {
  tarball?: string
  treeDir?: string
  extraVars: readonly string[]
  inventories: readonly string[]
  arches: readonly string[]
  kubeVersion: string
  hostMachine: string
  cwd: string
}): Promise<AuditEntry[]> {
  const scratch = options.treeDir ? undefined : await mkdtemp(join(tmpdir(), 'kubespray-extras-'))
  try {
    let treeDir = options.treeDir
    if (!treeDir) {
      treeDir = join(scratch as string, 'tree')
      await extractAuditedTree(options.tarball ?? '', treeDir)
    }
    const request: AuditRequest = { bundleDir: '', extraVars: options.extraVars, inventories: options.inventories, hostMachine: options.hostMachine, cwd: options.cwd }
    const asBuilt = { extraVars: {}, kubeVersion: options.kubeVersion } as Pick<BundleManifest, 'extraVars' | 'kubeVersion'>
    return referencesByArch(request, asBuilt, treeDir, [...options.arches]).entries
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true })
  }
}

async function extractBundleTree(bundleDir: string, manifest: BundleManifest, scratch: string): Promise<string> {
  if (!manifest.kubespray.tarball) {
    throw new InputError(`${bundleDir} was built from a local Kubespray tree (it carries no tarball): give that tree with --kubespray-dir`)
  }
  const tree = join(scratch, 'tree')
  await extractAuditedTree(await bundlePathOf(bundleDir, manifest.kubespray.tarball.path), tree)
  return tree
}

function auditTree(request: AuditRequest, bundleDir: string, manifest: BundleManifest, treeDir: string): AuditResult {
  const arches = manifest.arches.length ? manifest.arches : ['amd64']
  const { entries, warnings } = referencesByArch(request, manifest, treeDir, arches)
  const held = heldBy(manifest)
  const rendered = entries.filter((e) => e.rendered)
  const missing = rendered.filter((e) => !held(e)).sort(byUrgency)
  const unrendered = entries.filter((e) => !e.rendered).sort(byUrgency)
  // Unknown counts as enabled: the bundle must not bet on a condition nobody could read.
  const failing = missing.filter((e) => e.enabled !== 'no')
  const checked = {
    images: new Set(rendered.filter((e) => e.kind === 'image').map((e) => e.reference)).size,
    urls: new Set(rendered.filter((e) => e.kind !== 'image').map((e) => e.reference)).size
  }
  const summary = failing.length
    ? `${failing.length} reference(s) that enabled components fetch are not in the bundle (${missing.length} missing in all, ${checked.images} images and ${checked.urls} urls checked)`
    : `every reference enabled components fetch is in the bundle (${checked.images} images and ${checked.urls} urls checked; ${missing.length} missing for components that are off)`
  return {
    bundleDir,
    kubespray: manifest.kubespray.tag ?? manifest.kubespray.spec,
    arches,
    checked,
    missing,
    unrendered,
    byComponent: components([...missing, ...unrendered]),
    failed: failing.length > 0,
    summary,
    warnings
  }
}

/** The tree's references with the bundle's variables (then -e/-i), arch by arch, merged. */
function referencesByArch(request: AuditRequest, manifest: Pick<BundleManifest, 'extraVars' | 'kubeVersion'>, treeDir: string, arches: string[]): { entries: AuditEntry[]; warnings: string[] } {
  const tree = readKubesprayTree(treeDir)
  const files = readTreeTexts(treeDir)
  // The bundle's variables first (redacted values stay: a url redacted there is redacted in files[] alike).
  const bundleVars = JSON.stringify({ ...(manifest.extraVars ?? {}), kube_version: manifest.kubeVersion })
  const extraVars = [bundleVars, ...(request.extraVars ?? [])]
  const defaultsOrigins = new Set(tree.roleDefaults.map((l) => l.origin))
  // The origins extraVarsLayer gives: the path of -e @path, else 'extra vars (-e)'.
  const extraOrigins = new Set([...extraVars.map((a) => (a.trim().startsWith('@') ? a.trim().slice(1) : 'extra vars (-e)')), 'magic variables', '--arch'])
  const merged = new Map<string, { reference: TreeReference; arches: string[] }>()
  const warnings = new Set<string>()
  for (const arch of arches) {
    const listsRequest = {
      kubesprayDir: treeDir,
      outDir: treeDir,
      extraVars,
      inventories: request.inventories ?? [],
      arch: arch as ImageArch,
      hostMachine: request.hostMachine,
      cwd: request.cwd,
      environment: request.environment
    }
    const variables = composeVariables(listsRequest, tree)
    // kubeadm's images first: asEveryNode below changes the host's groups in place.
    const kubeadm = kubeadmReferences(tree, variables, request)
    const found = findReferences({
      files,
      variables: asEveryNode(variables),
      isDefaultsOrigin: (origin) => defaultsOrigins.has(origin),
      isAboveRoleVars: (origin) => extraOrigins.has(origin),
      templar: { environment: request.environment }
    })
    for (const w of found.warnings) warnings.add(w)
    for (const reference of [...found.references, ...kubeadm]) {
      const key = referenceKey(reference)
      const known = merged.get(key)
      if (!known) merged.set(key, { reference, arches: [arch] })
      else {
        known.arches.push(arch)
        if (rank(reference.enabled.state) > rank(known.reference.enabled.state)) known.reference = reference
      }
    }
  }
  return { entries: [...merged.values()].map(({ reference, arches: on }) => toEntry(reference, on)), warnings: [...warnings] }
}

/**
 * kubeadm's images (`kubeadm config images list`, which the download role pulls): no file of
 * the tree names them as references, so they come from the download role's own view
 * (domain/kubespray/downloads.ts), the same the build plans with.
 */
function kubeadmReferences(tree: ReturnType<typeof readKubesprayTree>, variables: Map<string, Variable>, request: AuditRequest): TreeReference[] {
  let images: RoleImage[]
  try {
    const templar = new Templar(variables, { environment: request.environment })
    images = roleDownloads(templar, tree.kubeImageLine, tree.kubeImages, tree.downloadYml.path).images
  } catch {
    // An entry that does not render is the build's to report; the audit reads what it can.
    return []
  }
  const enabled = { state: 'yes' as const, because: 'kubeadm config images list, run by the download role on the control plane' }
  return images
    .filter((i) => i.wantedBy.variable === 'kubeadm_images')
    .map((i) => ({
      kind: 'image' as const,
      value: i.ref,
      enabled,
      sources: [{ role: 'download', file: 'roles/download/tasks/prep_kubeadm_images.yml', variable: 'kubeadm_images', expression: tree.kubeImageLine.replace('$i', i.component.replace(/^kubeadm_/, '')), enabled }]
    }))
}

/** The groups of a Kubespray cluster's nodes (calico_rr left out: route reflectors are opt-in). */
const NODE_GROUPS = ['etcd', 'k8s_cluster', 'kube_control_plane', 'kube_node']

/**
 * The audit asks whether a component runs on any node, so the host the variables are composed
 * for stands in every node group (and first in each): `'k8s_cluster' in group_names` and
 * `inventory_hostname == groups['kube_control_plane'][0]` hold, as they do somewhere in a cluster.
 */
function asEveryNode(variables: Map<string, Variable>): Map<string, Variable> {
  const host = pyStr(variables.get('inventory_hostname')?.value ?? 'localhost')
  const groups = variables.get('groups')?.value
  const merged: PyDict = new Map(groups instanceof Map ? groups : [])
  for (const group of [...NODE_GROUPS, 'all']) {
    const members = merged.get(group)
    const list = Array.isArray(members) ? members.filter((m) => m !== host) : []
    merged.set(group, [host, ...list])
  }
  const current = variables.get('group_names')?.value
  const names = [...new Set([...(Array.isArray(current) ? current.map((v) => pyStr(v)) : []), ...NODE_GROUPS])].sort()
  variables.set('groups', { value: merged, origin: 'magic variables' })
  variables.set('group_names', { value: names, origin: 'magic variables' })
  return variables
}

/** Every text file of the roles and playbooks the audit reads, by path relative to the tree. */
function readTreeTexts(root: string): Map<string, string> {
  const files = new Map<string, string>()
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name)
      const info = lstatSync(full)
      if (info.isDirectory()) walk(full)
      else if (info.isFile() && info.size < 1 << 20) {
        const path = relative(root, full).split('\\').join('/')
        if (/^(roles|playbooks)\//.test(path) || /^[^/]+\.ya?ml$/.test(path)) files.set(path, readFileSync(full, 'utf8'))
      }
    }
  }
  for (const top of readdirSync(root)) {
    const full = join(root, top)
    const info = lstatSync(full)
    if (info.isDirectory() && (top === 'roles' || top === 'playbooks')) walk(full)
    else if (info.isFile() && /\.ya?ml$/.test(top)) files.set(top, readFileSync(full, 'utf8'))
  }
  return files
}

function referenceKey(r: TreeReference): string {
  return `${r.kind}\0${r.value ?? `?${r.sources[0].expression}`}`
}

const rank = (s: EnabledState): number => ({ no: 0, unknown: 1, yes: 2 })[s]

function byUrgency(a: AuditEntry, b: AuditEntry): number {
  return rank(b.enabled) - rank(a.enabled) || a.sources[0].role.localeCompare(b.sources[0].role) || a.reference.localeCompare(b.reference)
}

function toEntry(reference: TreeReference, arches: string[]): AuditEntry {
  const sources = reference.sources.map((s: ReferenceSource): AuditSource => ({ role: s.role, file: s.file, ...(s.line ? { line: s.line } : {}), variable: s.variable, expression: s.expression }))
  // The source that decided: the first one as enabled as the reference.
  const deciding = reference.sources.find((s) => s.enabled.state === reference.enabled.state) ?? reference.sources[0]
  const ordered = [sources[reference.sources.indexOf(deciding)], ...sources.filter((_, i) => reference.sources[i] !== deciding)]
  return {
    kind: reference.kind,
    reference: reference.value ?? deciding.expression,
    rendered: reference.value !== undefined,
    ...(reference.problem ? { problem: reference.problem } : {}),
    arches,
    enabled: reference.enabled.state,
    because: reference.enabled.because,
    sources: ordered,
    ...(reference.chart ? { chart: reference.chart } : {})
  }
}

/**
 * The audits of a bundle's versions as one: every version's missing and unrendered references,
 * each marked with its version; failed when any version fails.
 */
export function mergeAudits(results: readonly AuditResult[]): AuditResult {
  const mark = (r: AuditResult) => (e: AuditEntry): AuditEntry => ({ ...e, version: r.kubespray })
  const missing = results.flatMap((r) => r.missing.map(mark(r)))
  const unrendered = results.flatMap((r) => r.unrendered.map(mark(r)))
  return {
    bundleDir: results[0]?.bundleDir ?? '',
    kubespray: results.map((r) => r.kubespray).join(', '),
    arches: [...new Set(results.flatMap((r) => r.arches))],
    checked: { images: results.reduce((n, r) => n + r.checked.images, 0), urls: results.reduce((n, r) => n + r.checked.urls, 0) },
    missing,
    unrendered,
    byComponent: components([...missing, ...unrendered]),
    failed: results.some((r) => r.failed),
    summary: results.map((r) => `${r.kubespray}: ${r.summary}`).join('; '),
    warnings: [...new Set(results.flatMap((r) => r.warnings.map((w) => `${r.kubespray}: ${w}`)))]
  }
}

/** Whether the bundle holds a reference: images by repository and tag or digest (any registry host), files by url. */
export function heldBy(manifest: Pick<BundleManifest, 'files' | 'images' | 'charts'>): (entry: Pick<AuditEntry, 'kind' | 'reference'>) => boolean {
  const urls = new Set(manifest.files.map((f) => f.url))
  const charts = manifest.charts ?? []
  const images = new Set<string>()
  for (const image of manifest.images) {
    const ref = safeParse(image.line)
    if (!ref) continue
    if (ref.tag) images.add(`${ref.repository}:${ref.tag}`)
    if (ref.digest) images.add(`${ref.repository}@${ref.digest}`)
    if (image.digest) images.add(`${ref.repository}@${image.digest}`)
  }
  return (entry) => {
    if (entry.kind === 'file') return urls.has(entry.reference)
    if (entry.kind === 'chart-repository') {
      const base = `${entry.reference.replace(/\/+$/, '')}/`
      return charts.some((c) => c.repository.replace(/\/+$/, '') === redactText(entry.reference).replace(/\/+$/, '')) || manifest.files.some((f) => f.url.startsWith(base))
    }
    if (entry.kind === 'chart') return charts.some((c) => chartLabel(c) === redactText(entry.reference))
    const ref = safeParse(entry.reference)
    if (!ref) return false
    // Pulled by digest when pinned, whatever the tag says.
    return ref.digest ? images.has(`${ref.repository}@${ref.digest}`) : images.has(`${ref.repository}:${ref.tag}`)
  }
}

function safeParse(line: string): ReturnType<typeof parseReference> | undefined {
  try {
    return parseReference(line)
  } catch {
    return undefined
  }
}

function components(entries: AuditEntry[]): ComponentAudit[] {
  const byRole = new Map<string, ComponentAudit>()
  for (const e of entries) {
    const role = e.sources[0].role
    const c = byRole.get(role) ?? { role, enabled: e.enabled, because: e.because, missing: 0, unrendered: 0 }
    if (rank(e.enabled) > rank(c.enabled)) Object.assign(c, { enabled: e.enabled, because: e.because })
    if (e.rendered) c.missing++
    else c.unrendered++
    byRole.set(role, c)
  }
  return [...byRole.values()].sort((a, b) => rank(b.enabled) - rank(a.enabled) || a.role.localeCompare(b.role))
}
