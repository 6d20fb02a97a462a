/**
 * `fetch`: a published bundle → the bundle directory, as it was published. The assets download
 * in parallel (resumable Range segments: a killed or cut run continues where it stopped), each
 * checked against the release's SHA256SUMS; parts unpack safely (images, then files, then the
 * bundle part that brings index.json and SHA256SUMS); last, every file of the directory is
 * hashed against the bundle's own SHA256SUMS.
 */
import { constants } from 'node:fs'
import { copyFile, link, readFile, realpath, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, relative, isAbsolute, resolve } from 'node:path'
import { STATE_DIR } from '../domain/bundle.js'
import { InputError } from '../domain/errors.js'
import { bundlePrefixes, isTarPart, partKind, type AssetKind, type PartPlan } from '../domain/parts.js'
import { BUNDLE_SUMS } from '../domain/bundle.js'
import { baseMismatch, describeBase, parseDeltaManifest, type DeltaBase, type DeltaManifest } from '../domain/delta.js'
import { ensureDirUnder, regularFile, tempPathFor, writeFileAtomic } from '../adapters/fs-atomic.js'
import { discardPart, FileFetcher, DEFAULT_SEGMENT_POLICY } from '../adapters/http/fetch-file.js'
import { fromUndici } from '../adapters/http/bytes.js'
import { PrioritySlots } from '../adapters/http/slots.js'
import { unpackPart } from '../adapters/bundle-parts.js'
import type { GitHubReleases, Release, ReleaseAsset } from '../adapters/github/releases.js'
import type { GitHubClient } from '../adapters/github/client.js'
import { extractZipEntry, zipEntries } from '../adapters/zip-read.js'
import { ASSET_SUMS, sha256Of } from './publish.js'
import { verifyDirectory } from './verify.js'
import { parseSums, sha256File as hashFile } from './bundle-dir.js'
import { runPool } from './pool.js'

export interface FetchRequest {
  outDir: string
  tag: string
  /** Which bundle, when a release holds several (their asset name prefix). */
  prefix?: string
  concurrency: number
  connections: number
  /** A delta's base: the bundle directory of the release it was published against. */
  baseDir?: string
}

export interface FetchProgress {
  planned(assets: number, bytes: number): void
  bytes(count: number): void
  fetched(name: string, downloaded: boolean): void
}

export interface FetchResult {
  prefix: string
  assets: Array<{ name: string; size: number; downloaded: boolean }>
  /** Files of the bundle that did not verify (empty: the directory is the published bundle). */
  mismatches: string[]
  files: number
  /** A delta: its base, and the files and blobs taken from the base directory (hard links where the file system allows). */
  delta?: { base: DeltaBase; taken: number; linked: number; copied: number; bytes: DeltaManifest['bytes'] }
}

interface FetchState {
  unpacked: Record<string, string>
}

/** A delta manifest read and its base directory checked: what the unpacking takes from where. */
interface CheckedDelta {
  manifest: DeltaManifest
  baseDir: string
}

const ORDER: Record<AssetKind, number> = { delta: 0, sums: 0, images: 1, files: 2, bundle: 3 }

