/**
 * Reading a zip from disk (a workflow artifact: @actions/artifact zips with archiver), streamed
 * entry by entry, never held in memory: the central directory (ZIP64 included, for artifacts
 * over 4 GiB) says where each entry's bytes are; stored entries are copied, deflated ones
 * inflated on the way to disk.
 *
 * The zip comes from the network, so every number in it is a claim: each offset and size is
 * checked against the file's real size before anything is allocated or read, entries may not
 * share bytes (the overlapping zip bomb), and inflating stops at the size the directory declares.
 */
import { createReadStream } from 'node:fs'
import { open, rm, type FileHandle } from 'node:fs/promises'
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
const EOCD_LENGTH = 22
const LOCATOR_LENGTH = 20
const ZIP64_EOCD_LENGTH = 56
const CENTRAL_LENGTH = 46
const LOCAL_LENGTH = 30
// The directory is the one part held in memory. An artifact of this tool lists a few dozen
// parts (a few KiB); far beyond that is a hostile claim, not a bundle.
const MAX_DIRECTORY = 64 << 20
const HOSTILE = 'a truncated or hostile zip; download it again'

/** Reads exactly `length` bytes at `position`, which the caller has checked lie within the file. */
async function readAt(file: FileHandle, path: string, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  const { bytesRead } = await file.read(buffer, 0, length, position)
  if (bytesRead !== length) throw new InputError(`${path}: ${length} bytes at offset ${position} could not be read (got ${bytesRead}): the zip changed while being read; download it again`)
  return buffer
}

/** A 64-bit field as a number, refused past 2^53 (no real file is that large). */
function uint64(buffer: Buffer, at: number, path: string, what: string): number {
  const value = buffer.readBigUInt64LE(at)
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError(`${path}: ${what} claims ${value}, beyond any file: ${HOSTILE}`)
  return Number(value)
}

interface Directory {
  count: number
  offset: number
  size: number
  /** Where the directory must end: the ZIP64 end record, or the end record. */
  limit: number
}

/** The end of central directory record, searched from the end (it may be followed by a comment). */
async function findEndRecord(file: FileHandle, path: string, fileSize: number): Promise<{ record: Buffer; position: number }> {
  const tailLength = Math.min(fileSize, EOCD_LENGTH + 0xffff)
  const tailStart = fileSize - tailLength
  const tail = await readAt(file, path, tailStart, tailLength)
  for (let i = tail.length - EOCD_LENGTH; i >= 0; i--) {
    // A signature inside a comment is not the record: the real one's comment reaches the end.
    if (tail.readUInt32LE(i) === EOCD && i + EOCD_LENGTH + tail.readUInt16LE(i + 20) <= tail.length) {
      return { record: tail.subarray(i, i + EOCD_LENGTH), position: tailStart + i }
    }
  }
  throw new InputError(`${path}: not a zip file (no end of central directory record): ${HOSTILE}`)
}

async function readDirectoryLocation(file: FileHandle, path: string, fileSize: number): Promise<Directory> {
  const { record, position } = await findEndRecord(file, path, fileSize)
  const plain: Directory = { count: record.readUInt16LE(10), size: record.readUInt32LE(12), offset: record.readUInt32LE(16), limit: position }
  const locatorPosition = position - LOCATOR_LENGTH
  if (locatorPosition < 0) return plain
  const locator = await readAt(file, path, locatorPosition, LOCATOR_LENGTH)
  if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) return plain
  const recordOffset = uint64(locator, 8, path, 'the ZIP64 locator')
  if (recordOffset + ZIP64_EOCD_LENGTH > locatorPosition) {
    throw new InputError(`${path}: the ZIP64 locator points to offset ${recordOffset}, past the locator itself at ${locatorPosition} (${fileSize} bytes in all): ${HOSTILE}`)
  }
  const zip64 = await readAt(file, path, recordOffset, ZIP64_EOCD_LENGTH)
  if (zip64.readUInt32LE(0) !== ZIP64_EOCD) throw new InputError(`${path}: no ZIP64 end record at offset ${recordOffset} where the locator says: ${HOSTILE}`)
  return {
    count: uint64(zip64, 32, path, 'the ZIP64 entry count'),
    size: uint64(zip64, 40, path, 'the ZIP64 directory size'),
    offset: uint64(zip64, 48, path, 'the ZIP64 directory offset'),
    limit: recordOffset
  }
}

