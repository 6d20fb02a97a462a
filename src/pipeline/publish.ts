/**
 * `publish`: a bundle directory, verified first, → release assets, each below the part size,
 * each usable alone (domain/parts.ts), plus an asset SHA256SUMS listing every other asset.
 * Idempotent: parts are packed deterministically and named by their own sha256, so an asset
 * already there under its name is kept, nothing is duplicated, and the release ends published.
 *
 * Atomic: at every moment the release's SHA256SUMS lists a complete bundle, the old one or the
 * new one (fetch reads the parts it lists, not whatever else is there); only for the one request
 * of its swap is there none, and fetch looks again. A new part goes up as
 * `<name>.partial` and is renamed once complete; then SHA256SUMS is swapped (updateReleaseSums);
 * only then are this bundle's assets the new SHA256SUMS no longer lists deleted. A run that
 * fails anywhere leaves the old SHA256SUMS in place, and a re-run finishes the job. Publishers
 * of other prefixes may run at once (a job matrix); two publishers of one prefix at once are not
 * supported (the later replaces the earlier's bundle, and may delete its parts mid-run).
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { BUNDLE_SUMS, STATE_DIR, versionNames, type BundleManifest } from '../domain/bundle.js'
import { InputError } from '../domain/errors.js'
import { formatSha256Sums } from '../domain/files/checksum.js'
import { REF_NAME } from '../domain/images/layout-index.js'
import { RELEASE_MANIFEST } from '../domain/release-manifest.js'
import { assetPrefix, bundlePrefixes, contentName, metaAssetName, PARTIAL, partialOf, partKind, planParts, type ImageForParts, type PartPlan } from '../domain/parts.js'
import { chooseBaseBundle, needsContentToChoose, DELTA_SCHEMA, encodeDeltaManifest, isContentPath, planDelta, type DeltaBase, type DeltaManifest, type SumsLine } from '../domain/delta.js'
import { writeFileAtomic } from '../adapters/fs-atomic.js'
import { TOOL_VERSION } from '../version.js'
import { OciLayout } from '../adapters/oci-layout.js'
import { writePart, type WrittenPart } from '../adapters/bundle-parts.js'
import { GitHubReleases, MAX_ASSETS, type Release, type ReleaseAsset } from '../adapters/github/releases.js'
import { GitHubError } from '../adapters/github/client.js'
import { runPool } from './pool.js'
import { parseSums, readBundleManifest } from './bundle-dir.js'
import { runVerify } from './verify.js'

export const ASSET_SUMS = 'SHA256SUMS'

export interface PublishRequest {
  bundleDir: string
  repo: string
  tag: string
  partSize: number
  /** Uploads at once. */
  concurrency: number
  /** A delta: the tag of the release whose bundle it is published against. */
  baseTag?: string
}

export interface PublishedAsset {
  name: string
  size: number
  sha256: string
  /** uploaded: new (a changed part has a new name); replaced: another asset of that name was there. */
  action: 'uploaded' | 'replaced' | 'unchanged'
  /** For image parts: the image lines inside. */
  images: string[]
}

export interface PublishResult {
  releaseUrl: string
  created: boolean
  assets: PublishedAsset[]
  deleted: string[]
  /** full: every byte of the bundle directory; published: the bytes of this publish's assets (a delta's are fewer). */
  sizes: { full: number; published: number }
  /** A delta: its base, and how many content paths (and bytes) it carries and leaves to the base. */
  delta?: { base: DeltaBase; carried: number; carriedBytes: number; taken: number; takenBytes: number }
}

export interface PublishProgress {
  packed(part: WrittenPart): void
  uploaded(asset: PublishedAsset): void
}

/** Bundle parts go below DIR/.kubespray-bundle/publish (not published itself). */
export const publishDir = (bundleDir: string): string => join(bundleDir, STATE_DIR, 'publish')

/** A verified bundle directory, read: what packing it and planning a delta against it need. */
interface PreparedBundle {
  manifest: BundleManifest
  /** Its SHA256SUMS, as text and as lines. */
  sumsText: string
  entries: SumsLine[]
  prefix: string
  /** Every listed path's size (SHA256SUMS too). */
  sizes: Map<string, number>
}