export async function runFetch(request: FetchRequest, releases: GitHubReleases, progress: FetchProgress): Promise<FetchResult> {
  const release = await releases.byTag(request.tag)
  if (!release) throw new InputError(`${releases.repo} has no release ${request.tag}`)
  const { prefix, parts: listed, sums } = await listedParts(releases, release, request.tag, request.prefix)

  // The base is read, never written: refused before anything is created under --out.
  if (request.baseDir !== undefined) await refuseOverlap(request.baseDir, request.outDir)
  const fetcher = new FileFetcher(new PrioritySlots(request.connections), DEFAULT_SEGMENT_POLICY)
  // A delta: its manifest (small, held in memory) first, and the base directory checked against
  // it, before anything is written or any part downloaded.
  const deltaAsset = listed.find((p) => p.kind === 'delta')?.asset
  let delta: CheckedDelta | undefined
  let deltaText: string | undefined
  if (deltaAsset) {
    const expected = sums.get(deltaAsset.name) ?? ''
    const kept = await readFile(join(request.outDir, STATE_DIR, 'fetch', deltaAsset.name), 'utf8').catch(() => undefined)
    if (kept === undefined || sha256Of(kept) !== expected) {
      deltaText = await releases.text(deltaAsset)
      const got = sha256Of(deltaText)
      if (got !== expected) throw new InputError(`asset ${deltaAsset.name}: its bytes hash to sha256 ${got}, the release's ${ASSET_SUMS} says ${expected}`)
    }
    delta = await checkDelta(deltaText ?? kept ?? '', `${releases.repo} release ${request.tag}: ${deltaAsset.name}`, request.baseDir)
  }
  const dir = await ensureDirUnder(request.outDir, join(STATE_DIR, 'fetch'))
  const statePath = join(dir, 'state.json')
  const state: FetchState = await readFile(statePath, 'utf8')
    .then((t) => JSON.parse(t) as FetchState)
    .catch(() => ({ unpacked: {} }))
  const deltaDownloaded = deltaText !== undefined
  if (deltaAsset && deltaText !== undefined) await writeFileAtomic(join(dir, deltaAsset.name), deltaText)
  const parts = listed.flatMap(({ asset, kind }) => (isTarPart(kind) ? [{ asset, kind }] : []))
  progress.planned(parts.length, parts.reduce((n, p) => n + p.asset.size, 0))
  // Every asset is tried, so a re-run after a failure has only the failed ones left to fetch.
  const outcomes = await runPool(parts, request.concurrency, async ({ asset }) => {
    const expected = sums.get(asset.name) ?? ''
    try {
      const downloaded = await fetchAsset(fetcher, releases, asset, join(dir, asset.name), expected, state.unpacked[asset.name] === expected, progress)
      progress.fetched(asset.name, downloaded)
      return { name: asset.name, size: asset.size, downloaded }
    } catch (e) {
      return { name: asset.name, size: asset.size, downloaded: false, error: (e as Error).message }
    }
  })
  const failed = outcomes.filter((o) => 'error' in o)
  if (failed.length) {
    throw new Error(`${failed.length} of ${outcomes.length} assets could not be fetched (run fetch again to resume):\n` + failed.map((f) => `  ${f.name}: ${(f as { error: string }).error}`).join('\n'))
  }
  const fetched = deltaAsset ? [{ name: deltaAsset.name, size: deltaAsset.size, downloaded: deltaDownloaded }, ...outcomes] : outcomes
  const result = await unpackAndVerify(request.outDir, dir, parts.map(({ asset, kind }) => ({ name: asset.name, kind, sha256: sums.get(asset.name) ?? '' })), state, statePath, request.concurrency, true, delta)
  return { prefix, assets: fetched, ...result }
}

/**
 * A delta's manifest, parsed and checked, and its base directory checked against it: its own
 * SHA256SUMS must hash to the digest the delta names. Fails fast (nothing of the delta's parts is
 * read yet, nothing written), naming the base release's tag and the digest expected.
 */
async function checkDelta(text: string, where: string, baseDir: string | undefined, fromDir?: string): Promise<CheckedDelta> {
  const manifest = parseDeltaManifest(text, where)
  const base = describeBase(manifest.base)
  if (baseDir === undefined) {
    const fetchIt = `fetch --repo ${manifest.base.repo} --tag ${manifest.base.tag} --out BASE`
    const how = fromDir === undefined ? `Fetch that bundle first (${fetchIt})` : `Fetch that bundle first (${fetchIt}, or with no network: copy its release's assets into a directory BASE_ASSETS and fetch --from-dir BASE_ASSETS --out BASE)`
    throw new InputError(`${where}: this is a delta against ${base}. ${how}, then give it: --base BASE`)
  }
  await realpath(baseDir).catch(() => {
    throw new InputError(`--base ${baseDir}: no such directory (the bundle of ${base})`)
  })
  const sumsText = await readFile(join(baseDir, BUNDLE_SUMS), 'utf8').catch(() => {
    throw new InputError(`--base ${baseDir} has no ${BUNDLE_SUMS}: not a bundle directory; the delta expects the bundle of ${base}`)
  })
  const mismatch = baseMismatch(manifest, sha256Of(sumsText), parseSums(sumsText), baseDir)
  if (mismatch) throw new InputError(mismatch)
  return { manifest, baseDir }
}

