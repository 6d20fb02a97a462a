/**
 * The paths a command is given, checked before it does any work, so a bad one fails at once in
 * one line naming the flag and the path, instead of deep in a job (or never: Node's recursive
 * mkdir spins at 100 % CPU under /proc):
 *   - an output directory is a directory a file can be created in, or can be created (its
 *     first missing component is created and removed: never a recursive mkdir);
 *   - an output file's directory likewise, and the file is not a directory;
 *   - an input directory exists and is a directory.
 * Symbolic links in the path the user gave are followed: where it points is their choice.
 */
import type { Stats } from 'node:fs'
import { mkdir, open, rmdir, stat, unlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { InputError } from '../domain/errors.js'

/** "ENOENT: no such file or directory" from Node's "ENOENT: no such file or directory, mkdir '/proc/x'". */
function reason(e: NodeJS.ErrnoException): string {
  return e.message.split(', ')[0]
}

const isMissing = (e: NodeJS.ErrnoException): boolean => e.code === 'ENOENT' || e.code === 'ENOTDIR'

/** What a non-directory is, for the message. */
function kindOf(info: Stats): string {
  return info.isFile() ? 'a file' : info.isSocket() ? 'a socket' : info.isFIFO() ? 'a FIFO' : info.isCharacterDevice() || info.isBlockDevice() ? 'a device' : 'a special file'
}

/**
 * Checks that `dir` is a directory or can be made one, without leaving anything behind (a run
 * that fails later writes nothing): each existing component must be a directory, and the first
 * missing one is created and removed again, which is the step that fails where creating fails
 * (/proc, a read-only file system, no permission). Below it, the run creates in a directory of
 * its own. `label` opens every message ("--out /proc/x"); `named` when `dir` is the path the
 * label names (not an output file's directory). Returns whether `dir` exists.
 */
async function checkCreatable(label: string, dir: string, named: boolean): Promise<boolean> {
  let firstMissing: string | undefined
  for (let current = dir; ; current = dirname(current)) {
    const info = await stat(current).catch((e: NodeJS.ErrnoException) => {
      if (isMissing(e)) return undefined
      throw new InputError(`${label}: cannot reach ${current} (${reason(e)})`)
    })
    if (info?.isDirectory()) break
    if (info) {
      const what = `${kindOf(info)}, not a directory`
      if (current !== dir) throw new InputError(`${label}: cannot create ${dir}: ${current} is ${what}`)
      throw new InputError(named ? `${label}: is ${what}` : `${label}: ${dir} is ${what}`)
    }
    firstMissing = current
    if (dirname(current) === current) break
  }
  if (!firstMissing) return true
  const created = await mkdir(firstMissing).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      // Made by someone else in between: creatable, and theirs to keep.
      if (e.code === 'EEXIST') return false
      throw new InputError(`${label}: cannot create ${firstMissing} (${reason(e)})`)
    }
  )
  if (created) await rmdir(firstMissing).catch(() => undefined)
  return false
}

/** Creates and removes a file in `dir`: the only sure test of writing there (root passes access(W_OK) even on /proc). */
async function checkWritable(label: string, dir: string): Promise<void> {
  const probe = join(dir, `.kubespray-bundle-write-test.${process.pid}`)
  try {
    await (await open(probe, 'wx')).close()
  } catch (e) {
    throw new InputError(`${label}: cannot write in ${dir} (${reason(e as NodeJS.ErrnoException)})`)
  }
  await unlink(probe).catch(() => undefined)
}

/**
 * An output directory (`--out DIR`, a bundle directory to write): a writable directory, or one
 * that can be created. Nothing is left behind; the run creates it. Returns its absolute path.
 */
export async function checkOutDir(flag: string, path: string): Promise<string> {
  const label = `${flag} ${path}`
  const dir = resolve(path)
  if (await checkCreatable(label, dir, true)) await checkWritable(label, dir)
  return dir
}

/**
 * An output file (`--out FILE`): not a directory, in a writable directory or one that can be
 * created. `example` is a file name to suggest when a directory is given. Returns its absolute path.
 */
export async function checkOutFile(flag: string, path: string, example: string): Promise<string> {
  const label = `${flag} ${path}`
  const file = resolve(path)
  const info = await stat(file).catch(() => undefined)
  if (info?.isDirectory()) throw new InputError(`${label}: is a directory; give the file to write, such as ${join(path, example)}`)
  if (await checkCreatable(label, dirname(file), false)) await checkWritable(label, dirname(file))
  return file
}

/** An input directory (`--bundle DIR`): exists and is a directory. Nothing is created. */
export async function requireDir(flag: string, path: string): Promise<string> {
  const label = `${flag} ${path}`
  const dir = resolve(path)
  const info = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    throw new InputError(isMissing(e) ? `${label}: no such directory` : `${label}: cannot read it (${reason(e)})`)
  })
  if (!info.isDirectory()) throw new InputError(`${label}: is ${kindOf(info)}, not a directory`)
  return dir
}
