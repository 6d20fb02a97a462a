/**
 * `fetch`: a published bundle → the bundle directory, as it was published. The assets download
 * in parallel (resumable Range segments: a killed or cut run continues where it stopped), each
 * checked against the release's SHA256SUMS; parts unpack safely (images, then files, then the
 * bundle part that brings index.json and SHA256SUMS); last, every file of the directory is
 * hashed against the bundle's own SHA256SUMS.
 */
import { readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { STATE_DIR } from '../domain/bundle.js'
import { InputError } from '../domain/errors.js'
import { partKind, type PartPlan } from '../domain/parts.js'
import { ensureDirUnder, regularFile, writeFileAtomic } from '../adapters/fs-atomic.js'
import { FileFetcher, DEFAULT_SEGMENT_POLICY } from '../adapters/http/fetch-file.js'
import { PrioritySlots } from '../adapters/http/slots.js'
import { unpackPart } from '../adapters/bundle-parts.js'
import type { GitHubReleases, ReleaseAsset } from '../adapters/github/releases.js'
import { ASSET_SUMS } from './publish.js'
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
}

interface FetchState {
  unpacked: Record<string, string>
}

const ORDER: Record<PartPlan['kind'], number> = { images: 0, files: 1, bundle: 2 }

export async function runFetch(request: FetchRequest, releases: GitHubReleases, progress: FetchProgress): Promise<FetchResult> {
  const release = await releases.byTag(request.tag)
  if (!release) throw new InputError(`${releases.repo} has no release ${request.tag}`)
  const assets = await releases.assets(release)
  const sumsAsset = assets.find((a) => a.name === ASSET_SUMS)
  if (!sumsAsset) throw new InputError(`${releases.repo} release ${request.tag} has no ${ASSET_SUMS} asset: not a bundle published by kubespray-bundle`)
  const sums = new Map(parseSums(await releases.text(sumsAsset)).map((e) => [e.path, e.sha256]))
  const prefix = choosePrefix(assets, request.prefix, `${releases.repo} release ${request.tag}`)
  const parts = assets
    .flatMap((a) => {
      const kind = partKind(prefix, a.name)
      return kind ? [{ asset: a, kind }] : []
    })
    .sort((x, y) => ORDER[x.kind] - ORDER[y.kind] || (x.asset.name < y.asset.name ? -1 : 1))
  for (const { asset } of parts) if (!sums.has(asset.name)) throw new InputError(`asset ${asset.name} is not in the release's ${ASSET_SUMS}; it cannot be verified`)

  const dir = await ensureDirUnder(request.outDir, join(STATE_DIR, 'fetch'))
  const statePath = join(dir, 'state.json')
  const state: FetchState = await readFile(statePath, 'utf8')
    .then((t) => JSON.parse(t) as FetchState)
    .catch(() => ({ unpacked: {} }))
  const fetcher = new FileFetcher(new PrioritySlots(request.connections), DEFAULT_SEGMENT_POLICY)
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
  const fetched = outcomes
  for (const { asset, kind } of parts) {
    const expected = sums.get(asset.name) ?? ''
    if (state.unpacked[asset.name] === expected) continue
    await unpackPart(kind, join(dir, asset.name), request.outDir)
    state.unpacked[asset.name] = expected
    await writeFileAtomic(statePath, JSON.stringify(state))
    await rm(join(dir, asset.name), { force: true })
  }
  const { problems, checked } = await verifyDirectory(request.outDir, request.concurrency)
  return { prefix, assets: fetched, mismatches: problems, files: checked }
}

function choosePrefix(assets: ReleaseAsset[], wanted: string | undefined, where: string): string {
  const prefixes = assets.flatMap((a) => (a.name.endsWith('-bundle.tar') ? [a.name.slice(0, -'-bundle.tar'.length)] : []))
  if (wanted) {
    if (!prefixes.includes(wanted)) throw new InputError(`${where} has no bundle ${wanted} (it has: ${prefixes.join(', ') || 'none'})`)
    return wanted
  }
  if (prefixes.length === 1) return prefixes[0]
  if (!prefixes.length) throw new InputError(`${where} holds no bundle (no *-bundle.tar asset)`)
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
  const part = `${path}.part`
  const outcome = await fetcher.fetch(releases.source(asset), part, ['sha256'], { size: () => undefined, bytes: (n) => progress.bytes(n) })
  const got = outcome.digests.get('sha256')
  if (got !== sha256) {
    await rm(part, { force: true })
    await rm(`${part}.json`, { force: true })
    throw new InputError(`asset ${asset.name}: sha256 ${got}, the release's ${ASSET_SUMS} says ${sha256}`)
  }
  await rename(part, path)
  await rm(`${part}.json`, { force: true })
  return true
}

const sha256File = async (path: string): Promise<string> => (await hashFile(path)).sha256