/**
 * --out must be a directory of its own: not the base, nor inside it, nor holding it. Compared by
 * real paths (a link to the base is the base) before anything is created: --out may not exist yet,
 * so its nearest existing ancestor is resolved and the rest appended.
 */
async function refuseOverlap(baseDir: string, outDir: string): Promise<void> {
  const base = await realpath(baseDir).catch(() => undefined)
  if (base === undefined) return
  const out = await realpathOfNearest(resolve(outDir))
  const inside = (a: string, b: string): boolean => {
    const rel = relative(a, b)
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
  }
  if (inside(base, out) || inside(out, base)) throw new InputError(`--base ${baseDir} and --out ${outDir}: the base is read, never written; give --out a directory of its own (not the base, nor inside it)`)
}

/** The real path of `path`, which may not exist yet: its nearest existing ancestor's, and the rest. */
async function realpathOfNearest(path: string): Promise<string> {
  const real = await realpath(path).catch(() => undefined)
  if (real !== undefined) return real
  const parent = dirname(path)
  return parent === path ? path : join(await realpathOfNearest(parent), basename(path))
}

/**
 * The delta's content the base holds, into the bundle directory: a hard link to the base's file
 * where the file system allows (the same bytes, no space), else a copy (a reflink where the file
 * system can). Each goes through a temp name, is hashed there against the sha256 the base's
 * SHA256SUMS gave it (for a link, the base's very bytes) and renamed into place only if it
 * matches: a base changed after it was fetched is named, and its bytes never reach the bundle.
 * Nothing here writes into a file in place, so the base stays as it was; unpacking (node-tar)
 * also replaces a file that has other links rather than writing into it. Done on every run (a
 * link costs nothing), so a run after the base is put right repairs what an earlier one took.
 * Returns how many were linked and copied.
 */
async function takeFromBase(delta: CheckedDelta, outDir: string, concurrency: number): Promise<{ linked: number; copied: number }> {
  let linked = 0
  let copied = 0
  const refetch = `fetch ${delta.manifest.base.repo} release ${delta.manifest.base.tag} again`
  const changed = await runPool(delta.manifest.take, Math.max(4, concurrency), async (t): Promise<string | undefined> => {
    const source = join(delta.baseDir, t.from)
    if (!(await regularFile(source))) throw new InputError(`--base ${delta.baseDir}: ${t.from} is missing or not a regular file (the delta takes ${t.path} from it); ${refetch}`)
    const target = join(await ensureDirUnder(outDir, dirname(t.path)), t.path.split('/').pop() ?? t.path)
    const temp = tempPathFor(target)
    try {
      const how = await linkOrCopy(source, temp, delta.baseDir, t.from)
      const got = await sha256File(temp)
      if (got !== t.sha256) {
        await rm(temp, { force: true })
        return `${t.from} hashes to ${got}, its ${BUNDLE_SUMS} says ${t.sha256}`
      }
      await rename(temp, target)
      // A target already linked to the same file (a run before this one took it) makes the rename
      // a no-op that leaves the temp name behind (POSIX rename of two links to one file).
      await rm(temp, { force: true })
      if (how === 'linked') linked++
      else copied++
      return undefined
    } catch (e) {
      await rm(temp, { force: true })
      throw e
    }
  })
  const bad = changed.filter((c): c is string => c !== undefined)
  if (bad.length) throw new InputError(bad.map((b) => `--base ${delta.baseDir}: ${b}: the base changed after it was fetched; ${refetch}`).join('\n'))
  return { linked, copied }
}

