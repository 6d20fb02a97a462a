/**
 * `merge`: the last step of a release built by several jobs. Each job publishes its own bundle
 * (`<prefix>-bundle-<sha8>.tar` and its parts) into one release, side by side; once all are done, this
 * writes what describes them together: the release's `bundle.json` (domain/release-manifest.ts),
 * read from each bundle's own manifest inside its bundle part (downloaded and checked first),
 * and a SHA256SUMS of every other asset taken from the sha256 GitHub computed of each upload.
 * Re-running it changes nothing when nothing changed.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { InputError } from '../domain/errors.js'
import { assetPrefix, bundlePrefixes, partKind } from '../domain/parts.js'
import { encodeReleaseManifest, mergeBundles, RELEASE_MANIFEST, type PublishedBundle, type ReleaseManifest } from '../domain/release-manifest.js'
import { BUNDLE_MANIFEST, BUNDLE_SUMS, type BundleManifest } from '../domain/bundle.js'
import { FileFetcher, DEFAULT_SEGMENT_POLICY } from '../adapters/http/fetch-file.js'
import { PrioritySlots } from '../adapters/http/slots.js'
import { extractSafely } from '../adapters/tar-safe.js'
import type { GitHubReleases, ReleaseAsset } from '../adapters/github/releases.js'
import { TOOL_VERSION } from '../version.js'
import { readBundleManifest, parseSums } from './bundle-dir.js'
import { downloadVerified } from './fetch.js'
import { ASSET_SUMS, placeAsset, sha256Of, updateReleaseSums, type PublishedAsset } from './publish.js'

export interface MergeRequest {
  tag: string
  /** Scratch space for the bundle parts read (removed by the caller). */
  workDir: string
  connections: number
}

export interface MergeResult {
  releaseUrl: string
  manifest: ReleaseManifest
  /** What happened to bundle.json and SHA256SUMS. */
  written: Array<Omit<PublishedAsset, 'images'>>
  /** Assets of other tools that neither GitHub's digest nor SHA256SUMS could vouch for (left out of it). */
  unlisted: string[]
}

export async function runMerge(request: MergeRequest, releases: GitHubReleases): Promise<MergeResult> {
  const where = `${releases.repo} release ${request.tag}`
  const release = await releases.byTag(request.tag)
  if (!release) throw new InputError(`${releases.repo} has no release ${request.tag} (publish a bundle into it first)`)
  const assets = await releases.assets(release)
  const prefixes = bundlePrefixes(assets.map((a) => a.name))
  if (!prefixes.length) throw new InputError(`${where} holds no bundle (no *-bundle-*.tar asset): publish one into it first`)

  const sumsAsset = assets.find((a) => a.name === ASSET_SUMS)
  const listed = new Map(sumsAsset ? parseSums(await releases.text(sumsAsset)).map((e) => [e.path, e.sha256]) : [])
  /** GitHub's own sha256 of the upload, else the line SHA256SUMS has for it. */
  const knownSha256 = (a: ReleaseAsset): string | undefined => githubSha256(a) ?? listed.get(a.name)

  const fetcher = new FileFetcher(new PrioritySlots(request.connections), DEFAULT_SEGMENT_POLICY)
  const published: PublishedBundle[] = []
  for (const prefix of prefixes) {
    const parts = bundleParts(assets, prefix, listed)
    const entries = parts.map((a) => {
      const sha256 = knownSha256(a)
      if (!sha256) throw new InputError(`${where}: asset ${a.name} has no sha256 from GitHub and no line in ${ASSET_SUMS}; publish its bundle again`)
      return { name: a.name, kind: partKind(prefix, a.name) ?? 'files', size: a.size, sha256 }
    })
    const bundleTars = parts.filter((a) => partKind(prefix, a.name) === 'bundle')
    if (bundleTars.length !== 1) throw new InputError(`${where}: bundle ${prefix} has ${bundleTars.length} bundle parts (${bundleTars.map((a) => a.name).join(', ')}) and ${ASSET_SUMS} does not say which is current; publish it again`)
    const bundleTar = bundleTars[0]
    const { manifest, sums } = await readPublishedManifest(releases, fetcher, bundleTar, knownSha256(bundleTar) ?? '', join(request.workDir, prefix))
    const own = assetPrefix(manifest, sums)
    if (own !== prefix) {
      throw new InputError(`${where}: ${bundleTar.name} holds the bundle ${own}, not ${prefix} (an asset renamed by hand?); publish it again`)
    }
    published.push({ prefix, manifest, assets: entries })
  }

  const manifest = mergeBundles(request.tag, { name: 'kubespray-bundle', version: TOOL_VERSION }, published)
  const text = encodeReleaseManifest(manifest)
  const manifestPath = join(request.workDir, RELEASE_MANIFEST)
  await writeFile(manifestPath, text)
  const manifestSha256 = sha256Of(text)
  const wroteManifest = await placeAsset(releases, release, assets.find((a) => a.name === RELEASE_MANIFEST), { name: RELEASE_MANIFEST, path: manifestPath, size: Buffer.byteLength(text), sha256: manifestSha256 })

  // Every asset but the parts of a bundle its SHA256SUMS no longer lists (left by a publish that
  // died after its swap): fetch takes a bundle's parts from SHA256SUMS.
  const isPart = (name: string): boolean => prefixes.some((p) => partKind(p, name) !== undefined)
  const current = new Set(published.flatMap((b) => b.assets.map((a) => a.name)))
  const known = new Map(assets.flatMap((a) => (a.name === ASSET_SUMS || (isPart(a.name) && !current.has(a.name)) ? [] : [[a.name, knownSha256(a)] as const])))
  known.set(RELEASE_MANIFEST, manifestSha256)
  const unlisted = new Set<string>()
  const wroteSums = await updateReleaseSums(releases, release, request.workDir, (lines, present) => {
    const now = new Map(lines.map((e) => [e.path, e.sha256]))
    return [...present].flatMap((name) => {
      // An asset that went up after our listing (a late publisher) keeps the line it wrote.
      const sha256 = known.get(name) ?? now.get(name)
      if (!sha256 && !isPart(name)) unlisted.add(name)
      return sha256 ? [{ path: name, sha256 }] : []
    })
  })
  // The notes the first publisher wrote describe its bundle alone.
  await releases.update(release, { body: releaseNotes(manifest) })
  return { releaseUrl: release.html_url, manifest, written: [wroteManifest, wroteSums], unlisted: [...unlisted].sort() }
}