/** Verifies the bundle as `verify` does, then reads its SHA256SUMS and the size of everything it lists. */
async function prepareBundle(bundleDir: string, concurrency: number): Promise<PreparedBundle> {
  const manifest = await readBundleManifest(bundleDir)
  await refuseUnverified(bundleDir, concurrency)
  const sumsText = await readFile(join(bundleDir, BUNDLE_SUMS), 'utf8').catch(() => {
    throw new InputError(`${bundleDir} has no ${BUNDLE_SUMS}: run the build command into it first`)
  })
  const entries = parseSums(sumsText)
  const sizes = new Map<string, number>([[BUNDLE_SUMS, Buffer.byteLength(sumsText)]])
  await runPool(entries, Math.max(4, concurrency), async (e) => sizes.set(e.path, (await stat(join(bundleDir, e.path))).size))
  return { manifest, sumsText, entries, prefix: assetPrefix(manifest, entries), sizes }
}

/** Every byte of the bundle directory that a full publish carries (SHA256SUMS and what it lists). */
const fullBytes = (prepared: PreparedBundle): number => [...prepared.sizes.values()].reduce((n, x) => n + x, 0)

/**
 * Verifies the bundle as `verify` does, then cuts it into parts under publishDir, each named
 * by its content. Only paths the bundle's SHA256SUMS lists are packed (and verify has just
 * refused anything in the directory it does not list).
 */
export async function packBundle(
  bundleDir: string,
  partSize: number,
  progress?: Pick<PublishProgress, 'packed'>,
  concurrency = 4
): Promise<{ manifest: BundleManifest; prefix: string; plans: PartPlan[]; parts: WrittenPart[] }> {
  return packPrepared(bundleDir, await prepareBundle(bundleDir, concurrency), partSize, progress)
}

/**
 * The parts of a prepared bundle. With `carry` (a delta), content paths (domain/delta.ts) not in
 * it stay out: the far side takes them from its base; metadata is always packed whole.
 */
async function packPrepared(
  bundleDir: string,
  prepared: PreparedBundle,
  partSize: number,
  progress?: Pick<PublishProgress, 'packed'>,
  carry?: ReadonlySet<string>
): Promise<{ manifest: BundleManifest; prefix: string; plans: PartPlan[]; parts: WrittenPart[] }> {
  const { manifest, entries, prefix, sizes } = prepared
  const packs = (path: string): boolean => !carry || !isContentPath(path) || carry.has(path)
  const sizeOf = (path: string): number => sizes.get(path) ?? 0
  const layout = new OciLayout(join(bundleDir, 'images'))
  const index = (await layout.readIndex()).manifests
  const blobPaths = new Set<string>()
  const images: ImageForParts[] = []
  for (const entry of index) {
    const blobs = []
    for (const digest of layout.reachable([entry])) {
      const path = `images/blobs/sha256/${digest.slice('sha256:'.length)}`
      blobPaths.add(path)
      if (packs(path)) blobs.push({ digest, size: sizeOf(path) })
    }
    // A delta: an image whose blobs the base all holds is not in any part.
    if (blobs.length) images.push({ line: entry.annotations?.[REF_NAME] ?? entry.digest, blobs })
  }
  const fileSet = new Set(manifest.files.map((f) => f.path))
  const files = []
  const meta = [{ path: BUNDLE_SUMS, size: sizeOf(BUNDLE_SUMS) }]
  for (const { path } of entries) {
    if (blobPaths.has(path) || !packs(path)) continue
    if (fileSet.has(path)) files.push({ path, size: sizeOf(path) })
    else meta.push({ path, size: sizeOf(path) })
  }
  const plans = planParts(prefix, partSize, meta, files, images)
  const dir = publishDir(bundleDir)
  // An earlier run's parts carry the names of their own bytes: start empty, not beside them.
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const parts: WrittenPart[] = []
  for (const plan of plans) {
    const part = await nameByContent(await writePart(bundleDir, plan, index, dir))
    plan.name = part.name
    progress?.packed(part)
    parts.push(part)
  }
  return { manifest, prefix, plans, parts }
}

