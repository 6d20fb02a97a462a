/** Writes that never leave a truncated file where a finished one is expected. */
import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** A temp path beside `target` (same directory, so rename is atomic), hidden and unique. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
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
