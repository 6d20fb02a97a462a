/**
 * The `build` job, shared by the CLI and the action: a Kubespray version spec → a verified
 * bundle directory.
 *   resolve (spec → tag + commit) → source (tarball, kept by commit) → lists per arch →
 *   files ∥ images (downloading at the same time, hashed inside the streams) → bundle.json
 *   and SHA256SUMS.
 * A re-run into the same directory fetches nothing that is already there and verified. Every
 * adapter comes in as a parameter, and the result carries what the entry points print.
 */
import { copyFile, readdir, rename, rm, stat } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import {
  BUNDLE_MANIFEST,
  BUNDLE_SCHEMA,
  BUNDLE_SUMS,
  encodeManifest,
  isBundleContent,
  tarballName,
  toJson,
  totals,
  type BundleFile,
  type BundleImage,
  type BundleManifest
} from '../domain/bundle.js'
import { formatSha256Sums, parseChecksum } from '../domain/files/checksum.js'
import type { FileRequest } from '../domain/files/list.js'
import type { Layout } from '../domain/files/layout.js'
import type { Mirror } from '../domain/files/mirror.js'
import type { ImageArch } from '../domain/kubespray/facts.js'
import { parseReference, type ImageReference } from '../domain/images/reference.js'
import { versionLabel, type ResolvedVersion } from '../domain/version-spec.js'
import { InputError } from '../domain/errors.js'
import { extraVarsLayer } from '../domain/ansible/extra-vars.js'
import { ensureDirUnder, tempPathFor, writeFileAtomic } from '../adapters/fs-atomic.js'
import { GitHubRepository } from '../adapters/github/repository.js'
import type { GitHubClient } from '../adapters/github/client.js'
import type { HttpClient } from '../adapters/http/client.js'
import { obtainSource, type KubespraySource, type SourceStore } from '../adapters/kubespray-source.js'
import type { CredentialLookup } from '../adapters/registry/credentials.js'
import { FilesJob, type FilesOutcome, type FilesProgress } from './files.js'
import { ImagesJob, type ImagesOutcome, type ImagesProgress } from './images.js'
import { runLists, type ListsResult } from './lists.js'
import { resolveVersion } from './resolve.js'
import { sha256File } from './bundle-dir.js'

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
  toolVersion: string
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
  /** Every failure, named: empty for a complete bundle. */
  failures: string[]
}

export async function runBuild(request: BuildRequest, adapters: BuildAdapters): Promise<BuildResult> {
  const outDir = request.outDir
  await ensureDirUnder(outDir, '.')
  const { resolved, source, tree } = await adapters.phase('Kubespray source', () => kubesprayTree(request, adapters))
  const lists = await adapters.phase('Lists', () => makeLists(request, tree))
  const plan = unionOfLists(lists)
  await adapters.beforeDownload?.({
    arches: request.arches,
    layout: request.layout,
    files: request.files ? plan.files.map((f) => ({ url: f.url, checksum: f.checksum ? `${f.checksum.algorithm}:${f.checksum.hex}` : null })) : [],
    images: request.images ? plan.images.map((i) => i.original) : []
  })
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
              prune: true
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
  const warnings = [...new Set([...lists.values()].flatMap((l) => l.warnings))]
  const base = { outDir, resolved, source, lists, files, images, warnings, failures }
  if (failures.length) {
    // An incomplete bundle must not look finished: no manifest, no sums.
    await Promise.all([rm(join(outDir, BUNDLE_MANIFEST), { force: true }), rm(join(outDir, BUNDLE_SUMS), { force: true })])
    return { ...base, manifest: undefined }
  }
  const manifest = await adapters.phase('Bundle manifest', () => writeManifest(request, base, plan))
  return { ...base, manifest }
}