/** A hard link from the base, else a copy; a copy that fails too is named as the base's. */
async function linkOrCopy(source: string, temp: string, baseDir: string, from: string): Promise<'linked' | 'copied'> {
  try {
    await link(source, temp)
    return 'linked'
  } catch (e) {
    if (!isLinkRefused(e)) throw e
  }
  try {
    await copyFile(source, temp, constants.COPYFILE_FICLONE)
    return 'copied'
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message
    throw new InputError(`--base ${baseDir}: ${from} could be neither hard-linked nor copied into the bundle (${code}): check that the base's files are readable by this user and --out is writable`)
  }
}

/** A hard link the file system refuses (another device, no links, too many, not permitted): copy instead. */
const isLinkRefused = (e: unknown): boolean => ['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '')

/**
 * The far side with no network: the release's assets already copied into `assetsDir` (from a
 * disk, through a diode). Each part the copied SHA256SUMS lists for the chosen bundle is hashed
 * against it before anything is unpacked; a part missing or different is named. Then the same
 * unpacking and verification as a fetch from the release.
 */
export async function runFetchFromDir(request: Omit<FetchRequest, 'tag' | 'connections'> & { assetsDir: string }, progress: FetchProgress): Promise<FetchResult> {
  const where = `--from-dir ${request.assetsDir}`
  const text = await readFile(join(request.assetsDir, ASSET_SUMS), 'utf8').catch(() => {
    throw new InputError(`${where}: no ${ASSET_SUMS} there (copy the release's ${ASSET_SUMS} asset beside its parts)`)
  })
  const sums = new Map(parseSums(text).map((e) => [e.path, e.sha256]))
  const prefix = choosePrefix([...sums.keys()].map((name) => ({ name })), request.prefix, where)
  if (request.baseDir !== undefined) await refuseOverlap(request.baseDir, request.outDir)
  // A delta: its manifest checked against the copied SHA256SUMS, and the base against it, before any part is read.
  const deltaName = [...sums.keys()].find((name) => partKind(prefix, name) === 'delta')
  let delta: CheckedDelta | undefined
  if (deltaName) {
    const deltaText = await readFile(join(request.assetsDir, deltaName), 'utf8').catch(() => {
      throw new InputError(`${where}: ${deltaName} is missing (its ${ASSET_SUMS} lists it; copy every asset of bundle ${prefix})`)
    })
    if (sha256Of(deltaText) !== sums.get(deltaName)) throw new InputError(`${where}: ${deltaName}: its bytes hash to sha256 ${sha256Of(deltaText)}, the copied ${ASSET_SUMS} says ${sums.get(deltaName) ?? ''} (copy it again)`)
    delta = await checkDelta(deltaText, `${where}: ${deltaName}`, request.baseDir, request.assetsDir)
  }
  const parts = [...sums.keys()]
    .flatMap((name) => {
      const kind = partKind(prefix, name)
      return isTarPart(kind) ? [{ name, kind, sha256: sums.get(name) ?? '' }] : []
    })
    .sort((x, y) => ORDER[x.kind] - ORDER[y.kind] || (x.name < y.name ? -1 : 1))
  const sizes = new Map<string, number>()
  for (const part of parts) {
    const info = await regularFile(join(request.assetsDir, part.name))
    if (!info) throw new InputError(`${where}: ${part.name} is missing (its ${ASSET_SUMS} lists it; copy every asset of bundle ${prefix})`)
    sizes.set(part.name, info.size)
  }
  progress.planned(parts.length, [...sizes.values()].reduce((n, x) => n + x, 0))
  const bad = await runPool(parts, request.concurrency, async (part) => {
    const got = await sha256File(join(request.assetsDir, part.name))
    progress.bytes(sizes.get(part.name) ?? 0)
    progress.fetched(part.name, false)
    return got === part.sha256 ? undefined : `${part.name}: its bytes hash to sha256 ${got}, the copied ${ASSET_SUMS} says ${part.sha256}`
  })
  const mismatched = bad.filter((b): b is string => b !== undefined)
  if (mismatched.length) throw new InputError(`${where}: ${mismatched.length} asset(s) do not match ${ASSET_SUMS} (copy them again):\n` + mismatched.map((m) => `  ${m}`).join('\n'))
  const dir = await ensureDirUnder(request.outDir, join(STATE_DIR, 'fetch'))
  const statePath = join(dir, 'state.json')
  const state: FetchState = await readFile(statePath, 'utf8')
    .then((t) => JSON.parse(t) as FetchState)
    .catch(() => ({ unpacked: {} }))
  // The copied assets are the user's: read, never moved or deleted.
  const result = await unpackAndVerify(request.outDir, request.assetsDir, parts, state, statePath, request.concurrency, false, delta)
  return { prefix, assets: parts.map((p) => ({ name: p.name, size: sizes.get(p.name) ?? 0, downloaded: false })), ...result }
}

/**
 * The chosen bundle's parts as the release's SHA256SUMS lists them: that file is the release's
 * truth (a publish puts new parts up beside the old ones and swaps SHA256SUMS over to them, then
 * deletes the old), so other assets of the prefix are ignored. A publish swapping SHA256SUMS
 * deletes the old one and renames the new one into place: for that one request the release has
 * none, and a publish may delete the parts of a SHA256SUMS read just before its swap. Both are
 * met by reading the release once more, a second later.
 */
async function listedParts(releases: GitHubReleases, release: Release, tag: string, wanted: string | undefined): Promise<{ prefix: string; parts: Array<{ asset: ReleaseAsset; kind: AssetKind }>; sums: Map<string, string> }> {
  const where = `${releases.repo} release ${tag}`
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= 2
    const assets = await releases.assets(release)
    const sumsAsset = assets.find((a) => a.name === ASSET_SUMS)
    const text = sumsAsset ? await releases.text(sumsAsset).catch((e: unknown) => (last ? Promise.reject(e) : undefined)) : undefined
    if (text === undefined) {
      if (!last) {
        await new Promise((r) => setTimeout(r, 1000))
        continue
      }
      throw new InputError(`${where} has no ${ASSET_SUMS} asset: not a bundle published by kubespray-bundle`)
    }
    const sums = new Map(parseSums(text).map((e) => [e.path, e.sha256]))
    const prefix = choosePrefix([...sums.keys()].map((name) => ({ name })), wanted, where)
    const byName = new Map(assets.map((a) => [a.name, a]))
    const listed = [...sums.keys()].flatMap((name) => {
      const kind = partKind(prefix, name)
      return kind ? [{ name, kind, asset: byName.get(name) }] : []
    })
    const missing = listed.filter((p) => !p.asset).map((p) => p.name)
    if (missing.length && !last) {
      await new Promise((r) => setTimeout(r, 1000))
      continue
    }
    if (missing.length) throw new InputError(`${where}: its ${ASSET_SUMS} lists ${missing.join(', ')}, which the release does not have (a publish under way? run fetch again)`)
    const parts = listed
      .map(({ asset, kind }) => ({ asset: asset as ReleaseAsset, kind }))
      .sort((x, y) => ORDER[x.kind] - ORDER[y.kind] || (x.asset.name < y.asset.name ? -1 : 1))
    return { prefix, parts, sums }
  }
}

