/**
 * One OCI image layout on disk (oci-layout, index.json, blobs/sha256/<hex>) shared by every
 * image, so a blob used by many images is stored once. A blob reaches its final path only
 * after its digest and size verified (temp file + rename), so a blob that is there is good and
 * a re-run skips it. index.json is replaced atomically.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform, type Readable } from 'node:stream'
import { writeFileAtomic, tempPathFor } from './fs-atomic.js'
import type { Descriptor, ImageIndex } from '../domain/images/media-types.js'

export class DigestMismatchError extends Error {
  constructor(what: string, expected: string, got: string) {
    super(`${what}: digest mismatch: expected ${expected}, got ${got}`)
    this.name = 'DigestMismatchError'
  }
}

export const sha256Digest = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

export class OciLayout {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true })
    const marker = join(this.dir, 'oci-layout')
    if (!(await stat(marker).catch(() => undefined))) await writeFileAtomic(marker, '{"imageLayoutVersion":"1.0.0"}')
  }

  blobPath(digest: string): string {
    const [algorithm, hex] = digest.split(':')
    if (algorithm !== 'sha256' || !/^[a-f0-9]{64}$/.test(hex ?? '')) throw new Error(`unsupported digest '${digest}' (only sha256)`)
    return join(this.dir, 'blobs', 'sha256', hex)
  }

  async has(digest: string, size: number): Promise<boolean> {
    const info = await stat(this.blobPath(digest)).catch(() => undefined)
    return info?.isFile() === true && info.size === size
  }

  async readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest))
  }

  openBlob(digest: string): Readable {
    return createReadStream(this.blobPath(digest), { highWaterMark: 1 << 20 })
  }

  /** Stores a small blob (a manifest) held in memory, after checking its digest. */
  async putBytes(digest: string, bytes: Buffer, what: string): Promise<void> {
    const got = sha256Digest(bytes)
    if (got !== digest) throw new DigestMismatchError(what, digest, got)
    if (await this.has(digest, bytes.length)) return
    await writeFileAtomic(this.blobPath(digest), bytes)
  }

  /** Streams a blob to disk, hashing and counting as it goes; renamed into place only if it verifies. */
  async putStream(descriptor: Pick<Descriptor, 'digest' | 'size'>, body: Readable, what: string, onBytes: (n: number) => void): Promise<void> {
    const target = this.blobPath(descriptor.digest)
    const temp = tempPathFor(target)
    const hash = createHash('sha256')
    let size = 0
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        size += chunk.length
        onBytes(chunk.length)
        if (size > descriptor.size) done(new Error(`${what}: more than the ${descriptor.size} bytes its descriptor gives`))
        else done(null, chunk)
      }
    })
    try {
      await pipeline(body, meter, createWriteStream(temp))
      if (size !== descriptor.size) throw new Error(`${what}: got ${size} bytes, its descriptor gives ${descriptor.size}`)
      const got = `sha256:${hash.digest('hex')}`
      if (got !== descriptor.digest) throw new DigestMismatchError(what, descriptor.digest, got)
      await rename(temp, target)
    } catch (e) {
      await rm(temp, { force: true })
      throw e
    }
  }

  /** Where a big blob is assembled from ranged segments before it verifies (hidden, beside the blobs). */
  partPathFor(digest: string): string {
    const path = this.blobPath(digest)
    return join(dirname(path), `.${basename(path)}.part`)
  }

  /** Puts an assembled part file in place if its size and digest (hashed while it arrived) are right. */
  async adoptPart(descriptor: Pick<Descriptor, 'digest' | 'size'>, partPath: string, size: number, sha256Hex: string, what: string): Promise<void> {
    const got = `sha256:${sha256Hex}`
    if (size !== descriptor.size) throw new Error(`${what}: got ${size} bytes, its descriptor gives ${descriptor.size}`)
    if (got !== descriptor.digest) throw new DigestMismatchError(what, descriptor.digest, got)
    await rename(partPath, this.blobPath(descriptor.digest))
  }

  async readIndex(): Promise<ImageIndex> {
    try {
      const index = JSON.parse(await readFile(join(this.dir, 'index.json'), 'utf8')) as ImageIndex
      return { schemaVersion: 2, mediaType: index.mediaType, manifests: Array.isArray(index.manifests) ? index.manifests : [] }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 2, manifests: [] }
      throw new Error(`${join(this.dir, 'index.json')}: not a readable OCI index (${(e as Error).message})`)
    }
  }

  async writeIndex(index: ImageIndex): Promise<void> {
    await writeFileAtomic(join(this.dir, 'index.json'), JSON.stringify(index))
  }
}