/** A bundle that does not verify is refused, every problem named: its bytes are not what it lists. */
async function refuseUnverified(bundleDir: string, concurrency: number): Promise<void> {
  const { problems } = await runVerify(bundleDir, concurrency)
  if (!problems.length) return
  throw new InputError(
    `${bundleDir} does not verify, so nothing was packed or published (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
      problems.map((p) => `  ${p}\n`).join('') +
      `rebuild the bundle (the build command into ${bundleDir}, or a fresh directory) and publish again`
  )
}

async function nameByContent(part: WrittenPart): Promise<WrittenPart> {
  const name = contentName(part.name, part.sha256)
  const path = join(dirname(part.path), name)
  await rename(part.path, path)
  return { ...part, name, path }
}

export async function runPublish(request: PublishRequest, releases: GitHubReleases, progress?: PublishProgress): Promise<PublishResult> {
  if (request.baseTag !== undefined && request.baseTag === request.tag) {
    throw new InputError(`--base-tag ${request.baseTag} is --tag itself: a delta goes into another release than the base it is read against`)
  }
  const prepared = await prepareBundle(request.bundleDir, request.concurrency)
  // Read before anything is packed or uploaded: a base that cannot serve fails the run here.
  const base = request.baseTag === undefined ? undefined : await readBase(releases, request.baseTag, prepared.prefix, prepared.entries)
  const plan = base ? planDelta(prepared.entries, base.lines) : undefined
  const { manifest, prefix, plans, parts: tarParts } = await packPrepared(request.bundleDir, prepared, request.partSize, progress, plan && new Set(plan.carry.map((c) => c.path)))
  const dir = publishDir(request.bundleDir)
  // The bundle's own SHA256SUMS goes up with every publish: what a later delta reads of this one.
  const parts = [...tarParts, await writeMetaAsset(dir, prefix, 'sums', prepared.sumsText)]
  let delta: PublishResult['delta']
  if (base && plan) {
    const bytesOf = (lines: ReadonlyArray<{ path: string }>): number => lines.reduce((n, l) => n + (prepared.sizes.get(l.path) ?? 0), 0)
    const deltaManifest: DeltaManifest = {
      schema: DELTA_SCHEMA,
      tool: { name: 'kubespray-bundle', version: TOOL_VERSION },
      prefix,
      sums: sha256Of(prepared.sumsText),
      base: base.base,
      take: plan.take,
      bytes: { full: fullBytes(prepared), carried: bytesOf(plan.carry), fromBase: bytesOf(plan.take) }
    }
    parts.push(await writeMetaAsset(dir, prefix, 'delta', encodeDeltaManifest(deltaManifest)))
    delta = { base: base.base, carried: plan.carry.length, carriedBytes: deltaManifest.bytes.carried, taken: plan.take.length, takenBytes: deltaManifest.bytes.fromBase }
  }
  for (const p of parts.slice(tarParts.length)) progress?.packed(p)
  const sizes = { full: fullBytes(prepared), published: parts.reduce((n, p) => n + p.size, 0) }
  let release = await releases.byTag(request.tag)
  let created = false
  if (!release) {
    const made = await releases.createOrFind(request.tag, `Kubespray ${versionNames(manifest).join(', ')} offline bundle${delta ? ` (delta against ${delta.base.tag})` : ''}`, releaseNotes(manifest, prefix, delta?.base))
    release = made.release
    created = made.created
  }
  const existing = await releases.assets(release)
  const ours = new Set(parts.map((p) => p.name))
  // Old and new parts stand side by side until SHA256SUMS is swapped, with a temporary SHA256SUMS.
  const peak = existing.length + parts.filter((p) => !existing.some((a) => a.name === p.name)).length + 2
  if (peak > MAX_ASSETS) {
    throw new InputError(`${request.repo} release ${request.tag} would have ${peak} assets (the new parts beside the old until SHA256SUMS is swapped); GitHub allows ${MAX_ASSETS} per release (raise --part-size, or publish to another tag)`)
  }
  const leftovers = await clearDeadUploads(releases, existing, parts, prefix)
  const byName = new Map(existing.map((a) => [a.name, a]))
  const target = release
  let failed = false
  const assets = await runPool(parts, request.concurrency, async (part) => {
    // After a failure the run stops taking parts: what is done stays for the re-run.
    if (failed) return undefined
    try {
      const asset = await placePart(releases, target, byName.get(part.name), leftovers.get(part.name), part)
      const published = { ...asset, images: plans.find((p) => p.name === part.name)?.images ?? [] }
      progress?.uploaded(published)
      return published
    } catch (e) {
      failed = true
      throw e
    }
  })
  // SHA256SUMS lists every other asset: ours, and the lines it has for other bundles' assets
  // still there (jobs of a matrix publish their bundles into one release side by side). The
  // release's merged manifest described the bundles as they were: `merge` writes it again.
  const sums = await updateReleaseSums(releases, release, publishDir(request.bundleDir), (lines, present) => [
    ...lines.filter((e) => present.has(e.path) && e.path !== RELEASE_MANIFEST && partKind(prefix, e.path) === undefined),
    ...parts.map((p) => ({ path: p.name, sha256: p.sha256 }))
  ])
  const after = await releases.assets(release)
  const merged = after.find((a) => a.name === RELEASE_MANIFEST)
  if (merged) await releases.deleteAsset(merged)
  const deleted = await removeStale(releases, after, prefix, ours)
  if (release.draft) release = await releases.update(release, { draft: false })
  return { releaseUrl: release.html_url, created, assets: [...assets.flatMap((a) => a ?? []), { ...sums, images: [] }], deleted, sizes, delta }
}

/**
 * What the base release's bundle holds, from its own SHA256SUMS asset (never a part): checked
 * against the base release's SHA256SUMS line for it; its sha256 is the digest the far side's
 * base directory must have.
 */
async function readBase(releases: GitHubReleases, tag: string, prefix: string, bundle: readonly SumsLine[]): Promise<{ base: DeltaBase; lines: SumsLine[] }> {
  const where = `${releases.repo} release ${tag} (--base-tag)`
  const release = await releases.byTag(tag)
  if (!release) throw new InputError(`${releases.repo} has no release ${tag} (--base-tag): publish the base bundle there first, or leave --base-tag out for a full bundle`)
  const assets = await releases.assets(release)
  const sumsAsset = assets.find((a) => a.name === ASSET_SUMS)
  if (!sumsAsset) throw new InputError(`${where} has no ${ASSET_SUMS} asset: not a bundle published by kubespray-bundle (or a publish is under way: run again)`)
  const listed = new Map(parseSums(await releases.text(sumsAsset)).map((e) => [e.path, e.sha256]))
  const prefixes = bundlePrefixes(listed.keys())
  const sumsAssetOf = (basePrefix: string): string | undefined => [...listed.keys()].find((n) => partKind(basePrefix, n) === 'sums')
  const sumsName = (basePrefix: string): string => {
    const name = sumsAssetOf(basePrefix)
    if (name) return name
    throw new InputError(
      `${where}: bundle ${basePrefix} has no ${basePrefix}-sums-*.txt asset (its own ${BUNDLE_SUMS}, what a delta reads to know what the base holds): ` +
        `it was published before deltas were. Publish that bundle to ${tag} again with this version (its parts stay, the asset is added), or leave --base-tag out`
    )
  }
  const readSums = async (name: string): Promise<string> => {
    const asset = assets.find((a) => a.name === name)
    if (!asset) throw new InputError(`${where}: its ${ASSET_SUMS} lists ${name}, which the release does not have (a publish under way? run again)`)
    const text = await releases.text(asset)
    if (sha256Of(text) !== listed.get(name)) throw new InputError(`${where}: ${name} hashes to sha256 ${sha256Of(text)}, the release's ${ASSET_SUMS} says ${listed.get(name) ?? ''}; publish the base again`)
    return text
  }
  const texts = new Map<string, string>()
  let candidates = prefixes
  if (needsContentToChoose(prefixes, prefix)) {
    // A bundle published before deltas (no sums asset) cannot be a base: it is left out of the
    // choice rather than failing it; only when none can be is that said (of the first).
    candidates = prefixes.filter((p) => sumsAssetOf(p) !== undefined)
    if (!candidates.length) sumsName(prefixes[0])
    for (const p of candidates) texts.set(p, await readSums(sumsName(p)))
  }
  const basePrefix = chooseBaseBundle(candidates.map((p) => ({ prefix: p, lines: texts.has(p) ? parseSums(texts.get(p) ?? '') : undefined })), prefix, bundle, where)
  const text = texts.get(basePrefix) ?? (await readSums(sumsName(basePrefix)))
  const sha256 = sha256Of(text)
  return { base: { repo: releases.repo, tag, prefix: basePrefix, sums: sha256 }, lines: parseSums(text) }
}

