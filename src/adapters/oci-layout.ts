/**
 * One OCI image layout on disk (oci-layout, index.json, blobs/sha256/<hex>) shared by every
 * image, so a blob used by many images is stored once. A blob reaches its final path only
 * after its digest and size verified (temp file + rename), so a blob that is there is good and
 * a re-run skips it. index.json is replaced atomically.
 *
 * The layout sits in an output directory DIR (DIR/images). Temp files and resumable parts go
 * to DIR/.kubespray-bundle/tmp/<layout>, never into blobs/, where a cache or a copy of the
 * layout would pick them up; the lock of a writing run is DIR/.kubespray-bundle/<layout>.lock.
 */
import { createHash } from 'node:crypto'
import { closeSync, constants, createReadStream, lstatSync, openSync, readFileSync, renameSync } from 'node:fs'
import { readdir, readFile, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { createExclusive, ensureDirUnder, regularFile, writeFileAtomic } from './fs-atomic.js'
import { InputError } from '../domain/errors.js'
import { isIndex, type Descriptor, type ImageIndex, type ImageManifest } from '../domain/images/media-types.js'
import { SOURCE_DIGEST, UPSTREAM_INDEX } from '../domain/images/layout-index.js'

export class DigestMismatchError extends Error {
  constructor(what: string, expected: string, got: string) {
    super(`${what}: digest mismatch: expected ${expected}, got ${got}`)
    this.name = 'DigestMismatchError'
  }
}

export const sha256Digest = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

const READ_NOFOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)
const OCI_LAYOUT_MARKER = '{"imageLayoutVersion":"1.0.0"}'

export class OciLayout {
  /** The output directory the layout sits in (its parent). */
  private readonly root: string
  private readonly tempDir: string
  private readonly lockPath: string

  constructor(readonly dir: string) {
    this.root = dirname(dir)
    this.tempDir = join(this.root, '.kubespray-bundle', 'tmp', basename(dir))
    this.lockPath = join(this.root, '.kubespray-bundle', `${basename(dir)}.lock`)
  }

  async init(): Promise<void> {
    await ensureDirUnder(this.root, join(basename(this.dir), 'blobs', 'sha256'))
    await ensureDirUnder(this.root, join('.kubespray-bundle', 'tmp', basename(this.dir)))
    // Rewritten unless it holds exactly our marker: a restored cache's copy is not believed.
    const marker = join(this.dir, 'oci-layout')
    const current = (await regularFile(marker)) ? await readFile(marker, { encoding: 'utf8', flag: READ_NOFOLLOW }).catch(() => '') : ''
    if (current !== OCI_LAYOUT_MARKER) await writeFileAtomic(marker, OCI_LAYOUT_MARKER, this.tempDir)
  }