/**
 * Unpacks fetched parts into the bundle directory (images, then files, then the bundle part,
 * which brings index.json and SHA256SUMS), remembering each one done, and checks the result
 * against the bundle's own SHA256SUMS.
 */
async function unpackAndVerify(
  outDir: string,
  dir: string,
  parts: Array<{ name: string; kind: PartPlan['kind']; sha256: string }>,
  state: FetchState,
  statePath: string,
  concurrency: number,
  /** Whether a part is deleted once unpacked: ours to delete after a download, never a user's copy. */
  removeUnpacked = true,
  delta?: CheckedDelta
): Promise<{ mismatches: string[]; files: number; delta?: FetchResult['delta'] }> {
  for (const part of [...parts].sort((x, y) => ORDER[x.kind] - ORDER[y.kind] || (x.name < y.name ? -1 : 1))) {
    if (state.unpacked[part.name] === part.sha256) continue
    await unpackPart(part.kind, join(dir, part.name), outDir)
    state.unpacked[part.name] = part.sha256
    await writeFileAtomic(statePath, JSON.stringify(state))
    if (removeUnpacked) await rm(join(dir, part.name), { force: true })
  }
  let taken: FetchResult['delta']
  if (delta) {
    // After the parts: they never hold a path the delta takes from the base (planDelta keeps them apart).
    const counts = await takeFromBase(delta, outDir, concurrency)
    taken = { base: delta.manifest.base, taken: delta.manifest.take.length, ...counts, bytes: delta.manifest.bytes }
  }
  const { problems, checked } = await verifyDirectory(outDir, concurrency)
  return { mismatches: problems, files: checked, delta: taken }
}

