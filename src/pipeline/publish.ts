/**
 * `publish`: a bundle directory → release assets, each below the part size, each usable alone
 * (domain/parts.ts), plus an asset SHA256SUMS listing every other asset. Idempotent: parts are
 * packed deterministically and named by the bundle, an asset already there with the same bytes
 * is kept, one with other bytes is replaced, ours that the bundle no longer has are deleted,
 * nothing is duplicated, and the release ends published (not a draft).
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BUNDLE_SUMS, STATE_DIR, type BundleManifest } from '../domain/bundle.js'
import { InputError } from '../domain/errors.js'
import { formatSha256Sums } from '../domain/files/checksum.js'
import { REF_NAME } from '../domain/images/layout-index.js'
import { RELEASE_MANIFEST } from '../domain/release-manifest.js'
import { partKind, planParts, type ImageForParts, type PartPlan } from '../domain/parts.js'
import { OciLayout } from '../adapters/oci-layout.js'
import { writePart, type WrittenPart } from '../adapters/bundle-parts.js'
import { GitHubReleases, MAX_ASSETS, type Release, type ReleaseAsset } from '../adapters/github/releases.js'
import { GitHubError } from '../adapters/github/client.js'
import { runPool } from './pool.js'
import { parseSums, readBundleManifest } from './bundle-dir.js'

export const ASSET_SUMS = 'SHA256SUMS'

export interface PublishRequest {
  bundleDir: string
  repo: string
  tag: string
  partSize: number
  /** Uploads at once. */
  concurrency: number
}

export interface PublishedAsset {
  name: string
  size: number
  sha256: string
  action: 'uploaded' | 'replaced' | 'unchanged'
  /** For image parts: the image lines inside. */
  images: string[]
}

export interface PublishResult {
  releaseUrl: string
  created: boolean
  assets: PublishedAsset[]
  deleted: string[]
}

export interface PublishProgress {
  packed(part: WrittenPart): void
  uploaded(asset: PublishedAsset): void
}

/**
 * The asset name prefix of a bundle: its Kubespray version and arches, and its Kubernetes
 * version when the variables chose one, so the jobs of a matrix by Kubernetes version publish
 * into one release side by side instead of over each other.
 */
export function assetPrefix(manifest: BundleManifest): string {
  const label = manifest.kubespray.tag ?? manifest.kubespray.commit?.slice(0, 12) ?? 'local'
  const kube = Object.hasOwn(manifest.extraVars ?? {}, 'kube_version') ? `-k8s-${manifest.kubeVersion}` : ''
  return `kubespray-${label}${kube}-${manifest.arches.join('_')}`.replace(/[^\w.-]/g, '_')
}