/** A bundle's small plain asset (its SHA256SUMS, a delta manifest), written under its content name. */
async function writeMetaAsset(dir: string, prefix: string, kind: 'sums' | 'delta', text: string): Promise<WrittenPart> {
  const sha256 = sha256Of(text)
  const name = metaAssetName(prefix, kind, sha256)
  const path = join(dir, name)
  await writeFileAtomic(path, text)
  return { name, path, size: Buffer.byteLength(text), sha256 }
}

/**
 * This prefix's `.partial` uploads an earlier run left, before ours start (two publishers of one
 * prefix at once are not supported, so none is live): a finished one this run needs is returned
 * by its final name, to be renamed into place (a re-run after a failure finishes the job); every
 * other one is deleted (GitHub never completes a 'starter', and it would block our upload's name).
 */
async function clearDeadUploads(releases: GitHubReleases, existing: readonly ReleaseAsset[], parts: readonly WrittenPart[], prefix: string): Promise<Map<string, ReleaseAsset>> {
  const adoptable = new Map<string, ReleaseAsset>()
  for (const a of existing) {
    const final = partialOf(prefix, a.name)
    if (final === undefined) continue
    const part = parts.find((p) => p.name === final)
    if (part && holds(a, part)) adoptable.set(final, a)
    else await releases.deleteAsset(a)
  }
  return adoptable
}

