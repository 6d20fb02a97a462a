/** A directory's files and their sha256, for comparing a rebuilt bundle with the one published. */
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, type Dirent } from 'node:fs'
import { join, relative } from 'node:path'

/** path → sha256 of every file under dir, the tool's state (.kubespray-bundle/) left out. */
export function bundleTree(dir: string): Record<string, string> {
  return Object.fromEntries(
    (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .filter((p) => !p.startsWith('.kubespray-bundle'))
      .sort()
      .map((p) => [p, createHash('sha256').update(readFileSync(join(dir, p))).digest('hex')])
  )
}