/** The release's notes: every bundle in it, and how to take one. */
function releaseNotes(m: ReleaseManifest): string {
  const first = m.bundles[0]?.prefix ?? 'PREFIX'
  return [
    `Offline bundles of Kubespray, ${m.totals.bundles} in this release (\`bundle.json\` lists the files and images each holds):`,
    '',
    '| bundle | Kubespray | kube_version | arches | files | images |',
    '| --- | --- | --- | --- | --- | --- |',
    ...m.bundles.map(
      (b) => `| \`${b.prefix}\` | ${b.kubespray.tag ?? b.kubespray.spec} (${b.kubespray.commit?.slice(0, 12) ?? 'local tree'}) | ${b.kubeVersion} | ${b.arches.join(' + ')} | ${b.totals.files} | ${b.totals.images} |`
    ),
    '',
    "Download one bundle's assets (its prefix) and SHA256SUMS, then:",
    '```sh',
    `P=${first}`,
    'sha256sum -c --ignore-missing SHA256SUMS',
    'mkdir -p bundle/images && for p in "$P"-images-*.tar; do tar -xf "$p" -C bundle/images; done',
    'for p in "$P"-files-*.tar "$P"-bundle-*.tar; do tar -xf "$p" -C bundle; done',
    '(cd bundle && sha256sum -c SHA256SUMS)',
    '```',
    `or \`node dist/cli.js fetch --repo OWNER/NAME --tag ${m.tag} --asset-prefix ${first} --out bundle\`.`
  ].join('\n')
}

/**
 * A bundle's parts in the release: those its SHA256SUMS lists when it lists any (a publish puts
 * the new parts beside the old before it swaps SHA256SUMS, and deletes the old after), else
 * every part of the prefix there.
 */
function bundleParts(assets: readonly ReleaseAsset[], prefix: string, listed: ReadonlyMap<string, string>): ReleaseAsset[] {
  const all = assets.filter((a) => partKind(prefix, a.name) !== undefined)
  const inSums = all.filter((a) => listed.has(a.name))
  return inSums.length ? inSums : all
}

/** "sha256:<hex>" as GitHub reports a finished upload, as hex. */
function githubSha256(asset: ReleaseAsset): string | undefined {
  if (asset.state !== 'uploaded') return undefined
  return /^sha256:([0-9a-f]{64})$/.exec(asset.digest ?? '')?.[1]
}

/** Downloads a bundle part, checks its sha256 and reads the bundle.json and SHA256SUMS inside. */
async function readPublishedManifest(
  releases: GitHubReleases,
  fetcher: FileFetcher,
  asset: ReleaseAsset,
  sha256: string,
  dir: string
): Promise<{ manifest: BundleManifest; sums: Array<{ path: string; sha256: string }> }> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const tarPath = join(dir, asset.name)
  await downloadVerified(fetcher, releases, asset, tarPath, sha256, `the release records ${sha256} (GitHub's digest of the upload, else its ${ASSET_SUMS} line)`)
  await extractSafely({ file: tarPath, cwd: dir, include: (path) => path === BUNDLE_MANIFEST || path === BUNDLE_SUMS })
  const sums = await readFile(join(dir, BUNDLE_SUMS), 'utf8').catch(() => undefined)
  if (sums === undefined) throw new InputError(`asset ${asset.name} has no ${BUNDLE_MANIFEST} and ${BUNDLE_SUMS}: not a bundle part written by kubespray-bundle publish`)
  return { manifest: await readBundleManifest(dir), sums: parseSums(sums) }
}