  /**
   * Holds the layout for one writing run: a second run on the same layout fails at once, by
   * name, instead of interleaving index.json writes. A lock left by a process that is gone
   * (on this host) is taken over.
   */
  async lock(): Promise<() => Promise<void>> {
    const mine = JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() })
    for (let attempt = 0; ; attempt++) {
      try {
        const file = await createExclusive(this.lockPath)
        await file.writeFile(mine)
        await file.close()
        return () => rm(this.lockPath, { force: true })
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e
        const holder = await this.lockHolder()
        if (holder && (holder.host !== hostname() || processAlive(holder.pid))) {
          throw new InputError(
            `${this.dir} is being written by another kubespray-bundle run (pid ${holder.pid} on ${holder.host}, since ${holder.started}); ` +
              `wait for it to finish, or remove ${this.lockPath} if that run is gone`
          )
        }
        await rm(this.lockPath, { force: true })
      }
    }
  }

  private async lockHolder(): Promise<{ pid: number; host: string; started: string } | undefined> {
    try {
      const holder = JSON.parse(await readFile(this.lockPath, { encoding: 'utf8', flag: READ_NOFOLLOW })) as { pid: number; host: string; started: string }
      return Number.isInteger(holder.pid) ? holder : undefined
    } catch {
      return undefined
    }
  }

  blobPath(digest: string): string {
    const [algorithm, hex] = digest.split(':')
    if (algorithm !== 'sha256' || !/^[a-f0-9]{64}$/.test(hex ?? '')) throw new Error(`unsupported digest '${digest}' (only sha256)`)
    return join(this.dir, 'blobs', 'sha256', hex)
  }

  /** A blob is there when a regular file of the right size is (a link planted there is not). */
  async has(digest: string, size: number): Promise<boolean> {
    // Synchronous: asked once per blob on the download path, where a thread-pool round trip
    // cost the main thread more than the lstat itself.
    const info = lstatSync(this.blobPath(digest), { throwIfNoEntry: false })
    return info?.isFile() === true && info.size === size
  }

  async readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest), { flag: READ_NOFOLLOW })
  }

  /** Callers check has() first, which refuses a link at the blob's path. */
  openBlob(digest: string): Readable {
    return createReadStream(this.blobPath(digest), { highWaterMark: 1 << 20 })
  }

  /** Stores a small blob (a manifest) held in memory, after checking its digest. */
  async putBytes(digest: string, bytes: Buffer, what: string): Promise<void> {
    const got = sha256Digest(bytes)
    if (got !== digest) throw new DigestMismatchError(what, digest, got)
    if (await this.has(digest, bytes.length)) return
    await writeFileAtomic(this.blobPath(digest), bytes, this.tempDir)
  }

  /** Where a blob is assembled (from ranged segments, for a big one) before it verifies (outside blobs/). */
  partPathFor(digest: string): string {
    return join(this.tempDir, `${basename(this.blobPath(digest))}.part`)
  }

  /** Puts an assembled part file in place if its size and digest (hashed while it arrived) are right. */
  async adoptPart(descriptor: Pick<Descriptor, 'digest' | 'size'>, partPath: string, size: number, sha256Hex: string, what: string): Promise<void> {
    const got = `sha256:${sha256Hex}`
    if (size !== descriptor.size) throw new Error(`${what}: got ${size} bytes, its descriptor gives ${descriptor.size}`)
    if (got !== descriptor.digest) throw new DigestMismatchError(what, descriptor.digest, got)
    renameSync(partPath, this.blobPath(descriptor.digest))
  }

  async readIndex(): Promise<ImageIndex> {
    try {
      const index = JSON.parse(await readFile(join(this.dir, 'index.json'), { encoding: 'utf8', flag: READ_NOFOLLOW })) as ImageIndex
      return { schemaVersion: 2, mediaType: index.mediaType, manifests: Array.isArray(index.manifests) ? index.manifests : [] }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 2, manifests: [] }
      throw new InputError(`${join(this.dir, 'index.json')}: not a readable OCI index (${(e as Error).message}); remove it to start the layout afresh`)
    }
  }

  async writeIndex(index: ImageIndex): Promise<void> {
    await writeFileAtomic(join(this.dir, 'index.json'), JSON.stringify(index), this.tempDir)
  }

  /**
   * Every blob the index reaches: entries, the children of indexes, configs and layers, and
   * the registry's original bytes an entry was converted from (SOURCE_DIGEST). The manifests
   * are read synchronously: a hundred small reads, one after another, each through the thread
   * pool took ~0.1 s at the end of every `images` run, with nothing else left to do.
   */
  reachable(entries: readonly Descriptor[]): Set<string> {
    const seen = new Set<string>()
    const visit = (d: Pick<Descriptor, 'digest' | 'mediaType' | 'annotations'>): void => {
      if (seen.has(d.digest)) return
      seen.add(d.digest)
      const source = d.annotations?.[SOURCE_DIGEST]
      if (source) visit({ digest: source, mediaType: '' })
      // The upstream index of a platform subset is kept, not walked: most of its children are absent by design.
      const upstream = d.annotations?.[UPSTREAM_INDEX]
      if (upstream) seen.add(upstream)
      const bytes = this.readBlobIfThere(d.digest)
      if (!bytes) return
      let parsed: Partial<ImageIndex & ImageManifest>
      try {
        parsed = JSON.parse(bytes.toString('utf8')) as Partial<ImageIndex & ImageManifest>
      } catch {
        return
      }
      const mediaType = d.mediaType || parsed.mediaType || ''
      if (isIndex(mediaType) || Array.isArray(parsed.manifests)) for (const child of parsed.manifests ?? []) visit(child)
      else for (const blob of [parsed.config, ...(parsed.layers ?? [])]) if (blob?.digest) seen.add(blob.digest)
    }
    for (const entry of entries) visit(entry)
    return seen
  }

  private readBlobIfThere(digest: string): Buffer | undefined {
    let fd: number
    try {
      fd = openSync(this.blobPath(digest), READ_NOFOLLOW)
    } catch {
      return undefined
    }
    try {
      return readFileSync(fd)
    } catch {
      return undefined
    } finally {
      closeSync(fd)
    }
  }

  /** Removes every blob the index no longer reaches, and leftover temp files; returns what it freed. */
  async collectGarbage(entries: readonly Descriptor[]): Promise<{ blobs: number; bytes: number }> {
    const keep = new Set([...this.reachable(entries)].map((d) => d.slice('sha256:'.length)))
    const dir = join(this.dir, 'blobs', 'sha256')
    let blobs = 0
    let bytes = 0
    for (const name of await readdir(dir)) {
      if (keep.has(name)) continue
      const info = await regularFile(join(dir, name))
      await rm(join(dir, name), { force: true, recursive: true })
      blobs++
      bytes += info?.size ?? 0
    }
    for (const name of await readdir(this.tempDir).catch(() => [])) await rm(join(this.tempDir, name), { force: true, recursive: true })
    return { blobs, bytes }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
