/**
 * The `build` job, shared by the CLI and the action: a Kubespray version spec → a verified
 * bundle directory.
 *   resolve (spec → tag + commit) → source (tarball, kept by commit) → lists per arch →
 *   files ∥ images (downloading at the same time, hashed inside the streams) → bundle.json
 *   and SHA256SUMS.
 * Several versions (`2.30,2.31`) are all resolved first (a bad one leaves the directory as it
 * was), put in canonical order (releases oldest first), planned one by one as above, their
 * plans joined, and downloaded once (pipeline/build-versions.ts): one files/ and one images/
 * for all of them. Once the directory starts to change, its bundle.json and SHA256SUMS are gone
 * until the build completes: a half bundle never looks complete.
 * A re-run into the same directory fetches nothing that is already there and verified. Every
 * adapter comes in as a parameter, and the result carries what the entry points print.
 */
import { lstat, mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { createHash } from 'node:crypto'
import { createReadStream, readFileSync } from 'node:fs'
import {
  BUNDLE_MANIFEST,
  BUNDLE_SCHEMA,
  BUNDLE_SUMS,
  encodeManifest,
  isOwnTempEntry,
  isOwnTopLevelEntry,
  STATE_DIR,
  TARBALL_PATTERN,
  tarballName,
  toJson,
  totals,
  type BundleChart,
  type BundleFile,
  type BundleImage,
  type BundleManifest,
  type KubesprayOrigin
} from '../domain/bundle.js'
import { formatSha256Sums, parseChecksum } from '../domain/files/checksum.js'
import type { FileRequest } from '../domain/files/list.js'
import type { Layout } from '../domain/files/layout.js'
import type { Mirror } from '../domain/files/mirror.js'
import type { ImageArch } from '../domain/kubespray/facts.js'
import { parseReference, type ImageReference } from '../domain/images/reference.js'
import { canonicalOrder, splitVersionSpecs, versionLabel, versionLabels, type ResolvedVersion } from '../domain/version-spec.js'
import { InputError } from '../domain/errors.js'
import { extraVarsLayer } from '../domain/ansible/extra-vars.js'
import { findLeaks, redactJson } from '../domain/secrets.js'
import { redactText } from '../domain/redact.js'
import { ensureDirUnder, tempPathFor, writeFileAtomic } from '../adapters/fs-atomic.js'
import { writeHashed } from '../adapters/hash-to-file.js'
import { OciLayout } from '../adapters/oci-layout.js'
import { GitHubRepository } from '../adapters/github/repository.js'
import type { GitHubClient } from '../adapters/github/client.js'
import type { HttpClient } from '../adapters/http/client.js'
import { obtainSource, type KubespraySource, type SourceStore } from '../adapters/kubespray-source.js'
import type { CredentialLookup } from '../adapters/registry/credentials.js'
import { FilesJob, type FilesOutcome, type FilesProgress } from './files.js'
import { ImagesJob, type ImagesOutcome, type ImagesProgress } from './images.js'
import { LIST_FILES, runLists, type ListsResult } from './lists.js'
import { beyondLists, type ExtrasPolicy, type WantedBy } from '../domain/kubespray/downloads.js'
import { imagesInManifest, MANIFESTS_WITH_IMAGES } from '../domain/kubespray/manifest-images.js'
import { auditBundle, extractAuditedTree, mergeAudits, treeReferences, type AuditEntry, type AuditResult } from './audit.js'
import { unionOfVersions, versionEntries } from './build-versions.js'
import { planCharts, writeServedIndexes, type ChartsRequest, type PlannedChart } from './charts.js'
import { resolveVersion } from './resolve.js'
import { sha256File } from './bundle-dir.js'
import { runPool } from './pool.js'

export type KubesprayInput = { spec: string; repository: string; prerelease?: boolean } | { dir: string }

export interface BuildRequest {
  kubespray: KubesprayInput
  outDir: string
  arches: ImageArch[]
  extraVars: string[]
  inventories: string[]
  /** Where relative paths of -e @file and -i are read from. */
  cwd: string
  hostMachine: string
  layout: Layout
  mirrors: Mirror[]
  insecureRegistries: string[]
  /** Images at once (files: half as many). */
  concurrency: number
  connections: number
  files: boolean
  images: boolean
  /** What beyond generate_list.sh's lists the bundle carries (`--extras`, domain/kubespray/downloads.ts). */
  extras: ExtrasPolicy
  /**
   * Also Kubespray's own runtime image, quay.io/kubespray/kubespray:<tag> (Ansible and its Python
   * dependencies, Kubespray's recommended way to run it): for the far side's control host.
   */
  kubesprayImage?: boolean
  toolVersion: string
  /**
   * Whether files and blobs already in outDir may be kept on the word of the tool's own state
   * (a local re-run of this machine's CLI). False when anything may have been put there by
   * someone else (the action, after a cache restore): every file and blob found is hashed
   * before it is kept, and a mismatch is deleted and downloaded again.
   */
  trustExisting: boolean
  /** How the user named the output directory, for errors (`--out`, `input output-dir`). */
  outDirName?: string
}

export interface BuildAdapters {
  http: HttpClient
  /** Needed when the Kubespray version is a spec (not a local tree). */
  github?: GitHubClient
  sources: SourceStore
  credentials: CredentialLookup
  filesProgress: FilesProgress
  imagesProgress: ImagesProgress
  /** Runs one phase; the action wraps it in a log group, the CLI in a heading. */
  phase<T>(name: string, work: () => Promise<T>): Promise<T>
  /** Once the lists say what will be downloaded, before anything is (the action restores its cache here). */
  beforeDownload?(plan: DownloadPlan): Promise<void>
}

/** What the downloads will be: the content a cache entry is keyed by. */
export interface DownloadPlan {
  arches: ImageArch[]
  layout: Layout
  files: Array<{ url: string; checksum: string | null }>
  images: string[]
}

export interface BuildResult {
  outDir: string
  resolved: ResolvedVersion | undefined
  source: KubespraySource | undefined
  lists: Map<ImageArch, ListsResult>
  files: FilesOutcome | undefined
  images: ImagesOutcome | undefined
  /** Written only when every file and image is there and verified. */
  manifest: BundleManifest | undefined
  warnings: string[]
  /** Restored files and blobs whose bytes did not match (deleted, then downloaded again). */
  discarded: string[]
  /** What a restore put under images/ that is no part of an OCI layout (links, strays): deleted. */
  foreign: string[]
  /** Every failure, named: empty for a complete bundle. */
  failures: string[]
  /** For a complete bundle: what the tree's roles fetch that it lacks (pipeline/audit.ts). */
  audit?: AuditResult
  /** Helm charts of other roles (their archives are among `files`). */
  charts: PlannedChart[]
  /** The served index of each chart repository, relative to DIR/files. */
  chartIndexes: string[]
  /**
   * A bundle of several Kubespray versions: each, in canonical order (releases oldest first;
   * `resolved`, `source` and `lists` above are the last one's, the upgrade's target). Absent for one version.
   */
  versions?: BuiltVersion[]
}

/** One Kubespray version of a build: what it resolved to and the lists made from it. */
export interface BuiltVersion {
  resolved: ResolvedVersion | undefined
  source: KubespraySource | undefined
  lists: Map<ImageArch, ListsResult>
  /** Relative to DIR: where its <arch>/ lists are (lists, or lists/<label> in a bundle of several). */
  listsDir: string
  /** Its path-safe name: its tarball is kubespray-<label>.tar.gz (undefined for a local tree). */
  label: string | undefined
}

export async function runBuild(request: BuildRequest, adapters: BuildAdapters): Promise<BuildResult> {
  const outDir = request.outDir
  await ensureDirUnder(outDir, '.')
  await refuseForeignEntries(outDir, request.outDirName ?? outDir)
  const vars = publishedVars(request)
  const inputs = kubesprayInputs(request.kubespray)
  // Every version resolved (API calls only) before the directory changes: a bad spec anywhere in
  // the list leaves a bundle there as it was, complete.
  const wanted = await adapters.phase('Resolve Kubespray versions', () => resolveInputs(adapters, inputs))
  // From here on the directory changes: a bundle that was complete must not look so until this
  // build writes bundle.json and SHA256SUMS again (an interrupted or failed run leaves neither).
  await Promise.all([rm(join(outDir, BUNDLE_MANIFEST), { force: true }), rm(join(outDir, BUNDLE_SUMS), { force: true })])
  const trees = await adapters.phase('Kubespray source', () => kubesprayTrees(request, adapters, wanted))
  // Lists of arches (or versions) built before but not now leave the bundle.
  await rm(join(outDir, 'lists'), { recursive: true, force: true })
  const versions: VersionPlan[] = []
  try {
    for (const tree of trees) versions.push(await planVersion(request, adapters, vars, tree, trees.length > 1))
    return await buildFromPlans(request, adapters, vars, versions)
  } finally {
    for (const v of versions) await v.auditedTree.done()
  }
}

/** One Kubespray version as asked, resolved (a local tree resolves to nothing). */
interface WantedVersion {
  input: KubesprayInput
  resolved: ResolvedVersion | undefined
  /** Its path-safe name in the bundle (version-spec.ts versionLabels): lists/<label>, kubespray-<label>.tar.gz. */
  label: string | undefined
}

/** One Kubespray version's source, resolved and carried in the bundle. */
interface VersionTree extends WantedVersion {
  source: KubespraySource | undefined
  tree: string
}

/** One version's part of the build: its lists and everything it needs, before any download. */
export interface VersionPlan extends BuiltVersion {
  input: KubesprayInput
  plan: Plan
  charts: PlannedChart[]
  /** The tree the extras of other roles and the audit read (roles, playbooks). */
  auditedTree: { dir: string; done: () => Promise<void> }
}

/** The spec as a list (`2.30,2.31`: one bundle for an upgrade path); a local tree is one version. */
function kubesprayInputs(input: KubesprayInput): KubesprayInput[] {
  if ('dir' in input) return [input]
  const specs = splitVersionSpecs(input.spec)
  return specs.length === 1 ? [input] : specs.map((spec) => ({ ...input, spec }))
}

/**
 * A version's lists (under lists/<arch>, or lists/<tag>/<arch> in a bundle of several), then
 * what it needs beyond them: Kubespray's runtime image, the images manifests name, the images
 * and Helm charts of other roles.
 */
async function planVersion(request: BuildRequest, adapters: BuildAdapters, vars: PublishedVars, version: VersionTree, several: boolean): Promise<VersionPlan> {
  const { input, resolved, source, tree, label } = version
  const named = (phase: string): string => (several && resolved ? `${phase} (${versionLabel(resolved)})` : phase)
  const listsDir = several && label ? `lists/${label}` : 'lists'
  const lists = await adapters.phase(named('Lists'), () => makeLists(request, tree, join(request.outDir, listsDir)))
  refuseSecretsInVars(vars, lists)
  const plan = unionOfLists(lists, request.extras)
  if (request.kubesprayImage) addKubesprayImage(request, plan, resolved, input)
  if (request.files && request.images && request.extras !== 'none') {
    await adapters.phase(named('Images named by downloaded manifests'), () => addManifestImages(request, adapters, plan))
  }
  // The roles and playbooks other roles' extras and the audit read: extracted once for both.
  const auditedTree = await auditedTreeOf(request, tree, label)
  try {
    const charts: PlannedChart[] = []
    if (request.extras !== 'none' && (request.images || request.files)) {
      const references = await adapters.phase(named('Read what other roles fetch'), () => otherRolesReferences(request, lists, auditedTree.dir))
      if (request.images) addTreeImages(request, plan, references)
      charts.push(...(await adapters.phase(named('Helm charts'), () => planCharts(chartsRequest(request), adapters.http, plan, wantedCharts(request, references), request.arches))))
    }
    return { input, resolved, source, lists, listsDir, label, plan, charts, auditedTree }
  } catch (e) {
    await auditedTree.done()
    throw e
  }
}

/** A local tree as it is; a version's tarball, its audited part extracted to a scratch directory. */
async function auditedTreeOf(request: BuildRequest, tree: string, label: string | undefined): Promise<{ dir: string; done: () => Promise<void> }> {
  if (label === undefined) return { dir: tree, done: async () => undefined }
  const scratch = await mkdtemp(join(tmpdir(), 'kubespray-audited-'))
  await extractAuditedTree(join(request.outDir, tarballName(label)), join(scratch, 'tree'))
  return { dir: join(scratch, 'tree'), done: () => rm(scratch, { recursive: true, force: true }) }
}

/** Every version's plan, downloaded at once (each file and image once), then bundle.json, SHA256SUMS and the audit. */
async function buildFromPlans(request: BuildRequest, adapters: BuildAdapters, vars: PublishedVars, versions: VersionPlan[]): Promise<BuildResult> {
  const several = versions.length > 1
  const last = versions[versions.length - 1]
  const { plan, charts } = several ? unionOfVersions(versions, request.files ? request.layout : undefined) : { plan: last.plan, charts: last.charts }
  const outDir = request.outDir
  await adapters.beforeDownload?.({
    arches: request.arches,
    layout: request.layout,
    files: request.files ? plan.files.map((f) => ({ url: f.url, checksum: f.checksum ? `${f.checksum.algorithm}:${f.checksum.hex}` : null })) : [],
    images: request.images ? plan.images.map((i) => i.original) : []
  })
  // What this build does not make leaves the bundle (a restored cache, an earlier full build).
  if (!request.files) await rm(join(outDir, 'files'), { recursive: true, force: true })
  if (!request.images) await rm(join(outDir, 'images'), { recursive: true, force: true })
  const restored = request.trustExisting || !request.images ? { mismatched: [], foreign: [] } : await adapters.phase('Hash restored blobs', () => keepOnlyVerifiedLayout(outDir))
  const discarded = restored.mismatched
  const [files, images] = await adapters.phase('Download files and images', () =>
    Promise.all([
      request.files && plan.files.length
        ? new FilesJob(
            {
              list: { files: plan.files, unverified: false },
              outDir,
              layout: request.layout,
              mirrors: request.mirrors,
              concurrency: Math.max(1, Math.ceil(request.concurrency / 2)),
              connections: request.connections,
              prune: true,
              trustState: request.trustExisting
            },
            adapters.http,
            adapters.filesProgress
          ).run()
        : undefined,
      request.images && plan.images.length
        ? new ImagesJob(
            {
              refs: plan.images,
              outDir,
              platforms: request.arches.map((arch) => ({ os: 'linux', architecture: arch })),
              concurrency: request.concurrency,
              connections: request.connections
            },
            { http: adapters.http, credentials: adapters.credentials, insecureHosts: new Set(request.insecureRegistries) },
            adapters.imagesProgress
          ).run()
        : undefined
    ])
  )
  const failures = [
    ...(files?.results ?? []).filter((r) => r.status === 'failed').map((r) => `${r.url}: ${r.error}`),
    ...(images?.results ?? []).filter((r) => r.status === 'failed').map((r) => `${r.reference}: ${r.error}`)
  ]
  const warnings = [...new Set(versions.flatMap((v) => [...v.lists.values()].flatMap((l) => l.warnings)))]
  discarded.push(...(files?.discarded ?? []).map((path) => `files/${path}`))
  // Each chart repository's index, written once its charts are in place (the files job prunes what it did not fetch).
  const chartIndexes = failures.length || !files ? [] : await writeServedIndexes(outDir, charts)
  const built: BuiltVersion[] = versions.map(({ resolved, source, lists, listsDir, label }) => ({ resolved, source, lists, listsDir, label }))
  const base = {
    outDir,
    resolved: last.resolved,
    source: last.source,
    lists: last.lists,
    files,
    images,
    charts,
    chartIndexes,
    warnings,
    discarded,
    foreign: restored.foreign,
    failures,
    ...(several ? { versions: built } : {})
  }
  if (failures.length) {
    // An incomplete bundle must not look finished: no manifest, no sums.
    await Promise.all([rm(join(outDir, BUNDLE_MANIFEST), { force: true }), rm(join(outDir, BUNDLE_SUMS), { force: true })])
    return { ...base, manifest: undefined }
  }
  const manifest = await adapters.phase('Bundle manifest', () => writeManifest(request, base, plan, vars, versions))
  // What the tree's roles fetch that the bundle still lacks (charts, files no entry names).
  // A report, never a reason to fail a complete bundle: its own failure is a warning.
  const audit = await adapters
    .phase('Audit', () => auditVersions(request, versions))
    .catch((e: Error) => {
      warnings.push(`audit: ${e.message}`)
      return undefined
    })
  return { ...base, manifest, ...(audit ? { audit } : {}) }
}

/** Each version's tree against what the bundle holds for it; several are merged into one result. */
async function auditVersions(request: BuildRequest, versions: VersionPlan[]): Promise<AuditResult> {
  const several = versions.length > 1
  const results: AuditResult[] = []
  for (const v of versions) {
    results.push(
      await auditBundle({
        bundleDir: request.outDir,
        inventories: request.inventories,
        kubesprayDir: v.auditedTree.dir,
        hostMachine: request.hostMachine,
        cwd: request.cwd,
        ...(several && v.resolved ? { kubespray: versionLabel(v.resolved) } : {})
      })
    )
  }
  return several ? mergeAudits(results) : results[0]
}

/**
 * Build writes only its own paths, and refuses (before any download) an output directory that
 * holds anything else: a `.git` with a checkout's token, a `.env`, a workspace. Temp files our
 * own killed writes left at the top are removed.
 */
async function refuseForeignEntries(outDir: string, name: string): Promise<void> {
  const entries = await readdir(outDir)
  const foreign = entries.filter((e) => !isOwnTopLevelEntry(e) && !isOwnTempEntry(e)).sort()
  if (foreign.length) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, and ${foreign.length - 5} more` : '')
    throw new InputError(
      `${name} holds ${shown}, which ${foreign.length > 1 ? 'are' : 'is'} not part of a bundle: a bundle directory holds only bundle.json, SHA256SUMS, ` +
        `lists/, files/, images/, kubespray-*.tar.gz and ${STATE_DIR}/, and everything in it may be published. ` +
        'Choose a new or empty directory (e.g. a subdirectory of the workspace)'
    )
  }
  for (const e of entries) if (isOwnTempEntry(e)) await rm(join(outDir, e), { force: true })
}

interface PublishedVars {
  /** The merged `-e` variables, secrets redacted: what bundle.json records. */
  vars: Record<string, unknown>
  redacted: string[]
}

/**
 * bundle.json records the -e variables (secret-named ones redacted); a secret's value copied
 * into another of them (a url holding the password) stops the build, naming both.
 */
function refuseSecretsInVars(vars: PublishedVars, lists: Map<ImageArch, ListsResult>): void {
  const secrets = [...lists.values()].flatMap((l) => l.secretValues)
  const places = Object.entries(vars.vars).map(([name, value]): [string, string] => [name, redactText(JSON.stringify(value))])
  const leaks = findLeaks(secrets, places).filter((l) => l.secret !== l.where)
  if (!leaks.length) return
  throw new InputError(
    `${[...new Set(leaks.map((l) => `the value of ${l.secret} is in the value of ${l.where}`))].join('; ')}: bundle.json records the variables a bundle was built with, ` +
      'so the secret would be published. Refer to it by name instead ({{ ' + leaks[0].secret + ' }}), or keep it out of the bundle\'s variables (the far side\'s inventory)'
  )
}

/** -e variables as bundle.json records them: merged in order, secrets redacted (domain/secrets.ts). */
function publishedVars(request: BuildRequest): PublishedVars {
  const merged: Record<string, unknown> = {}
  for (const arg of request.extraVars) {
    Object.assign(merged, toJson(extraVarsLayer(arg, (p) => readFileSyncAt(request.cwd, p)).vars) as Record<string, unknown>)
  }
  const { value, redacted } = redactJson(merged)
  return { vars: value as Record<string, unknown>, redacted }
}

/**
 * What a restored cache put under images/, made the layout's own again before anything is kept:
 * the path to blobs/sha256 is real directories (a link there is removed, never followed), only
 * oci-layout, index.json and blobs/sha256/<hex> stay, and every blob whose bytes are not its
 * name is deleted (the images job then fetches it again). Nothing is followed through a link
 * and nothing outside images/ is touched. Returns what it deleted, named.
 */
async function keepOnlyVerifiedLayout(outDir: string): Promise<{ mismatched: string[]; foreign: string[] }> {
  const images = join(outDir, 'images')
  const found = { mismatched: [] as string[], foreign: [] as string[] }
  const drop = async (rel: string, into: string[]): Promise<void> => {
    // rm does not follow links: a link is removed itself, a real directory with what it holds.
    await rm(rel ? join(images, rel) : images, { recursive: true, force: true })
    into.push(rel ? `images/${rel}` : 'images')
  }
  const isRealDir = async (rel: string): Promise<boolean> => (await lstat(rel ? join(images, rel) : images).catch(() => undefined))?.isDirectory() ?? false
  if (!(await isRealDir(''))) {
    if (await lstat(images).catch(() => undefined)) await drop('', found.foreign)
    return found
  }
  const allowed: Record<string, (name: string) => boolean> = {
    '': (name) => ['oci-layout', 'index.json', 'blobs'].includes(name),
    blobs: (name) => name === 'sha256'
  }
  for (const [rel, keep] of Object.entries(allowed)) {
    if (!(await isRealDir(rel))) continue
    for (const entry of await readdir(rel ? join(images, rel) : images, { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name
      const isDirHere = ['blobs', 'blobs/sha256'].includes(path)
      if (!keep(entry.name) || (isDirHere ? !entry.isDirectory() : !entry.isFile())) await drop(path, found.foreign)
    }
  }
  if (!(await isRealDir('blobs/sha256'))) return found
  const dir = join(images, 'blobs', 'sha256')
  const entries = await readdir(dir, { withFileTypes: true })
  const bad = await runPool(entries, 4, async (entry) => {
    if (!entry.isFile() || !/^[0-9a-f]{64}$/.test(entry.name)) return { rel: `blobs/sha256/${entry.name}`, foreign: true }
    const ok = (await sha256File(join(dir, entry.name)).catch(() => undefined))?.sha256 === entry.name
    return ok ? undefined : { rel: `blobs/sha256/${entry.name}`, foreign: false }
  })
  for (const b of bad) if (b !== undefined) await drop(b.rel, b.foreign ? found.foreign : found.mismatched)
  return found
}

/**
 * Each version resolved (API calls only, nothing written): the same commit asked twice is
 * refused, the versions put in canonical order (releases oldest first: version-spec.ts
 * canonicalOrder) and given their path-safe, distinct labels (versionLabels, refusing two that
 * would share one). A bad spec anywhere in the list stops here, before the bundle is touched.
 */
async function resolveInputs(adapters: BuildAdapters, inputs: KubesprayInput[]): Promise<WantedVersion[]> {
  const resolved: Array<{ input: KubesprayInput; resolved: ResolvedVersion | undefined }> = []
  for (const input of inputs) {
    const version = 'dir' in input ? undefined : await resolveInput(adapters, input)
    const same = resolved.find((t) => t.resolved && version && t.resolved.commit === version.commit)
    if (same?.resolved && version) {
      throw new InputError(`Kubespray versions '${same.resolved.spec}' and '${version.spec}' are both ${versionLabel(version)} (commit ${version.commit}): name each version once`)
    }
    resolved.push({ input, resolved: version })
  }
  const ordered = canonicalOrder(resolved, (v) => v.resolved?.tag)
  const labels = versionLabels(ordered.flatMap((v) => (v.resolved ? [v.resolved] : [])))
  let next = 0
  return ordered.map((v) => ({ ...v, label: v.resolved ? labels[next++] : undefined }))
}

async function resolveInput(adapters: BuildAdapters, input: { spec: string; repository: string; prerelease?: boolean }): Promise<ResolvedVersion> {
  if (!adapters.github) throw new Error('a GitHub client is needed to resolve a Kubespray version')
  return resolveVersion(new GitHubRepository(adapters.github, input.repository), input.spec, input.prerelease)
}

/** Each resolved version's source fetched (kept by commit) and carried; tarballs of versions not asked for leave. */
async function kubesprayTrees(request: BuildRequest, adapters: BuildAdapters, wanted: WantedVersion[]): Promise<VersionTree[]> {
  const trees: VersionTree[] = []
  for (const version of wanted) trees.push(await kubesprayTree(request, adapters, version))
  const kept = new Set(trees.flatMap((t) => (t.label !== undefined ? [tarballName(t.label)] : [])))
  // A bundle built earlier for other versions leaves their tarballs behind.
  for (const name of await readdir(request.outDir)) {
    if (TARBALL_PATTERN.test(name) && !kept.has(name)) await rm(join(request.outDir, name), { force: true })
  }
  return trees
}

async function kubesprayTree(request: BuildRequest, adapters: BuildAdapters, version: WantedVersion): Promise<VersionTree> {
  const { input, resolved, label } = version
  if ('dir' in input) return { ...version, source: undefined, tree: resolve(request.cwd, input.dir) }
  if (!resolved || label === undefined || !adapters.github) throw new Error(`Kubespray '${input.spec}' was not resolved before its source was fetched`)
  const repo = new GitHubRepository(adapters.github, input.repository)
  const source = await obtainSource(resolved.commit, () => repo.tarball(resolved.commit), adapters.sources)
  // The bundle carries the tarball as GitHub served it, hashed as it is copied (the store's
  // recorded hash is checked, not believed).
  const inBundle = join(request.outDir, tarballName(label))
  const temp = tempPathFor(inBundle, await ensureDirUnder(request.outDir, join(STATE_DIR, 'tmp')))
  const copied = await writeHashed(createReadStream(source.tarball, { highWaterMark: 1 << 20 }), temp)
  if (copied.sha256 !== source.sha256 || copied.size !== source.size) {
    await rm(temp, { force: true })
    throw new InputError(`the kept Kubespray source ${source.tarball} does not match the sha256 recorded when it was downloaded; remove its directory and run again`)
  }
  await rename(temp, inBundle)
  return { ...version, source: { ...source, sha256: copied.sha256, size: copied.size }, tree: source.tree }
}

async function makeLists(request: BuildRequest, tree: string, listsDir: string): Promise<Map<ImageArch, ListsResult>> {
  const lists = new Map<ImageArch, ListsResult>()
  for (const arch of request.arches) {
    lists.set(
      arch,
      await runLists({
        kubesprayDir: tree,
        outDir: join(listsDir, arch),
        extraVars: request.extraVars,
        inventories: request.inventories,
        arch,
        hostMachine: request.hostMachine,
        cwd: request.cwd,
        // The bundle's lists are published: no url userinfo; a secret copied into a url stops the build.
        redact: redactText,
        refuseLeaks: true
      })
    )
  }
  return lists
}

export interface Plan {
  files: FileRequest[]
  fileArches: Map<string, string[]>
  images: ImageReference[]
  imageArches: Map<string, string[]>
  /** Extras: the role and variable that want each file (by url) and image (by line). */
  wantedBy: Map<string, WantedBy>
}

/**
 * Every arch's files and images, each once, remembering which arches need it: the lists, then
 * what Kubespray's download role fetches beyond them, as the extras policy says.
 */
function unionOfLists(lists: Map<ImageArch, ListsResult>, extras: ExtrasPolicy): Plan {
  const files = new Map<string, FileRequest>()
  const fileArches = new Map<string, string[]>()
  const images = new Map<string, ImageReference>()
  const imageArches = new Map<string, string[]>()
  const wantedBy = new Map<string, WantedBy>()
  for (const [arch, list] of lists) {
    const beyond = beyondLists(list.role, new Set(list.files.map((f) => f.url)), new Set(list.images.map((i) => i.ref)), extras)
    for (const extra of [...beyond.files, ...beyond.images]) wantedBy.set('url' in extra ? extra.url : extra.ref, extra.wantedBy)
    for (const f of [...list.files, ...beyond.files]) {
      const checksum = f.checksum ? parseChecksum(f.checksum) : null
      const seen = files.get(f.url)
      if (seen && seen.checksum?.hex !== checksum?.hex) throw new InputError(`${f.url} has different checksums for different arches`)
      if (!seen) files.set(f.url, { url: f.url, checksum, component: f.component })
      fileArches.set(f.url, [...(fileArches.get(f.url) ?? []), arch])
    }
    for (const i of [...list.images, ...beyond.images]) {
      if (!images.has(i.ref)) images.set(i.ref, parseReference(i.ref))
      imageArches.set(i.ref, [...(imageArches.get(i.ref) ?? []), arch])
    }
  }
  return { files: [...files.values()], fileArches, images: [...images.values()], imageArches, wantedBy }
}

/** What the tree's roles fetch, read with the build's variables (pipeline/audit.ts). */
function otherRolesReferences(request: BuildRequest, lists: Map<ImageArch, ListsResult>, treeDir: string): Promise<AuditEntry[]> {
  return treeReferences({
    treeDir,
    extraVars: request.extraVars,
    inventories: request.inventories,
    arches: request.arches,
    kubeVersion: [...lists.values()][0]?.kubeVersion ?? '',
    hostMachine: request.hostMachine,
    cwd: request.cwd
  })
}

/** The extras policy on one reference: `enabled` takes what runs with these variables, `all` whatever renders. */
function wanted(request: BuildRequest, entry: AuditEntry): boolean {
  return entry.rendered && (request.extras === 'all' || entry.enabled === 'yes')
}

/** Helm charts of enabled roles; one whose coordinates do not render stops the build, naming the role. */
function wantedCharts(request: BuildRequest, entries: AuditEntry[]): AuditEntry[] {
  const charts = entries.filter((e) => e.kind === 'chart')
  const broken = charts.find((e) => !e.rendered && e.enabled === 'yes')
  if (broken) {
    const where = broken.sources[0]
    throw new InputError(`${where.role} installs a Helm chart whose ${broken.problem ?? 'coordinates do not render'} (${where.file}${where.line ? `:${where.line}` : ''}); set the variable, or turn the role off`)
  }
  return charts.filter((e) => wanted(request, e))
}

function chartsRequest(request: BuildRequest): ChartsRequest {
  return { outDir: request.outDir, layout: request.layout, mirrors: request.mirrors, connections: request.connections, trustExisting: request.trustExisting, images: request.images, carryArchives: request.files }
}

/**
 * Images that roles outside the download role pull, found in the tree's defaults, vars and
 * templates (pipeline/audit.ts): local-path-provisioner's helper, node-feature-discovery, the
 * cloud controllers and CSI drivers... `enabled` takes those whose role runs with these
 * variables (as far as cluster.yml's conditions can be read), `all` every one that renders.
 */
function addTreeImages(request: BuildRequest, plan: Plan, entries: AuditEntry[]): void {
  const held = new Set(plan.images.flatMap((i) => [`${i.repository}:${i.tag}`, ...(i.digest ? [`${i.repository}@${i.digest}`] : [])]))
  for (const entry of entries) {
    if (entry.kind !== 'image' || !wanted(request, entry)) continue
    let ref: ImageReference
    try {
      ref = parseReference(entry.reference)
    } catch {
      continue
    }
    const key = ref.digest ? `${ref.repository}@${ref.digest}` : `${ref.repository}:${ref.tag}`
    if (held.has(key)) continue
    held.add(key)
    plan.images.push(ref)
    plan.imageArches.set(ref.original, entry.arches)
    plan.wantedBy.set(ref.original, { role: entry.sources[0].role, variable: entry.sources[0].variable })
  }
}

/** Kubespray's runtime image of the resolved tag (a branch or a local tree has none to name). */
function addKubesprayImage(request: BuildRequest, plan: Plan, resolved: ResolvedVersion | undefined, input: KubesprayInput): void {
  if (!resolved?.tag) {
    throw new InputError(
      `--kubespray-image needs a Kubespray release: quay.io/kubespray/kubespray is tagged by release, and ${'dir' in input ? `the local tree ${input.dir}` : `'${input.spec}'`} has no tag; give a version such as v2.30.0`
    )
  }
  const line = `quay.io/kubespray/kubespray:${resolved.tag}`
  if (plan.images.some((i) => i.original === line)) return
  plan.images.push(parseReference(line))
  plan.imageArches.set(line, request.arches)
  plan.wantedBy.set(line, { role: 'the control host (ansible-playbook)', variable: '--kubespray-image' })
}

/**
 * Manifests Kubespray applies name images no list does (Argo CD's install.yaml): each is
 * fetched first (verified against its checksum, as the files job does), read, and its images
 * join the plan with the role and variable that want them. A manifest verified by its checksum
 * names the same images every time, so the cache key (its url and checksum) still says all.
 */
async function addManifestImages(request: BuildRequest, adapters: BuildAdapters, plan: Plan): Promise<void> {
  const manifests = plan.files.filter((f) => f.component !== null && Object.hasOwn(MANIFESTS_WITH_IMAGES, f.component))
  if (!manifests.length) return
  const fetched = await new FilesJob(
    {
      list: { files: manifests, unverified: false },
      outDir: request.outDir,
      layout: request.layout,
      mirrors: request.mirrors,
      concurrency: 1,
      connections: request.connections,
      trustState: request.trustExisting
    },
    adapters.http,
    // Quiet: the files job that follows counts (and reports) these files with the rest.
    { planned() {}, sizeKnown() {}, bytes() {}, finished() {} }
  ).run()
  for (const [i, result] of fetched.results.entries()) {
    // A failure is the files job's to report, once, with the rest.
    if (result.status === 'failed') continue
    const file = manifests[i]
    const wanted = MANIFESTS_WITH_IMAGES[file.component ?? '']
    const path = join(request.outDir, 'files', result.path)
    const text = await readFile(path, 'utf8')
    for (const line of imagesInManifest(text, `files/${result.path}`)) {
      if (plan.images.some((i) => i.original === line)) continue
      let ref: ImageReference
      try {
        ref = parseReference(line)
      } catch (e) {
        throw new InputError(`files/${result.path} (${file.url}) names an image '${line}' that is no image reference (${(e as Error).message}): a manifest with placeholders is not one Kubespray applies as it is`)
      }
      plan.images.push(ref)
      plan.imageArches.set(line, plan.fileArches.get(file.url) ?? request.arches)
      plan.wantedBy.set(line, { role: wanted.role, variable: `${wanted.variable} (an image its manifest names)` })
    }
  }
}

type Gathered = Omit<BuildResult, 'manifest'>

function wantedByOf(plan: Plan, key: string): { wantedBy?: WantedBy } {
  const wanted = plan.wantedBy.get(key)
  return wanted ? { wantedBy: wanted } : {}
}

/** What bundle.json says of a version's Kubespray: the spec, what it resolved to, the tarball carried. */
function originOf(input: KubesprayInput, resolved: ResolvedVersion | undefined, source: KubespraySource | undefined, label: string | undefined): KubesprayOrigin {
  if ('dir' in input) return { repository: null, spec: input.dir, tag: null, commit: null, tarball: null }
  return {
    repository: input.repository,
    spec: input.spec,
    tag: resolved?.tag ?? null,
    commit: resolved?.commit ?? null,
    tarball: source && label !== undefined ? { path: tarballName(label), sha256: source.sha256, size: source.size } : null
  }
}

async function writeManifest(request: BuildRequest, built: Gathered, plan: Plan, vars: PublishedVars, versions: VersionPlan[]): Promise<BundleManifest> {
  const outDir = request.outDir
  // Results come in the order of the plan (the results' urls are redacted, the plan's are not).
  const bundleFiles: BundleFile[] = (built.files?.results ?? []).map((r, i) => {
    const planned = plan.files[i]
    return {
      url: r.url,
      path: `files/${r.path}`,
      size: r.size ?? 0,
      sha256: r.sha256 ?? '',
      checksum: planned.checksum ? `${planned.checksum.algorithm}:${planned.checksum.hex}` : null,
      arches: plan.fileArches.get(planned.url) ?? [],
      ...wantedByOf(plan, planned.url)
    }
  })
  const bundleImages: BundleImage[] = (built.images?.results ?? []).map((r) => ({
    line: r.reference,
    digest: r.digest ?? '',
    platforms: r.platforms ?? [],
    size: r.size ?? 0,
    arches: plan.imageArches.get(r.reference) ?? [],
    ...wantedByOf(plan, r.reference)
  }))
  const last = versions[versions.length - 1]
  const origins = versions.map((v) => originOf(v.input, v.resolved, v.source, v.label))
  const manifestWithoutTotals: Omit<BundleManifest, 'totals'> = {
    schema: BUNDLE_SCHEMA,
    tool: { name: 'kubespray-bundle', version: request.toolVersion },
    kubespray: origins[origins.length - 1],
    kubeVersion: [...last.lists.values()][0]?.kubeVersion ?? '',
    arches: [...request.arches],
    layout: request.layout,
    extraVars: vars.vars,
    ...(vars.redacted.length ? { redacted: vars.redacted } : {}),
    files: bundleFiles,
    images: bundleImages,
    ...(built.charts.length ? { charts: bundleCharts(built, bundleFiles) } : {})
  }
  const sums = await sumsOfOwnPaths(outDir, built, versions)
  const blobBytes = sums.filter((e) => e.path.startsWith('images/blobs/')).reduce((n, e) => n + e.size, 0)
  const otherBytes = sums.filter((e) => !e.path.startsWith('images/blobs/') && !e.path.startsWith('files/')).reduce((n, e) => n + e.size, 0)
  let manifest: BundleManifest = { ...manifestWithoutTotals, totals: totals(bundleFiles, bundleImages, blobBytes, otherBytes) }
  if (versions.length > 1) {
    const fileOfUrl = new Map(bundleFiles.map((f, i) => [plan.files[i].url, f]))
    const layout = built.images ? new OciLayout(join(outDir, 'images')) : undefined
    const shared = await versionEntries(versions, origins, bundleFiles, fileOfUrl, bundleImages, sums, layout)
    manifest = { ...manifestWithoutTotals, versions: shared.versions, totals: { ...manifest.totals, saved: shared.saved } }
  }
  const manifestText = encodeManifest(manifest)
  await writeFileAtomic(join(outDir, BUNDLE_MANIFEST), manifestText)
  const all = [...sums, { path: BUNDLE_MANIFEST, sha256: createHash('sha256').update(manifestText).digest('hex'), size: 0 }]
  await writeFileAtomic(join(outDir, BUNDLE_SUMS), formatSha256Sums(all))
  return manifest
}

function bundleCharts(built: Gathered, files: BundleFile[]): BundleChart[] {
  return built.charts.map((c) => {
    const path = `files/${c.file.path}`
    const dir = path.slice(0, path.lastIndexOf('/'))
    return {
      repository: redactText(c.coordinates.repository),
      name: c.coordinates.name,
      version: c.coordinates.version,
      path,
      index: `${dir}/index.yaml`,
      sha256: files.find((f) => f.path === path)?.sha256 ?? '',
      movedBy: c.coordinates.movedBy,
      images: c.images,
      wantedBy: c.wantedBy,
      ...(c.coordinates.valuesVariable ? { valuesVariable: c.coordinates.valuesVariable } : {})
    }
  })
}

/** -e @file, read as the lists read it (relative to the working directory). */
function readFileSyncAt(cwd: string, path: string): string {
  return readFileSync(isAbsolute(path) ? path : join(cwd, path), 'utf8')
}

type Sum = { path: string; sha256: string; size: number }

/**
 * SHA256SUMS of the bundle's own paths only, never of whatever lies in the directory: each
 * version's tarball and each arch's lists, every file of the files job, the layout's marker and index and
 * every blob its images reach. Each hash comes from bytes read by this run: files and the
 * tarball as they streamed (or, after a cache restore, as they were re-read), blobs by their
 * verified names (written only once their bytes hashed to it, or re-hashed after a restore),
 * the small metadata files here.
 */
async function sumsOfOwnPaths(outDir: string, built: Gathered, versions: readonly BuiltVersion[]): Promise<Sum[]> {
  const out: Sum[] = []
  const hashNow = async (path: string): Promise<void> => {
    const { sha256, size } = await sha256File(join(outDir, path))
    out.push({ path, sha256, size })
  }
  for (const v of versions) if (v.source && v.label !== undefined) out.push({ path: tarballName(v.label), sha256: v.source.sha256, size: v.source.size })
  for (const v of versions) for (const arch of v.lists.keys()) for (const name of Object.values(LIST_FILES)) await hashNow(`${v.listsDir}/${arch}/${name}`)
  if (built.files) {
    for (const r of built.files.results) out.push({ path: `files/${r.path}`, sha256: r.sha256 ?? '', size: r.size ?? 0 })
    await hashNow('files/SHA256SUMS')
    for (const index of built.chartIndexes) await hashNow(`files/${index}`)
  }
  if (built.images) {
    await hashNow('images/oci-layout')
    await hashNow('images/index.json')
    const layout = new OciLayout(join(outDir, 'images'))
    for (const digest of layout.reachable((await layout.readIndex()).manifests)) {
      const path = `images/blobs/sha256/${digest.slice('sha256:'.length)}`
      const info = await stat(join(outDir, path)).catch(() => {
        throw new Error(`${path}: an image of the layout needs it, but it is not there`)
      })
      out.push({ path, sha256: digest.slice('sha256:'.length), size: info.size })
    }
  }
  return out
}
