/**
 * Reading a zip from disk (a workflow artifact: @actions/artifact zips with archiver), streamed
 * entry by entry, never held in memory: the central directory (ZIP64 included, for artifacts
 * over 4 GiB) says where each entry's bytes are; stored entries are copied, deflated ones
 * inflated on the way to disk.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { createInflateRaw } from 'node:zlib'
import { InputError } from '../domain/errors.js'

export interface ZipEntry {
  name: string
  method: number
  compressedSize: number
  size: number
  localHeaderOffset: number
}

const EOCD = 0x06054b50
const ZIP64_LOCATOR = 0x07064b50
const ZIP64_EOCD = 0x06064b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50
const MAX32 = 0xffffffff

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  const { bytesRead } = await file.read(buffer, 0, length, position)
  return buffer.subarray(0, bytesRead)
}

export async function zipEntries(path: string): Promise<ZipEntry[]> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    const tailLength = Math.min(size, 65_557)
    const tail = await readAt(file, size - tailLength, tailLength)
    let at = -1
    for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD) { at = i; break }
    if (at < 0) throw new InputError(`${path}: not a zip file (no end of central directory)`)
    let count = tail.readUInt16LE(at + 10)
    let cdSize = tail.readUInt32LE(at + 12)
    let cdOffset = tail.readUInt32LE(at + 16)
    if (at >= 20 && tail.readUInt32LE(at - 20) === ZIP64_LOCATOR) {
      const record = await readAt(file, Number(tail.readBigUInt64LE(at - 20 + 8)), 56)
      if (record.readUInt32LE(0) !== ZIP64_EOCD) throw new InputError(`${path}: a broken ZIP64 end record`)
      count = Number(record.readBigUInt64LE(32))
      cdSize = Number(record.readBigUInt64LE(40))
      cdOffset = Number(record.readBigUInt64LE(48))
    }
    const cd = await readAt(file, cdOffset, cdSize)
    const entries: ZipEntry[] = []
    let p = 0
    for (let n = 0; n < count; n++) {
      if (cd.readUInt32LE(p) !== CENTRAL) throw new InputError(`${path}: a broken central directory (entry ${n + 1})`)
      const method = cd.readUInt16LE(p + 10)
      let compressedSize = cd.readUInt32LE(p + 20)
      let uncompressed = cd.readUInt32LE(p + 24)
      const nameLength = cd.readUInt16LE(p + 28)
      const extraLength = cd.readUInt16LE(p + 30)
      const commentLength = cd.readUInt16LE(p + 32)
      let localHeaderOffset = cd.readUInt32LE(p + 42)
      const name = cd.subarray(p + 46, p + 46 + nameLength).toString('utf8')
      // ZIP64 extra field: the 64-bit values, in order, of the fields that read 0xFFFFFFFF.
      const extra = cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength)
      for (let e = 0; e + 4 <= extra.length; e += 4 + extra.readUInt16LE(e + 2)) {
        if (extra.readUInt16LE(e) !== 0x0001) continue
        let q = e + 4
        if (uncompressed === MAX32) (uncompressed = Number(extra.readBigUInt64LE(q))), (q += 8)
        if (compressedSize === MAX32) (compressedSize = Number(extra.readBigUInt64LE(q))), (q += 8)
        if (localHeaderOffset === MAX32) localHeaderOffset = Number(extra.readBigUInt64LE(q))
      }
      entries.push({ name, method, compressedSize, size: uncompressed, localHeaderOffset })
      p += 46 + nameLength + extraLength + commentLength
    }
    return entries
  } finally {
    await file.close()
  }
}

/** Writes one entry's content to `target` (stored or deflated), checking its size. */
export async function extractZipEntry(path: string, entry: ZipEntry, target: string): Promise<void> {
  if (entry.method !== 0 && entry.method !== 8) throw new InputError(`${path}: ${entry.name} uses compression method ${entry.method} (only stored and deflated are read)`)
  const file = await open(path, 'r')
  let start: number
  try {
    const header = await readAt(file, entry.localHeaderOffset, 30)
    if (header.readUInt32LE(0) !== LOCAL) throw new InputError(`${path}: ${entry.name} has no local header where the directory says`)
    start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28)
  } finally {
    await file.close()
  }
  const out = createWriteStream(target, { flags: 'wx' })
  let written = 0
  if (!entry.compressedSize) {
    await new Promise<void>((resolve, reject) => out.on('error', reject).end(resolve))
    if (entry.size) throw new InputError(`${path}: ${entry.name} has no bytes but should unpack to ${entry.size}`)
    return
  }
  const source = createReadStream(path, { start, end: start + entry.compressedSize - 1, highWaterMark: 1 << 20 })
  const count = async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const c of chunks) {
      written += c.length
      yield c
    }
  }
  if (entry.method === 8) await pipeline(source, createInflateRaw(), count, out)
  else await pipeline(source, count, out)
  if (written !== entry.size) throw new InputError(`${path}: ${entry.name} unpacked to ${written} bytes, the zip says ${entry.size}`)
}