async function kubesprayTree(
  request: BuildRequest,
  adapters: BuildAdapters
): Promise<{ resolved: ResolvedVersion | undefined; source: KubespraySource | undefined; tree: string }> {
  const input = request.kubespray
  if ('dir' in input) return { resolved: undefined, source: undefined, tree: resolve(request.cwd, input.dir) }
  if (!adapters.github) throw new Error('a GitHub client is needed to resolve a Kubespray version')
  const repo = new GitHubRepository(adapters.github, input.repository)
  const resolved = await resolveVersion(repo, input.spec, input.prerelease)
  const source = await obtainSource(resolved.commit, () => repo.tarball(resolved.commit), adapters.sources)
  // The bundle carries the tarball as GitHub served it.
  const inBundle = join(request.outDir, tarballName(versionLabel(resolved)))
  const temp = tempPathFor(inBundle)
  await copyFile(source.tarball, temp)
  await rename(temp, inBundle)
  // A bundle built earlier for another version leaves its tarball behind: one version per bundle.
  for (const name of await readdir(request.outDir)) {
    if (/^kubespray-.*\.tar\.gz$/.test(name) && join(request.outDir, name) !== inBundle) await rm(join(request.outDir, name), { force: true })
  }
  return { resolved, source, tree: source.tree }
}

async function makeLists(request: BuildRequest, tree: string): Promise<Map<ImageArch, ListsResult>> {
  const lists = new Map<ImageArch, ListsResult>()
  // Arches built before but not now leave the bundle.
  await rm(join(request.outDir, 'lists'), { recursive: true, force: true })
  for (const arch of request.arches) {
    lists.set(
      arch,
      await runLists({
        kubesprayDir: tree,
        outDir: join(request.outDir, 'lists', arch),
        extraVars: request.extraVars,
        inventories: request.inventories,
        arch,
        hostMachine: request.hostMachine,
        cwd: request.cwd
      })
    )
  }
  return lists
}

interface Plan {
  files: FileRequest[]
  fileArches: Map<string, string[]>
  images: ImageReference[]
  imageArches: Map<string, string[]>
}

/** Every arch's files and images, each once, remembering which arches need it. */
function unionOfLists(lists: Map<ImageArch, ListsResult>): Plan {
  const files = new Map<string, FileRequest>()
  const fileArches = new Map<string, string[]>()
  const images = new Map<string, ImageReference>()
  const imageArches = new Map<string, string[]>()
  for (const [arch, list] of lists) {
    for (const f of list.files) {
      const checksum = f.checksum ? parseChecksum(f.checksum) : null
      const seen = files.get(f.url)
      if (seen && seen.checksum?.hex !== checksum?.hex) throw new InputError(`${f.url} has different checksums for different arches`)
      if (!seen) files.set(f.url, { url: f.url, checksum, component: f.component })
      fileArches.set(f.url, [...(fileArches.get(f.url) ?? []), arch])
    }
    for (const i of list.images) {
      if (!images.has(i.ref)) images.set(i.ref, parseReference(i.ref))
      imageArches.set(i.ref, [...(imageArches.get(i.ref) ?? []), arch])
    }
  }
  return { files: [...files.values()], fileArches, images: [...images.values()], imageArches }
}

type Gathered = Omit<BuildResult, 'manifest'>

