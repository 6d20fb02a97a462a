/**
 * Writes the parts a plan (domain/parts.ts) describes as tar files, hashed while they are
 * written, deterministic (sorted entries, fixed mtime, no owners) so a re-run makes the same
 * bytes; and unpacks them back into a bundle directory.
 */
import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { c as createTar } from 'tar'
import type { PartPlan } from '../domain/parts.js'
import { OCI_INDEX, type Descriptor } from '../domain/images/media-types.js'
import { REF_NAME } from '../domain/images/layout-index.js'
import { extractSafely } from './tar-safe.js'
import { tempPathFor } from './fs-atomic.js'
import { writeHashed } from './hash-to-file.js'

/** Every entry's mtime: fixed, so the same bundle packs to the same bytes. */
const MTIME = new Date('2000-01-01T00:00:00Z')

/**
 * node-tar's cache of hard-linked files (device:inode → the first path packed), kept empty: two
 * paths of a bundle that are links to one file (a delta's fetch links each from its base, and a
 * base may hold the same bytes twice) are each packed as a file of their own. A Link entry would
 * tie a path to another that may be in another part, or carried by one delta and not the next,
 * and would make the part's bytes depend on how the directory was made.
 */
class NoLinkCache extends Map<`${number}:${number}`, string> {
  override get(): undefined {
    return undefined
  }

  override set(): this {
    return this
  }
}

export interface WrittenPart {
  name: string
  path: string
  size: number
  sha256: string
}

/** Writes one part into `dir`, returning its size and sha256 (hashed as it is written). */
export async function writePart(bundleDir: string, plan: PartPlan, indexEntries: readonly Descriptor[], dir: string): Promise<WrittenPart> {
  const target = join(dir, plan.name)
  if (plan.kind !== 'images') return tarInto(target, bundleDir, plan.entries)
  // An OCI layout of its own: hard links to the bundle's blobs, beside its own index.json.
  const stage = join(dir, `.stage-${plan.name}`)
  await rm(stage, { recursive: true, force: true })
  await mkdir(join(stage, 'blobs', 'sha256'), { recursive: true })
  try {
    const lines = new Set(plan.images)
    const manifests = indexEntries.filter((d) => lines.has(d.annotations?.[REF_NAME] ?? ''))
    await writeFile(join(stage, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    await writeFile(join(stage, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }))
    const blobs = plan.entries.map((digest) => `blobs/sha256/${digest.slice('sha256:'.length)}`)
    for (const blob of blobs) await link(join(bundleDir, 'images', blob), join(stage, blob))
    return await tarInto(target, stage, ['oci-layout', 'index.json', ...blobs])
  } finally {
    await rm(stage, { recursive: true, force: true })
  }
}

async function tarInto(target: string, cwd: string, entries: string[]): Promise<WrittenPart> {
  const temp = tempPathFor(target)
  try {
    const { sha256, size } = await writeHashed(createTar({ cwd, portable: true, mtime: MTIME, noDirRecurse: true, linkCache: new NoLinkCache() }, entries), temp)
    await rename(temp, target)
    return { name: target.split('/').pop() ?? target, path: target, size, sha256 }
  } catch (e) {
    await rm(temp, { force: true })
    throw e
  }
}

/** Unpacks a part into the bundle directory (images parts: their blobs into images/). */
export async function unpackPart(kind: PartPlan['kind'], file: string, bundleDir: string): Promise<void> {
  if (kind === 'images') {
    await mkdir(join(bundleDir, 'images', 'blobs', 'sha256'), { recursive: true })
    // The part's own index.json names its images only; the bundle part brings the whole one.
    await extractSafely({ file, cwd: join(bundleDir, 'images'), include: (path) => path.startsWith('blobs/sha256/') })
  } else {
    await extractSafely({ file, cwd: bundleDir, include: kind === 'files' ? (path) => path.startsWith('files/') : undefined })
  }
}
