/**
 * Extracting archives we did not make (a GitHub tarball, a downloaded bundle part) with the
 * `tar` package, refusing rather than skipping what could write outside the target: absolute
 * paths, `..` components, and symbolic or hard links whose target leads out. node-tar would
 * skip most of these with a warning; a skipped file is a silently incomplete tree, so any of
 * them fails the extraction, naming the entries.
 */
import { posix } from 'node:path'
import { x as extract, type ReadEntry } from 'tar'
import { InputError } from '../domain/errors.js'

export interface ExtractOptions {
  file: string
  cwd: string
  /** Leading path components to drop (1 for GitHub's `<repo>-<sha>/` top directory). */
  strip?: number
  /** Which entries (path after strip) to extract; all by default. */
  include?: (path: string) => boolean
}

/** Why an entry may not be extracted, or undefined when it is safe. */
export function unsafeEntry(path: string, type: string, linkpath: string | undefined, strip: number): string | undefined {
  const parts = path.replaceAll('\\', '/').split('/')
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return 'an absolute path'
  if (parts.includes('..')) return "a '..' component"
  if ((type === 'SymbolicLink' || type === 'Link') && linkpath !== undefined) {
    if (linkpath.startsWith('/')) return `a link to the absolute path ${linkpath}`
    const inside = parts.slice(strip).join('/')
    const target = type === 'Link' ? posix.normalize(linkpath.split('/').slice(strip).join('/')) : posix.normalize(posix.join(posix.dirname(inside), linkpath))
    if (target === '..' || target.startsWith('../')) return `a link that leads out (${linkpath})`
  }
  return undefined
}

export async function extractSafely(options: ExtractOptions): Promise<number> {
  const strip = options.strip ?? 0
  const refused: string[] = []
  let extracted = 0
  await extract({
    file: options.file,
    cwd: options.cwd,
    strip,
    strict: true,
    filter: (path: string, entry: ReadEntry | import('node:fs').Stats) => {
      const e = entry as ReadEntry
      const why = unsafeEntry(path, e.type, e.linkpath, strip)
      if (why) {
        refused.push(`${path}: ${why}`)
        return false
      }
      const inside = path.split('/').slice(strip).join('/')
      if (!inside || (options.include && !options.include(inside))) return false
      extracted++
      return true
    }
  })
  if (refused.length) {
    throw new InputError(`${options.file}: refusing entries that would write outside ${options.cwd}:\n  ${refused.slice(0, 20).join('\n  ')}`)
  }
  return extracted
}
