/**
 * `verify`: a bundle directory against its own SHA256SUMS and bundle.json, every byte hashed in
 * parallel (sizes and times are never trusted). Each problem names its item: a file by its path
 * under files/, a blob by its digest, anything else by its path in the bundle. A bundle holds
 * regular files only: a symbolic link, FIFO, socket or device anywhere in it is named too, by its
 * path in the bundle, and never read through.
 */
import type { Dirent, Stats } from 'node:fs'
import { lstat, readdir, readFile, realpath } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { BUNDLE_SUMS, STATE_DIR, isBundleContent, versionName, type BundleManifest } from '../domain/bundle.js'
import { InputError } from '../domain/errors.js'
import { REF_NAME } from '../domain/images/layout-index.js'
import { OciLayout } from '../adapters/oci-layout.js'
import { parseSums, readBundleManifest, sha256File } from './bundle-dir.js'
import { runPool } from './pool.js'

export interface VerifyResult {
  /** Files hashed. */
  checked: number
  bytes: number
  problems: string[]
}

/** How a problem names an item of the bundle. */
export function itemName(path: string): string {
  if (path.startsWith('images/blobs/sha256/')) return `blob sha256:${path.slice('images/blobs/sha256/'.length)}`
  if (path.startsWith('files/') && path !== 'files/SHA256SUMS') return `file ${path.slice('files/'.length)}`
  return path
}

const REGULAR_ONLY = 'a bundle holds regular files only'

/** What a non-regular entry is, in words. */
function kindOf(entry: Dirent | Stats): string {
  if (entry.isSymbolicLink()) return 'a symbolic link'
  if (entry.isFIFO()) return 'a FIFO (named pipe)'
  if (entry.isSocket()) return 'a socket'
  if (entry.isBlockDevice()) return 'a block device'
  if (entry.isCharacterDevice()) return 'a character device'
  return 'of an unknown kind'
}

function notRegularProblem(path: string, entry: Dirent | Stats): string {
  return `${path}: ${kindOf(entry)}, not a regular file (${REGULAR_ONLY})`
}

/**
 * Why a path SHA256SUMS lists cannot be hashed as a regular file of the bundle, or undefined if it
 * can. Checked without following links: hashing through one would vouch for bytes outside the
 * bundle, and opening a FIFO would wait forever.
 */
async function unhashable(bundleDir: string, realDir: string, path: string): Promise<string | undefined> {
  if (path.startsWith('/') || path.split('/').some((s) => s === '..' || s === '.' || s === '')) return `${path}: in ${BUNDLE_SUMS} but not a path inside the bundle`
  const info = await lstat(join(bundleDir, path)).catch(() => undefined)
  if (!info) return `${itemName(path)}: missing`
  if (!info.isFile()) return notRegularProblem(path, info)
  if ((await realpath(join(bundleDir, path))) !== join(realDir, path)) return `${path}: reached through a symbolic link (${REGULAR_ONLY})`
  return undefined
}

/** Every file SHA256SUMS lists, hashed; what is missing, not a regular file or differs, named. */
export async function verifyDirectory(bundleDir: string, concurrency: number): Promise<VerifyResult & { sums: Map<string, string> }> {
  const text = await readFile(join(bundleDir, BUNDLE_SUMS), 'utf8').catch(() => {
    throw new InputError(`${bundleDir} has no ${BUNDLE_SUMS}: not a complete bundle`)
  })
  const entries = parseSums(text)
  const realDir = await realpath(bundleDir)
  let bytes = 0
  const results = await runPool(entries, Math.max(2, concurrency), async (e) => {
    const refused = await unhashable(bundleDir, realDir, e.path)
    if (refused) return refused
    const got = await sha256File(join(bundleDir, e.path)).catch(() => undefined)
    if (!got) return `${itemName(e.path)}: missing`
    bytes += got.size
    if (got.sha256 !== e.sha256) return `${itemName(e.path)}: corrupt (sha256 ${got.sha256}, expected ${e.sha256})`
    // A blob is named by its digest: the name must hold too, whatever SHA256SUMS says.
    if (e.path.startsWith('images/blobs/sha256/') && e.path.slice(-64) !== got.sha256) return `${itemName(e.path)}: corrupt (its bytes hash to sha256:${got.sha256})`
    return undefined
  })
  return { checked: entries.length, bytes, problems: results.filter((r): r is string => r !== undefined), sums: new Map(entries.map((e) => [e.path, e.sha256])) }
}

