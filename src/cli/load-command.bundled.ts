/**
 * Loads dist/commands/<name>.cjs with a V8 code cache, as Node 22's module.enableCompileCache()
 * does for its own loaders (Node 20, which this tool still supports, has none). Compiling the
 * command cold is a sixth of a `lists` run; with the cache, V8 reuses the bytecode of every
 * function the previous run compiled. The cache is only an optimisation: any I/O error is
 * ignored, and NODE_DISABLE_COMPILE_CACHE (Node's own switch) turns it off.
 *
 * Cached bytecode is code we run, and V8 checks little more than the source's length, so:
 *   - the cache lives in this user's cache directory ($XDG_CACHE_HOME or ~/.cache), or in a
 *     per-uid directory of the temp directory; a directory we did not create is used only if
 *     it is a real directory, owned by this user and writable by no one else;
 *   - entries are keyed by a sha256 of the source, so another version's bytecode never loads;
 *   - entries are written through O_EXCL temp files and a rename, never through a link.
 */
import { createHash } from 'node:crypto'
import { createRequire, wrap } from 'node:module'
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { homedir, tmpdir, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'
import type { Command } from './command.js'

const NOFOLLOW = constants.O_NOFOLLOW ?? 0

/** Ours alone: a real directory (not a link), owned by this user, writable by nobody else. */
function ownedPrivateDirectory(path: string): boolean {
  try {
    const info = lstatSync(path)
    const uid = process.getuid?.()
    return info.isDirectory() && (uid === undefined || info.uid === uid) && (info.mode & 0o022) === 0
  } catch {
    return false
  }
}

function cacheDirectory(): string | undefined {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined
  const candidates: string[] = []
  try {
    const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
    candidates.push(join(base, 'kubespray-bundle', 'v8'))
  } catch {
    // No home directory: the temp directory below.
  }
  try {
    candidates.push(join(tmpdir(), `kubespray-bundle-compile-cache-${userInfo().uid}`))
  } catch {
    // No user: no cache.
  }
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 })
    } catch {
      continue
    }
    // Whether we made it or found it, it must be ours alone (a planted one is refused).
    if (ownedPrivateDirectory(dir)) return dir
  }
  return undefined
}

function readCache(path: string | undefined): Buffer | undefined {
  if (!path) return undefined
  try {
    const fd = openSync(path, constants.O_RDONLY | NOFOLLOW)
    try {
      return readFileSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    return undefined
  }
}

function writeCache(dir: string, name: string, file: string, data: Buffer): void {
  const path = join(dir, file)
  const temp = `${path}.${process.pid}.tmp`
  try {
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600)
    try {
      writeSync(fd, data)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, path)
    // Entries of other builds of this command are dead weight.
    for (const other of readdirSync(dir)) if (other.startsWith(`${name}-`) && other !== file) rmSync(join(dir, other), { force: true })
  } catch {
    // A read-only or full cache directory only costs the next run its head start.
    rmSync(temp, { force: true })
  }
}

export async function loadCommand(name: string): Promise<Command> {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'commands', `${name}.cjs`)
  const source = readFileSync(file, 'utf8')
  const dir = cacheDirectory()
  const entry = dir && `${name}-${process.versions.v8}-${createHash('sha256').update(source).digest('hex').slice(0, 32)}.bin`
  const cached = readCache(dir && entry ? join(dir, entry) : undefined)
  const script = new Script(wrap(source), { filename: file, cachedData: cached })
  const module = { exports: {} as Command }
  const init = script.runInThisContext() as (...args: unknown[]) => void
  init.call(module.exports, module.exports, createRequire(file), module, file, dirname(file))
  if (dir && entry && (!cached || script.cachedDataRejected)) {
    // Written when the process ends, so the cache holds every function this run compiled; only
    // after a run that succeeded, since a failed one compiles a fraction and the entry stays.
    process.once('beforeExit', () => {
      if (!process.exitCode) writeCache(dir, name, entry, script.createCachedData())
    })
  }
  return module.exports
}