/** Cuts the bundle into parts under DIR/.kubespray-bundle/publish (not published itself). */
export async function packBundle(
  bundleDir: string,
  partSize: number,
  progress?: Pick<PublishProgress, 'packed'>
): Promise<{ manifest: BundleManifest; prefix: string; plans: PartPlan[]; parts: WrittenPart[] }> {
  const manifest = await readBundleManifest(bundleDir)
  const sums = await readFile(join(bundleDir, BUNDLE_SUMS), 'utf8').catch(() => {
    throw new InputError(`${bundleDir} has no ${BUNDLE_SUMS}: run the build command into it first`)
  })
  const listed = parseSums(sums).map((e) => e.path)
  const layout = new OciLayout(join(bundleDir, 'images'))
  const index = (await layout.readIndex()).manifests
  const blobSize = new Map<string, number>()
  const sizeOf = async (path: string): Promise<number> => (await stat(join(bundleDir, path))).size
  const images: ImageForParts[] = []
  for (const entry of index) {
    const digests = [...layout.reachable([entry])]
    const blobs = []
    for (const digest of digests) {
      const path = `images/blobs/sha256/${digest.slice('sha256:'.length)}`
      if (!blobSize.has(digest)) blobSize.set(digest, await sizeOf(path))
      blobs.push({ digest, size: blobSize.get(digest) ?? 0 })
    }
    images.push({ line: entry.annotations?.[REF_NAME] ?? entry.digest, blobs })
  }
  const fileSet = new Set(manifest.files.map((f) => f.path))
  const inImages = new Set([...blobSize.keys()].map((d) => `images/blobs/sha256/${d.slice('sha256:'.length)}`))
  const files = []
  const meta = [{ path: BUNDLE_SUMS, size: await sizeOf(BUNDLE_SUMS) }]
  for (const path of listed) {
    if (fileSet.has(path)) files.push({ path, size: await sizeOf(path) })
    else if (!inImages.has(path)) meta.push({ path, size: await sizeOf(path) })
  }
  const prefix = assetPrefix(manifest)
  const plans = planParts(prefix, partSize, meta, files, images)
  const dir = join(bundleDir, STATE_DIR, 'publish')
  await mkdir(dir, { recursive: true })
  const parts: WrittenPart[] = []
  for (const plan of plans) {
    const part = await writePart(bundleDir, plan, index, dir)
    progress?.packed(part)
    parts.push(part)
  }
  return { manifest, prefix, plans, parts }
}

export async function runPublish(request: PublishRequest, releases: GitHubReleases, progress?: PublishProgress): Promise<PublishResult> {
  const { manifest, prefix, plans, parts } = await packBundle(request.bundleDir, request.partSize, progress)
  let release = await releases.byTag(request.tag)
  let created = false
  if (!release) {
    const made = await releases.createOrFind(request.tag, `Kubespray ${manifest.kubespray.tag ?? manifest.kubespray.spec} offline bundle`, releaseNotes(manifest, prefix))
    release = made.release
    created = made.created
  }
  let existing = await releases.assets(release)
  // The release's merged manifest describes its bundles as they were: `merge` writes it again.
  const merged = existing.find((a) => a.name === RELEASE_MANIFEST)
  if (merged) {
    await releases.deleteAsset(merged)
    existing = existing.filter((a) => a !== merged)
  }
  const ours = new Set(parts.map((p) => p.name))
  const others = existing.filter((a) => !ours.has(a.name) && a.name !== ASSET_SUMS && partKind(prefix, a.name) === undefined)
  if (others.length + parts.length + 1 > MAX_ASSETS) {
    throw new InputError(`${request.repo} release ${request.tag} would have ${others.length + parts.length + 1} assets; GitHub allows ${MAX_ASSETS} per release (raise --part-size, or publish to another tag)`)
  }
  // Ours the bundle no longer has (a smaller bundle, another part count) go.
  const stale = existing.filter((a) => !ours.has(a.name) && partKind(prefix, a.name) !== undefined)
  for (const a of stale) await releases.deleteAsset(a)
  const byName = new Map(existing.map((a) => [a.name, a]))
  const target = release
  const assets = await runPool(parts, request.concurrency, async (part) => {
    const asset = await placeAsset(releases, target, byName.get(part.name), part)
    const published = { ...asset, images: plans.find((p) => p.name === part.name)?.images ?? [] }
    progress?.uploaded(published)
    return published
  })
  // SHA256SUMS lists every other asset: ours, and the lines it has for other bundles' assets
  // still there (jobs of a matrix publish their bundles into one release side by side).
  const sums = await updateReleaseSums(releases, release, join(request.bundleDir, STATE_DIR, 'publish'), (lines, present) => [
    ...lines.filter((e) => present.has(e.path) && !ours.has(e.path) && partKind(prefix, e.path) === undefined),
    ...parts.map((p) => ({ path: p.name, sha256: p.sha256 }))
  ])
  if (release.draft) release = await releases.update(release, { draft: false })
  return { releaseUrl: release.html_url, created, assets: [...assets, { ...sums, images: [] }], deleted: stale.map((a) => a.name) }
}