/**
 * A bundle of several Kubespray versions: each version's tarball and lists are in SHA256SUMS,
 * and every file, image and chart it names is one the bundle holds.
 */
function versionProblems(manifest: BundleManifest, sums: ReadonlyMap<string, string>): string[] {
  const problems: string[] = []
  const files = new Set(manifest.files.map((f) => f.path))
  const images = new Set(manifest.images.map((i) => i.line))
  const charts = new Set((manifest.charts ?? []).map((c) => c.path))
  for (const v of manifest.versions ?? []) {
    const name = `Kubespray ${versionName(v.kubespray)}`
    const tarball = v.kubespray.tarball
    if (tarball && sums.get(tarball.path) !== tarball.sha256) problems.push(`${tarball.path}: ${name}'s source, ${sums.has(tarball.path) ? `bundle.json says sha256 ${tarball.sha256}, ${BUNDLE_SUMS} says ${sums.get(tarball.path)}` : `not in ${BUNDLE_SUMS}`}`)
    for (const arch of manifest.arches) if (!sums.has(`${v.lists}/${arch}/files.json`)) problems.push(`${v.lists}/${arch}/files.json: ${name}'s lists for ${arch}, not in ${BUNDLE_SUMS}`)
    for (const path of v.files) if (!files.has(path)) problems.push(`${itemName(path)}: ${name} names it, but bundle.json's files do not`)
    for (const line of v.images) if (!images.has(line)) problems.push(`image ${line}: ${name} names it, but bundle.json's images do not`)
    for (const path of v.charts ?? []) if (!charts.has(path)) problems.push(`chart ${path}: ${name} names it, but bundle.json's charts do not`)
  }
  return problems
}

export async function runVerify(bundleDir: string, concurrency: number): Promise<VerifyResult> {
  const manifest = await readBundleManifest(bundleDir)
  const { checked, bytes, problems, sums } = await verifyDirectory(bundleDir, concurrency)
  // bundle.json and SHA256SUMS must agree on every file.
  for (const f of manifest.files) {
    const listed = sums.get(f.path)
    if (listed === undefined) problems.push(`${itemName(f.path)}: in bundle.json but not in ${BUNDLE_SUMS}`)
    else if (listed !== f.sha256) problems.push(`${itemName(f.path)}: bundle.json says sha256 ${f.sha256}, ${BUNDLE_SUMS} says ${listed}`)
  }
  // Every blob an image needs is there.
  const layout = new OciLayout(join(bundleDir, 'images'))
  const index = (await layout.readIndex()).manifests
  for (const entry of index) {
    for (const digest of layout.reachable([entry])) {
      const path = `images/blobs/sha256/${digest.slice('sha256:'.length)}`
      if (!sums.has(path)) problems.push(`blob ${digest}: needed by image ${entry.annotations?.[REF_NAME] ?? entry.digest}, not in ${BUNDLE_SUMS}`)
    }
  }
  const saved = new Set(index.map((d) => d.annotations?.[REF_NAME]))
  for (const image of manifest.images) if (!saved.has(image.line)) problems.push(`image ${image.line}: in bundle.json but not in images/index.json`)
  problems.push(...versionProblems(manifest, sums))
  // Nothing in the bundle that SHA256SUMS does not vouch for, and nothing but directories and
  // regular files (the walk does not follow links, so a link to a directory is named, not entered).
  for (const e of await readdir(bundleDir, { recursive: true, withFileTypes: true })) {
    const path = relative(bundleDir, join(e.parentPath, e.name)).split(sep).join('/')
    if (e.isDirectory() || path === STATE_DIR || path.startsWith(`${STATE_DIR}/`)) continue
    if (!e.isFile()) problems.push(notRegularProblem(path, e))
    else if (isBundleContent(path) && !sums.has(path)) problems.push(`${itemName(path)}: not in ${BUNDLE_SUMS}`)
  }
  return { checked, bytes, problems: [...new Set(problems)] }
}