/** After the swap: this prefix's parts the new SHA256SUMS no longer lists (the old bundle). Another prefix's assets are never touched. */
async function removeStale(releases: GitHubReleases, assets: readonly ReleaseAsset[], prefix: string, ours: ReadonlySet<string>): Promise<string[]> {
  const stale = assets.filter((a) => partKind(prefix, a.name) !== undefined && !ours.has(a.name))
  for (const a of stale) await releases.deleteAsset(a)
  return stale.map((a) => a.name)
}

/**
 * Whether an asset holds these bytes, by GitHub's digest. One without a digest (older GHES) is
 * uploaded again: a name and a size are no proof, and SHA256SUMS vouches only for bytes hashed.
 */
const holds = (asset: ReleaseAsset, part: Pick<WrittenPart, 'size' | 'sha256'>): boolean =>
  asset.state === 'uploaded' && asset.size === part.size && asset.digest === `sha256:${part.sha256}`

/** One part into place under its final name: kept if there, else uploaded as `.partial` and renamed. */
async function placePart(releases: GitHubReleases, release: Release, current: ReleaseAsset | undefined, leftover: ReleaseAsset | undefined, part: WrittenPart): Promise<Omit<PublishedAsset, 'images'>> {
  const base = { name: part.name, size: part.size, sha256: part.sha256 }
  if (current && holds(current, part)) return { ...base, action: 'unchanged' }
  // A name taken by other bytes: made by hand, as no SHA256SUMS of ours can list it.
  if (current) await releases.deleteAsset(current)
  const partial = leftover ?? (await releases.upload(release, `${part.name}${PARTIAL}`, part.path, part.size))
  await releases.rename(partial, part.name)
  return { ...base, action: current ? 'replaced' : 'uploaded' }
}

/** The parts' own SHA256SUMS beside them (for an artifact: sha256sum -c works after unzip). */
export async function writePartSums(bundleDir: string, parts: readonly WrittenPart[]): Promise<string> {
  const path = join(publishDir(bundleDir), ASSET_SUMS)
  await writeFile(path, formatSha256Sums(parts.map((p) => ({ path: p.name, sha256: p.sha256 }))))
  return path
}