function checkDirectoryBounds(path: string, fileSize: number, d: Directory): void {
  if (d.offset + d.size > d.limit) {
    throw new InputError(`${path}: the central directory claims ${d.size} bytes at offset ${d.offset}, past its end record at ${d.limit} (the file has ${fileSize} bytes): ${HOSTILE}`)
  }
  if (d.size > MAX_DIRECTORY) throw new InputError(`${path}: the central directory claims ${d.size} bytes, more than the ${MAX_DIRECTORY} an artifact of this tool could need: ${HOSTILE}`)
  if (d.count * CENTRAL_LENGTH > d.size) {
    throw new InputError(`${path}: the zip claims ${d.count} entries, which cannot fit in its ${d.size}-byte central directory: ${HOSTILE}`)
  }
}

/** Names become paths on disk: nothing absolute, nothing climbing out, nothing the OS would cut short. */
function checkName(path: string, name: string): void {
  const bad =
    name === '' ? 'is empty'
    : name.includes('\0') ? 'holds a NUL byte'
    : /^([/\\]|[A-Za-z]:)/.test(name) ? 'is an absolute path'
    : name.split(/[/\\]/).includes('..') ? "climbs out with '..'"
    : undefined
  if (bad) throw new InputError(`${path}: entry '${name}' ${bad}: refusing to unpack it (a hostile zip)`)
}

/** The ZIP64 extra field: the 64-bit values, in order, of the fields that read 0xFFFFFFFF. */
function applyZip64Extra(path: string, name: string, extra: Buffer, entry: ZipEntry): void {
  const wanted = (['size', 'compressedSize', 'localHeaderOffset'] as const).filter((field) => entry[field] === MAX32)
  if (!wanted.length) return
  for (let e = 0; e + 4 <= extra.length; e += 4 + extra.readUInt16LE(e + 2)) {
    const dataLength = extra.readUInt16LE(e + 2)
    if (extra.readUInt16LE(e) !== 0x0001) continue
    if (e + 4 + dataLength > extra.length || dataLength < 8 * wanted.length) break
    wanted.forEach((field, i) => (entry[field] = uint64(extra, e + 4 + 8 * i, path, `entry '${name}' (${field})`)))
    return
  }
  throw new InputError(`${path}: entry '${name}' has 0xFFFFFFFF for ${wanted.join(', ')} but no ZIP64 extra field holding the real values: ${HOSTILE}`)
}

function parseDirectory(path: string, d: Directory, cd: Buffer): ZipEntry[] {
  const entries: ZipEntry[] = []
  let p = 0
  for (let n = 0; n < d.count; n++) {
    if (p + CENTRAL_LENGTH > cd.length || cd.readUInt32LE(p) !== CENTRAL) {
      throw new InputError(`${path}: the central directory has no header for entry ${n + 1} of ${d.count} at byte ${p} of ${cd.length}: ${HOSTILE}`)
    }
    const nameLength = cd.readUInt16LE(p + 28)
    const extraEnd = p + CENTRAL_LENGTH + nameLength + cd.readUInt16LE(p + 30)
    const end = extraEnd + cd.readUInt16LE(p + 32)
    const name = cd.subarray(p + CENTRAL_LENGTH, Math.min(cd.length, p + CENTRAL_LENGTH + nameLength)).toString('utf8')
    if (end > cd.length) throw new InputError(`${path}: entry '${name}' (${n + 1} of ${d.count}) runs past the end of the ${cd.length}-byte central directory: ${HOSTILE}`)
    checkName(path, name)
    const entry: ZipEntry = { name, method: cd.readUInt16LE(p + 10), compressedSize: cd.readUInt32LE(p + 20), size: cd.readUInt32LE(p + 24), localHeaderOffset: cd.readUInt32LE(p + 42) }
    applyZip64Extra(path, name, cd.subarray(p + CENTRAL_LENGTH + nameLength, extraEnd), entry)
    entries.push(entry)
    p = end
  }
  if (p !== cd.length) throw new InputError(`${path}: the central directory holds ${cd.length - p} bytes past its ${d.count} entries: ${HOSTILE}`)
  return entries
}

/**
 * Where an entry's data starts, from its local header, checked to lie (header, name, extra and
 * data) within `limit`: the central directory for zipEntries, the file's end for a lone extract.
 */
