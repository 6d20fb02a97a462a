/** Writes that never leave a truncated file where a finished one is expected. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

let tempCounter = 0

/**
 * A temp path beside `target` (same directory, so rename is atomic), hidden and unique:
 * the pid tells live processes apart, the counter this process's own temps. (No random
 * bytes: loading node:crypto would cost `lists` a noticeable part of its start-up.)
 */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${(tempCounter++).toString(36)}.tmp`)
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(target), { recursive: true })
  const temp = tempPathFor(target)
  try {
    await writeFile(temp, data)
    await rename(temp, target)
  } catch (e) {
    await rm(temp, { force: true })
    throw e
  }
}
