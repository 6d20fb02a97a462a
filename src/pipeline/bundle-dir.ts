/** Reading a bundle directory: its manifest, its SHA256SUMS, and hashing a file of it. */
import { createReadStream } from 'node:fs'
import { access, readFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { BUNDLE_MANIFEST, type BundleManifest } from '../domain/bundle.js'
import { InputError } from '../domain/errors.js'

/** The bundle's manifest, or an InputError saying the directory is not a complete bundle. */
export async function readBundleManifest(bundleDir: string): Promise<BundleManifest> {
  let text: string
  try {
    text = await readFile(join(bundleDir, BUNDLE_MANIFEST), 'utf8')
  } catch {
    throw new InputError(`${bundleDir} is not a complete bundle: it has no ${BUNDLE_MANIFEST} (run the build command into it first)`)
  }
  try {
    return JSON.parse(text) as BundleManifest
  } catch (e) {
    throw new InputError(`${join(bundleDir, BUNDLE_MANIFEST)}: not JSON (${(e as Error).message})`)
  }
}

export function parseSums(text: string): Array<{ path: string; sha256: string }> {
  return text.split('\n').flatMap((l) => {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(l)
    return m ? [{ sha256: m[1], path: m[2] }] : []
  })
}

export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return { sha256: hash.digest('hex'), size }
}


/**
 * A bundle whose bundle.json is there but a path it needs is not (an interrupted build of an
 * older tool, a hand-pruned directory): said as such, not as the raw ENOENT of the first read.
 */
export function incompleteBundle(bundleDir: string, missing: string): InputError {
  return new InputError(`${bundleDir} is not a complete bundle (it lacks ${missing}): run build again (or verify)`)
}

/** `rel` under the bundle, which must be there: its full path, or incompleteBundle naming it. */
export async function bundlePathOf(bundleDir: string, rel: string): Promise<string> {
  const path = join(bundleDir, rel)
  try {
    await access(path)
  } catch {
    throw incompleteBundle(bundleDir, rel)
  }
  return path
}
