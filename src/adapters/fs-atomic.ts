/**
 * Writes that never leave a truncated file where a finished one is expected, and never follow
 * a symlink planted in an output directory (caches are restored into it from elsewhere, and
 * self-hosted runners share machines):
 *   - directories below an output root are created one component at a time, and a component
 *     that is a symlink (or not a directory) is refused;
 *   - temp files are created with O_EXCL, so a link planted at a temp name is never followed;
 *   - rename() replaces a link at the final name instead of writing through it.
 */
import { closeSync, constants, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'

let tempCounter = 0

/**
 * A temp path in `dir` (by default beside `target`, so rename is atomic), hidden and unique:
 * the pid tells live processes apart, the counter this process's own temps. (No random
 * bytes: loading node:crypto would cost `lists` a noticeable part of its start-up.)
 */
export function tempPathFor(target: string, dir = dirname(target)): string {
  return join(dir, `.${basename(target)}.${process.pid}.${(tempCounter++).toString(36)}.tmp`)
}

export class UnsafePathError extends Error {
  constructor(path: string, what: string) {
    super(`${path} is ${what}; refusing to write through it (remove it, or choose another output directory)`)
    this.name = 'UnsafePathError'
  }
}

/**
 * Makes `root/rel` a directory, component by component below `root` (the root itself is the
 * user's choice and may be a link). Returns its absolute path.
 */
export async function ensureDirUnder(root: string, rel: string): Promise<string> {
  const base = resolve(root)
  const target = resolve(base, rel)
  const path = relative(base, target)
  if (path.startsWith('..') || isAbsolute(path)) throw new UnsafePathError(target, `outside ${base}`)
  await mkdir(base, { recursive: true })
  let current = base
  for (const part of path.split(sep).filter(Boolean)) {
    current = join(current, part)
    const info = await lstat(current).catch(() => undefined)
    if (!info) {
      await mkdir(current).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e
      })
      const made = await lstat(current)
      if (!made.isDirectory()) throw new UnsafePathError(current, made.isSymbolicLink() ? 'a symbolic link' : 'not a directory')
    } else if (info.isSymbolicLink()) throw new UnsafePathError(current, 'a symbolic link')
    else if (!info.isDirectory()) throw new UnsafePathError(current, 'not a directory')
  }
  return target
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0
/** A new file, never through a link at its path; an existing one, likewise. */
const CREATE_EXCLUSIVE = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | NOFOLLOW
const OPEN_EXISTING = constants.O_RDWR | NOFOLLOW

/** Creates a new file (read-write); fails rather than open anything already at `path`. */
export function createExclusive(path: string, mode = 0o644): ReturnType<typeof open> {
  return open(path, CREATE_EXCLUSIVE, mode)
}

/**
 * createExclusive as a bare descriptor, synchronously: for the download path, where a new part
 * per blob through the thread pool cost the main thread more (waking a worker) than the open.
 */
export function createExclusiveFd(path: string, mode = 0o644): number {
  return openSync(path, CREATE_EXCLUSIVE, mode)
}

/** openExisting as a bare descriptor, synchronously (see createExclusiveFd). */
export function openExistingFd(path: string): number {
  return openSync(path, OPEN_EXISTING)
}

/** Opens an existing regular file read-write, never through a link. */
export function openExisting(path: string): ReturnType<typeof open> {
  return open(path, OPEN_EXISTING)
}

/**
 * Up to this size a write is done on the calling thread: each async step (open, write, close,
 * rename) is a round trip through libuv's thread pool, a worker woken and the loop woken back,
 * which costs the main thread more than the syscall. A pull writes a manifest per image this way.
 */
const SYNC_WRITE_LIMIT = 256 << 10

/**
 * Writes `target` through a temp file and a rename. The directory must exist (ensureDirUnder);
 * `tempDir` (same file system) keeps temp files out of directories others read, e.g. blobs/.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, tempDir?: string): Promise<void> {
  const temp = tempPathFor(target, tempDir)
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  if (bytes.length <= SYNC_WRITE_LIMIT) return writeSmallFileAtomic(target, temp, bytes)
  try {
    const file = await createExclusive(temp)
    try {
      await file.writeFile(bytes)
    } finally {
      await file.close()
    }
    await rename(temp, target)
  } catch (e) {
    await rm(temp, { force: true })
    throw e
  }
}

function writeSmallFileAtomic(target: string, temp: string, bytes: Uint8Array): void {
  try {
    const fd = createExclusiveFd(temp)
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, target)
  } catch (e) {
    rmSync(temp, { force: true })
    throw e
  }
}

/** A regular file at `path` (not a link, not a directory), or undefined. */
export async function regularFile(path: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  const info = await lstat(path).catch(() => undefined)
  return info?.isFile() ? info : undefined
}