async function writeManifest(request: BuildRequest, built: Gathered, plan: Plan): Promise<BundleManifest> {
  const outDir = request.outDir
  const known = new Map<string, string>()
  // Results come in the order of the plan (the results' urls are redacted, the plan's are not).
  const bundleFiles: BundleFile[] = (built.files?.results ?? []).map((r, i) => {
    const path = `files/${r.path}`
    known.set(path, r.sha256 ?? '')
    const planned = plan.files[i]
    return {
      url: r.url,
      path,
      size: r.size ?? 0,
      sha256: r.sha256 ?? '',
      checksum: planned.checksum ? `${planned.checksum.algorithm}:${planned.checksum.hex}` : null,
      arches: plan.fileArches.get(planned.url) ?? []
    }
  })
  const bundleImages: BundleImage[] = (built.images?.results ?? []).map((r) => ({
    line: r.reference,
    digest: r.digest ?? '',
    platforms: r.platforms ?? [],
    size: r.size ?? 0,
    arches: plan.imageArches.get(r.reference) ?? []
  }))
  // Blob names are their sha256 (each verified as it was written).
  let blobBytes = 0
  const blobsDir = join(outDir, 'images', 'blobs', 'sha256')
  for (const entry of await readdir(blobsDir, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile() || !/^[0-9a-f]{64}$/.test(entry.name)) continue
    known.set(`images/blobs/sha256/${entry.name}`, entry.name)
  }
  if (built.source && built.resolved) known.set(tarballName(versionLabel(built.resolved)), built.source.sha256)
  const first = [...built.lists.values()][0]
  const extraVars: Record<string, unknown> = {}
  for (const arg of request.extraVars) {
    Object.assign(extraVars, toJson(extraVarsLayer(arg, (p) => readFileSyncAt(request.cwd, p)).vars) as Record<string, unknown>)
  }
  const input = request.kubespray
  const manifestWithoutTotals: Omit<BundleManifest, 'totals'> = {
    schema: BUNDLE_SCHEMA,
    tool: { name: 'kubespray-bundle', version: request.toolVersion },
    kubespray:
      'dir' in input
        ? { repository: null, spec: input.dir, tag: null, commit: null, tarball: null }
        : {
            repository: input.repository,
            spec: input.spec,
            tag: built.resolved?.tag ?? null,
            commit: built.resolved?.commit ?? null,
            tarball: built.source && built.resolved ? { path: tarballName(versionLabel(built.resolved)), sha256: built.source.sha256, size: built.source.size } : null
          },
    kubeVersion: first?.kubeVersion ?? '',
    arches: [...request.arches],
    layout: request.layout,
    extraVars,
    files: bundleFiles,
    images: bundleImages
  }
  const sums = await sumsOfDirectory(outDir, known)
  for (const e of sums) if (e.path.startsWith('images/blobs/')) blobBytes += e.size
  const otherBytes = sums.filter((e) => !e.path.startsWith('images/blobs/') && !e.path.startsWith('files/')).reduce((n, e) => n + e.size, 0)
  const manifest: BundleManifest = { ...manifestWithoutTotals, totals: totals(bundleFiles, bundleImages, blobBytes, otherBytes) }
  const manifestText = encodeManifest(manifest)
  await writeFileAtomic(join(outDir, BUNDLE_MANIFEST), manifestText)
  const all = [...sums.filter((e) => e.path !== BUNDLE_MANIFEST), { path: BUNDLE_MANIFEST, sha256: createHash('sha256').update(manifestText).digest('hex'), size: 0 }]
  await writeFileAtomic(join(outDir, BUNDLE_SUMS), formatSha256Sums(all))
  return manifest
}

/** -e @file, read as the lists read it (relative to the working directory). */
function readFileSyncAt(cwd: string, path: string): string {
  return readFileSync(isAbsolute(path) ? path : join(cwd, path), 'utf8')
}

/**
 * Every file of the bundle directory (the tool's state left out) with its sha256: known hashes
 * are taken as they were computed while streaming; anything else is hashed now.
 */
async function sumsOfDirectory(outDir: string, known: ReadonlyMap<string, string>): Promise<Array<{ path: string; sha256: string; size: number }>> {
  const entries = await readdir(outDir, { recursive: true, withFileTypes: true })
  const out: Array<{ path: string; sha256: string; size: number }> = []
  for (const e of entries) {
    if (!e.isFile()) continue
    const path = relative(outDir, join(e.parentPath, e.name)).split(sep).join('/')
    if (!isBundleContent(path)) continue
    const full = join(outDir, path)
    const { size } = await stat(full)
    out.push({ path, sha256: known.get(path) || (await sha256File(full)).sha256, size })
  }
  return out
}