/** How often a SHA256SUMS write starts over because another publisher wrote one meanwhile. */
const SUMS_ATTEMPTS = 8
/** How long, a second apart, a publisher that finds no SHA256SUMS waits for another's swap under way. */
const SWAP_WAITS = 3
/** Another run's temporary SHA256SUMS this old is left from a run that died (a swap takes moments). */
const DEAD_AFTER_MS = 10 * 60_000


/** A temporary asset name of this run: unique, so concurrent publishers never share one. */
const tempName = (name: string): string => `${name}.${randomBytes(4).toString('hex')}${PARTIAL}`
const isSumsTemp = (name: string): boolean => new RegExp(`^${ASSET_SUMS}\\.[0-9a-f]+\\${PARTIAL}$`).test(name)
const olderThan = (asset: ReleaseAsset, ms: number): boolean => asset.updated_at !== undefined && Date.now() - Date.parse(asset.updated_at) > ms

/**
 * Rewrites the release's SHA256SUMS from its current lines (`next` gets them and the names of
 * the finished assets there now), compare-and-swap style, so no publisher's lines are lost.
 * GitHub cannot replace an asset in one call, so: the new one goes up under a temporary name;
 * the one read is deleted by its id (already gone, or another one there: another publisher
 * won, start over); ours is renamed to SHA256SUMS (GitHub answers 422 if one is there: another
 * publisher won). Between the delete and the rename (one request) the release has none: fetch
 * looks again a second later; a publisher that finds none while another's temporary one is
 * there waits for that swap, and after SWAP_WAITS seconds takes that one's lines (its run died
 * between the two requests).
 */
export async function updateReleaseSums(
  releases: GitHubReleases,
  release: Release,
  dir: string,
  next: (lines: SumsLine[], present: ReadonlySet<string>) => SumsLine[]
): Promise<Omit<PublishedAsset, 'images'>> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, ASSET_SUMS)
  const temp = tempName(ASSET_SUMS)
  for (let attempt = 1; ; attempt++) {
    const read = await readReleaseSums(releases, release)
    const text = formatSha256Sums(next(read.lines, read.present))
    const base = { name: ASSET_SUMS, size: Buffer.byteLength(text), sha256: sha256Of(text) }
    if (read.current && read.text === text) return { ...base, action: 'unchanged' }
    await writeFile(path, text)
    const ours = await releases.upload(release, temp, path, base.size)
    if (await swapSums(releases, release, read.current, ours)) {
      for (const dead of read.dead) await releases.deleteAsset(dead)
      return { ...base, action: read.current ? 'replaced' : 'uploaded' }
    }
    await releases.deleteAsset(ours)
    if (attempt >= SUMS_ATTEMPTS) throw new GitHubError(`${ASSET_SUMS}: other publishers replaced it ${attempt} times while this one tried; run publish again`)
    await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 200))
  }
}

interface SumsRead {
  current?: ReleaseAsset
  text?: string
  lines: SumsLine[]
  present: Set<string>
  /** Temporary SHA256SUMS of dead runs: deleted once ours is in place. */
  dead: ReleaseAsset[]
}

async function readReleaseSums(releases: GitHubReleases, release: Release): Promise<SumsRead> {
  for (let wait = 0; ; wait++) {
    const assets = await releases.assets(release)
    const current = assets.find((a) => a.name === ASSET_SUMS)
    const present = new Set(assets.filter((a) => a.name !== ASSET_SUMS && !a.name.endsWith(PARTIAL)).map((a) => a.name))
    const temps = assets.filter((a) => isSumsTemp(a.name))
    const dead = temps.filter((a) => olderThan(a, DEAD_AFTER_MS))
    if (current) {
      // Deleted between the listing and the download: another publisher's swap; read again.
      const text = await releases.text(current).catch((e: unknown) => (e instanceof GitHubError && e.status === 404 && wait < SUMS_ATTEMPTS ? undefined : Promise.reject(e)))
      if (text === undefined) continue
      return { current, text, lines: parseSums(text), present, dead }
    }
    const swapping = temps.filter((a) => a.state === 'uploaded' && !dead.includes(a)).sort((a, b) => b.id - a.id)
    if (!swapping.length) return { lines: [], present, dead }
    if (wait < SWAP_WAITS) {
      await new Promise((r) => setTimeout(r, 1000))
      continue
    }
    // Its run deleted the old SHA256SUMS and died before the rename: its lines are the newest.
    return { lines: parseSums(await releases.text(swapping[0])), present, dead: [...dead, swapping[0]] }
  }
}