export interface ArtifactFetchRequest {
  outDir: string
  repo: string
  artifactId: number
  prefix?: string
  concurrency: number
  connections: number
}

/**
 * The same from a workflow run's artifact (publish: artifact): the zip is downloaded
 * (resumable, checked against the digest GitHub gives for it), its parts unzipped one by one to
 * disk and checked against the SHA256SUMS inside, then unpacked as from a release.
 */
export async function runFetchArtifact(request: ArtifactFetchRequest, github: GitHubClient, progress: FetchProgress): Promise<FetchResult> {
  const base = `repos/${request.repo}/actions/artifacts/${request.artifactId}`
  const meta = await github.jsonOrMissing<{ name: string; size_in_bytes: number; expired: boolean; digest?: string | null }>(base)
  if (!meta) throw new InputError(`${request.repo} has no artifact ${request.artifactId} (or the token may not read it)`)
  if (meta.expired) throw new InputError(`artifact ${request.artifactId} (${meta.name}) of ${request.repo} has expired`)
  const dir = await ensureDirUnder(request.outDir, join(STATE_DIR, 'fetch'))
  const statePath = join(dir, 'state.json')
  const state: FetchState = await readFile(statePath, 'utf8')
    .then((t) => JSON.parse(t) as FetchState)
    .catch(() => ({ unpacked: {} }))
  const zip = join(dir, `artifact-${request.artifactId}.zip`)
  progress.planned(1, meta.size_in_bytes)
  let downloaded = false
  if (!(await regularFile(zip))) {
    const fetcher = new FileFetcher(new PrioritySlots(request.connections), DEFAULT_SEGMENT_POLICY)
    const source = { id: `${request.repo} artifact ${request.artifactId}`, get: async (headers: Record<string, string>) => fromUndici(await github.request('GET', `${base}/zip`, { headers })) }
    const outcome = await fetcher.fetch(source, `${zip}.part`, ['sha256'], { size: () => undefined, bytes: (n) => progress.bytes(n) })
    const got = `sha256:${outcome.digests.get('sha256') ?? ''}`
    if (meta.digest && meta.digest !== got) {
      await rm(`${zip}.part`, { force: true })
      await rm(`${zip}.part.json`, { force: true })
      throw new InputError(`artifact ${request.artifactId}: the zip hashes to ${got}, GitHub says ${meta.digest}`)
    }
    await rename(`${zip}.part`, zip)
    await rm(`${zip}.part.json`, { force: true })
    downloaded = true
  }
  progress.fetched(meta.name, downloaded)
  const entries = await zipEntries(zip)
  for (const e of entries) if (e.name.includes('/') || e.name.includes('\\') || e.name.startsWith('.')) throw new InputError(`${zip}: refusing entry '${e.name}' (parts are plain names)`)
  const sumsEntry = entries.find((e) => e.name === ASSET_SUMS)
  if (!sumsEntry) throw new InputError(`artifact ${request.artifactId} (${meta.name}) has no ${ASSET_SUMS}: not a bundle published by kubespray-bundle`)
  await rm(join(dir, ASSET_SUMS), { force: true })
  await extractZipEntry(zip, sumsEntry, join(dir, ASSET_SUMS))
  const sums = new Map(parseSums(await readFile(join(dir, ASSET_SUMS), 'utf8')).map((e) => [e.path, e.sha256]))
  const prefix = choosePrefix(entries.map((e) => ({ name: e.name })), request.prefix, `artifact ${request.artifactId} (${meta.name})`)
  const parts = entries.flatMap((e) => {
    const kind = partKind(prefix, e.name)
    return isTarPart(kind) ? [{ entry: e, kind }] : []
  })
  for (const { entry } of parts) {
    const expected = sums.get(entry.name)
    if (!expected) throw new InputError(`${entry.name} is not in the artifact's ${ASSET_SUMS}; it cannot be verified`)
    if (state.unpacked[entry.name] === expected) continue
    const target = join(dir, entry.name)
    await rm(target, { force: true })
    await extractZipEntry(zip, entry, target)
    const got = (await hashFile(target)).sha256
    if (got !== expected) throw new InputError(`${entry.name}: sha256 ${got}, the artifact's ${ASSET_SUMS} says ${expected}`)
  }
  const result = await unpackAndVerify(request.outDir, dir, parts.map(({ entry, kind }) => ({ name: entry.name, kind, sha256: sums.get(entry.name) ?? '' })), state, statePath, request.concurrency)
  await rm(zip, { force: true })
  return { prefix, assets: parts.map(({ entry }) => ({ name: entry.name, size: entry.size, downloaded })), ...result }
}