async function locateData(file: FileHandle, path: string, entry: ZipEntry, limit: number, fileSize: number): Promise<number> {
  const past = (bytes: number) =>
    new InputError(`${path}: entry '${entry.name}' claims ${bytes} bytes at offset ${entry.localHeaderOffset}, past the end of the entries' data (${limit} of ${fileSize} bytes): ${HOSTILE}`)
  if (entry.localHeaderOffset + LOCAL_LENGTH > limit) throw past(LOCAL_LENGTH)
  const header = await readAt(file, path, entry.localHeaderOffset, LOCAL_LENGTH)
  if (header.readUInt32LE(0) !== LOCAL) throw new InputError(`${path}: entry '${entry.name}' has no local header at offset ${entry.localHeaderOffset} where the directory says: ${HOSTILE}`)
  const start = entry.localHeaderOffset + LOCAL_LENGTH + header.readUInt16LE(26) + header.readUInt16LE(28)
  if (start + entry.compressedSize > limit) throw past(start + entry.compressedSize - entry.localHeaderOffset)
  return start
}

/** Two entries reading the same bytes is how a few KB unpack to terabytes: refused. */
function refuseOverlaps(path: string, spans: { entry: ZipEntry; end: number }[]): void {
  const sorted = [...spans].sort((a, b) => a.entry.localHeaderOffset - b.entry.localHeaderOffset)
  for (let i = 1; i < sorted.length; i++) {
    const [before, after] = [sorted[i - 1], sorted[i]]
    if (after.entry.localHeaderOffset < before.end) {
      throw new InputError(
        `${path}: entries '${before.entry.name}' (bytes ${before.entry.localHeaderOffset}-${before.end - 1}) and '${after.entry.name}' (from byte ${after.entry.localHeaderOffset}) overlap: an overlapping zip bomb or a corrupt zip; download it again`
      )
    }
  }
}

export async function zipEntries(path: string): Promise<ZipEntry[]> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    const directory = await readDirectoryLocation(file, path, size)
    checkDirectoryBounds(path, size, directory)
    const entries = parseDirectory(path, directory, await readAt(file, path, directory.offset, directory.size))
    const spans = []
    for (const entry of entries) spans.push({ entry, end: (await locateData(file, path, entry, directory.offset, size)) + entry.compressedSize })
    refuseOverlaps(path, spans)
    return entries
  } finally {
    await file.close()
  }
}

/**
 * Passes the entry's bytes on while they stay within its declared size: a deflate bomb is cut off
 * at the first chunk past it, so no more than the declared size ever reaches the disk.
 */
function declaredSizeLimit(path: string, entry: ZipEntry, count: { written: number }) {
  return async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const c of chunks) {
      if (count.written + c.length > entry.size) {
        throw new InputError(`${path}: entry '${entry.name}' unpacks to more than the ${entry.size} bytes the zip declares: a zip bomb or a corrupt zip; download it again`)
      }
      count.written += c.length
      yield c
    }
  }
}

/** Writes one entry's content to `target` (stored or deflated), checking its size; on failure `target` is removed. */
export async function extractZipEntry(path: string, entry: ZipEntry, target: string): Promise<void> {
  checkName(path, entry.name)
  if (entry.method !== 0 && entry.method !== 8) throw new InputError(`${path}: ${entry.name} uses compression method ${entry.method} (only stored and deflated are read)`)
  if (entry.method === 0 && entry.compressedSize !== entry.size) {
    throw new InputError(`${path}: entry '${entry.name}' is stored (not compressed) yet claims ${entry.compressedSize} bytes packed and ${entry.size} unpacked: ${HOSTILE}`)
  }
  let start: number
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    start = await locateData(file, path, entry, size, size)
  } finally {
    await file.close()
  }
  const out = await open(target, 'wx')
  const count = { written: 0 }
  try {
    if (entry.compressedSize) {
      const source = createReadStream(path, { start, end: start + entry.compressedSize - 1, highWaterMark: 1 << 20 })
      const limit = declaredSizeLimit(path, entry, count)
      const sink = out.createWriteStream()
      if (entry.method === 8) await pipeline(source, createInflateRaw(), limit, sink).catch(inflateError(path, entry))
      else await pipeline(source, limit, sink)
    } else await out.close()
    if (count.written !== entry.size) throw new InputError(`${path}: entry '${entry.name}' unpacked to ${count.written} bytes, the zip says ${entry.size}: ${HOSTILE}`)
  } catch (error) {
    await out.close().catch(() => undefined)
    await rm(target, { force: true })
    throw error
  }
}

/** zlib's own errors (a cut-off or garbled stream) said in terms of the zip and the entry. */
function inflateError(path: string, entry: ZipEntry) {
  return (error: Error & { code?: string }): never => {
    if (error.code?.startsWith('Z_')) throw new InputError(`${path}: entry '${entry.name}' does not inflate (${error.message}): ${HOSTILE}`)
    throw error
  }
}