/** The parts' own SHA256SUMS beside them (for an artifact: sha256sum -c works after unzip). */
export async function writePartSums(bundleDir: string, parts: readonly WrittenPart[]): Promise<string> {
  const path = join(bundleDir, STATE_DIR, 'publish', ASSET_SUMS)
  await writeFile(path, formatSha256Sums(parts.map((p) => ({ path: p.name, sha256: p.sha256 }))))
  return path
}

/** How often a SHA256SUMS write starts over because another publisher wrote one meanwhile. */
const SUMS_ATTEMPTS = 8

/**
 * Rewrites the release's SHA256SUMS from its current lines (`next` gets them and the names of
 * the assets there now). Publishers of one release may run at once, so this is a compare and
 * swap: the asset read is deleted by its id (if another publisher replaced it meanwhile, that
 * delete finds nothing), and an upload that meets a SHA256SUMS already there (GitHub answers
 * 422) starts over from that one, so no publisher's lines are lost.
 */
export async function updateReleaseSums(
  releases: GitHubReleases,
  release: Release,
  dir: string,
  next: (lines: Array<{ path: string; sha256: string }>, present: ReadonlySet<string>) => Array<{ path: string; sha256: string }>
): Promise<Omit<PublishedAsset, 'images'>> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, ASSET_SUMS)
  for (let attempt = 1; ; attempt++) {
    const assets = await releases.assets(release)
    const current = assets.find((a) => a.name === ASSET_SUMS)
    const lines = current ? parseSums(await releases.text(current)) : []
    const text = formatSha256Sums(next(lines, new Set(assets.map((a) => a.name).filter((n) => n !== ASSET_SUMS))))
    await writeFile(path, text)
    try {
      return await placeAsset(releases, release, current, { name: ASSET_SUMS, path, size: Buffer.byteLength(text), sha256: sha256Of(text) })
    } catch (e) {
      if (!(e instanceof GitHubError && e.status === 422) || attempt >= SUMS_ATTEMPTS) throw e
      // Another publisher's SHA256SUMS went up between our read and our upload: read it again.
      await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 200))
    }
  }
}

export async function placeAsset(releases: GitHubReleases, release: Release, existing: ReleaseAsset | undefined, part: WrittenPart): Promise<Omit<PublishedAsset, 'images'>> {
  const base = { name: part.name, size: part.size, sha256: part.sha256 }
  if (existing && existing.state === 'uploaded' && existing.size === part.size && existing.digest === `sha256:${part.sha256}`) return { ...base, action: 'unchanged' }
  if (existing) await releases.deleteAsset(existing)
  await releases.upload(release, part.name, part.path, part.size)
  return { ...base, action: existing ? 'replaced' : 'uploaded' }
}

export const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex')

function releaseNotes(manifest: BundleManifest, prefix: string): string {
  return [
    `Offline bundle of Kubespray ${manifest.kubespray.tag ?? manifest.kubespray.spec} (${manifest.kubespray.commit ?? 'local tree'}), kube_version ${manifest.kubeVersion}, ${manifest.arches.join(' + ')}: ${manifest.totals.files} files and ${manifest.totals.images} images.`,
    '',
    'Download every asset, then:',
    '```sh',
    'sha256sum -c SHA256SUMS',
    `mkdir -p bundle/images && for p in ${prefix}-images-*.tar; do tar -xf "$p" -C bundle/images; done`,
    `for p in ${prefix}-files-*.tar ${prefix}-bundle.tar; do tar -xf "$p" -C bundle; done`,
    '(cd bundle && sha256sum -c SHA256SUMS)',
    '```',
    'or `node dist/cli.js fetch --repo OWNER/NAME --tag TAG --out bundle`. Each images part is an OCI archive on its own (`skopeo copy oci-archive:PART:IMAGE …`).'
  ].join('\n')
}