function choosePrefix(assets: ReadonlyArray<{ name: string }>, wanted: string | undefined, where: string): string {
  const prefixes = bundlePrefixes(assets.map((a) => a.name))
  if (wanted) {
    if (!prefixes.includes(wanted)) throw new InputError(`${where} has no bundle ${wanted} (it has: ${prefixes.join(', ') || 'none'})`)
    return wanted
  }
  if (prefixes.length === 1) return prefixes[0]
  if (!prefixes.length) throw new InputError(`${where} holds no bundle (no *-bundle-*.tar asset)`)
  throw new InputError(`${where} holds several bundles; choose one with --asset-prefix: ${prefixes.join(', ')}`)
}

/** Downloads an asset (resuming a partial one) unless it is there already; checks its sha256. */
async function fetchAsset(
  fetcher: FileFetcher,
  releases: GitHubReleases,
  asset: ReleaseAsset,
  path: string,
  sha256: string,
  unpacked: boolean,
  progress: FetchProgress
): Promise<boolean> {
  if (unpacked) return false
  if ((await regularFile(path)) && (await sha256File(path)) === sha256) return false
  await downloadVerified(fetcher, releases, asset, path, sha256, `the release's ${ASSET_SUMS} says ${sha256}`, (n) => progress.bytes(n))
  return true
}

/**
 * Downloads an asset to `path` (resuming a partial one) and puts it there only if it hashes to
 * `sha256`; `recorded` says where that value came from, for the error when it does not.
 */
export async function downloadVerified(
  fetcher: FileFetcher,
  releases: GitHubReleases,
  asset: ReleaseAsset,
  path: string,
  sha256: string,
  recorded: string,
  bytes: (count: number) => void = () => undefined
): Promise<void> {
  const part = `${path}.part`
  const outcome = await fetcher.fetch(releases.source(asset), part, ['sha256'], { size: () => undefined, bytes })
  const got = outcome.digests.get('sha256')
  if (got !== sha256) {
    await discardPart(part)
    throw new InputError(`asset ${asset.name}: its bytes hash to sha256 ${got}, ${recorded}`)
  }
  await rename(part, path)
  await rm(`${part}.json`, { force: true })
}

const sha256File = async (path: string): Promise<string> => (await hashFile(path)).sha256