/** Our temporary SHA256SUMS in place of the one read; false when another publisher got there first. */
async function swapSums(releases: GitHubReleases, release: Release, read: ReleaseAsset | undefined, ours: ReleaseAsset): Promise<boolean> {
  const current = (await releases.assets(release)).find((a) => a.name === ASSET_SUMS)
  if (current?.id !== read?.id) return false
  if (read && !(await releases.deleteAsset(read))) return false
  try {
    await releases.rename(ours, ASSET_SUMS)
    return true
  } catch (e) {
    if (e instanceof GitHubError && e.status === 422) return false
    throw e
  }
}

/**
 * An asset put in place of another of its name (merge's bundle.json): the new one goes up under
 * a temporary name and is renamed once the old one is deleted, so a failed upload leaves the old.
 */
export async function placeAsset(releases: GitHubReleases, release: Release, existing: ReleaseAsset | undefined, part: WrittenPart): Promise<Omit<PublishedAsset, 'images'>> {
  const base = { name: part.name, size: part.size, sha256: part.sha256 }
  if (existing && existing.state === 'uploaded' && existing.size === part.size && existing.digest === `sha256:${part.sha256}`) return { ...base, action: 'unchanged' }
  const uploaded = await releases.upload(release, tempName(part.name), part.path, part.size)
  try {
    if (existing) await releases.deleteAsset(existing)
    await releases.rename(uploaded, part.name)
  } catch (e) {
    await releases.deleteAsset(uploaded).catch(() => false)
    throw e
  }
  return { ...base, action: existing ? 'replaced' : 'uploaded' }
}

export const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex')

function releaseNotes(manifest: BundleManifest, prefix: string, base?: DeltaBase): string {
  if (base) {
    return [
      `Delta of the offline bundle of Kubespray ${versionsLine(manifest)}, ${manifest.arches.join(' + ')}, against the bundle of release ${base.tag} (${base.prefix}): only the files and image blobs that one lacks, and this bundle's full metadata.`,
      '',
      `Rebuild it beside a copy of the ${base.tag} bundle (its SHA256SUMS has sha256 ${base.sums}):`,
      '```sh',
      `node dist/cli.js fetch --repo ${base.repo} --tag TAG --base BASE_DIR --out bundle`,
      '```',
      `or, with every asset copied: \`node dist/cli.js fetch --from-dir ASSETS --base BASE_DIR --out bundle\`. The parts of a delta are not usable alone.`
    ].join('\n')
  }
  return [
    `Offline bundle of Kubespray ${versionsLine(manifest)}, ${manifest.arches.join(' + ')}: ${manifest.totals.files} files and ${manifest.totals.images} images.`,
    '',
    'Download every asset, then:',
    '```sh',
    'sha256sum -c SHA256SUMS',
    `mkdir -p bundle/images && for p in ${prefix}-images-*.tar; do tar -xf "$p" -C bundle/images; done`,
    `for p in ${prefix}-files-*.tar ${prefix}-bundle-*.tar; do tar -xf "$p" -C bundle; done`,
    '(cd bundle && sha256sum -c SHA256SUMS)',
    '```',
    `or \`node dist/cli.js fetch --repo OWNER/NAME --tag TAG --asset-prefix ${prefix} --out bundle\`. Each images part is an OCI archive on its own (\`skopeo copy oci-archive:PART:IMAGE …\`).`
  ].join('\n')
}

/** Each version with its commit and kube_version ("v2.30.0 (abc…), kube_version 1.33.1; v2.31.0 …"). */
function versionsLine(manifest: BundleManifest): string {
  const one = (k: BundleManifest['kubespray'], kube: string): string => `${k.tag ?? k.spec} (${k.commit ?? 'local tree'}), kube_version ${kube}`
  return manifest.versions ? manifest.versions.map((v) => one(v.kubespray, v.kubeVersion)).join('; ') : one(manifest.kubespray, manifest.kubeVersion)
}
