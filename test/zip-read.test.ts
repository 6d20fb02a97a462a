/**
 * The artifact zip reader against zips written byte by byte here (valid, then with one header
 * field corrupted), and against zips from archiver, the writer @actions/artifact uses. The
 * hostile cases that could exhaust memory or disk run in a child process, so their peak RSS
 * (and time) is measured apart from jest's own.
 */
import { describe, expect, test, beforeAll } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { appendFileSync, createWriteStream, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { crc32, deflateRawSync } from 'node:zlib'
import { build } from 'esbuild'
import { extractZipEntry, zipEntries } from '../src/adapters/zip-read.js'
import { REPO_ROOT } from './helpers/conformance.js'
import { tempDir } from './helpers/temp.js'

interface Spec {
  name: string
  content: Buffer
  method: 0 | 8
}

const LOCAL = 0x04034b50
const CENTRAL = 0x02014b50
const EOCD = 0x06054b50

/** A plain (non-ZIP64) zip, laid out as the spec says: local headers and data, directory, end record. */
function writeZip(specs: Spec[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const spec of specs) {
    const data = spec.method === 8 ? deflateRawSync(spec.content) : spec.content
    const name = Buffer.from(spec.name)
    const crc = crc32(spec.content)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(LOCAL, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(spec.method, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(spec.content.length, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(CENTRAL, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(spec.method, 10)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(spec.content.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, data)
    centrals.push(central, name)
    offset += local.length + name.length + data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(EOCD, 0)
  end.writeUInt16LE(specs.length, 8)
  end.writeUInt16LE(specs.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

/** Where the end record is in a zip from writeZip (no comment: the last 22 bytes). */
const endRecord = (zip: Buffer): number => zip.length - 22

/** Where the i-th central directory header starts. */
function centralHeader(zip: Buffer, i: number): number {
  let p = zip.readUInt32LE(endRecord(zip) + 16)
  for (let n = 0; n < i; n++) p += 46 + zip.readUInt16LE(p + 28) + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32)
  return p
}

function saveZip(zip: Buffer, name = 'ARTIFACT.zip'): string {
  const path = join(tempDir('kb-zip-'), name)
  writeFileSync(path, zip)
  return path
}

/** Every entry extracted to a fresh directory, read back by name. */
async function extractAll(path: string): Promise<Map<string, Buffer>> {
  const out = tempDir('kb-unzip-')
  const got = new Map<string, Buffer>()
  for (const entry of await zipEntries(path)) {
    await extractZipEntry(path, entry, join(out, entry.name))
    got.set(entry.name, readFileSync(join(out, entry.name)))
  }
  return got
}

// Content that neither compresses to nothing nor stays the same size.
const sample = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * seed + (i >> 7)) & 0xff))
const SPECS: Spec[] = [
  { name: 'bundle-files.tar.part-000', content: sample(70_000, 7), method: 8 },
  { name: 'SHA256SUMS', content: Buffer.from('abc  bundle-files.tar.part-000\n'), method: 0 },
  { name: 'empty', content: Buffer.alloc(0), method: 0 }
]

describe('valid zips extract byte for byte', () => {
  test('stored and deflated entries from a hand-written zip', async () => {
    const got = await extractAll(saveZip(writeZip(SPECS)))
    expect([...got.keys()]).toEqual(SPECS.map((s) => s.name))
    for (const spec of SPECS) expect(got.get(spec.name)!.equals(spec.content)).toBe(true)
  })

  // archiver is what @actions/artifact zips with: data descriptors after each entry, and with
  // forceZip64 the ZIP64 extra fields, end record and locator that artifacts over 4 GiB carry.
  test.each([false, true])('archiver zips (forceZip64 %s), stored and deflated', async (forceZip64) => {
    const archiver = createRequire(import.meta.url)('archiver') as (format: 'zip', options: object) => Archiver
    const path = join(tempDir('kb-zip-'), 'archiver.zip')
    const archive = archiver('zip', { zlib: { level: 6 }, forceZip64 })
    const out = createWriteStream(path)
    archive.pipe(out)
    for (const spec of SPECS) archive.append(spec.content, { name: spec.name, store: spec.method === 0 })
    await archive.finalize()
    await finished(out)
    const entries = await zipEntries(path)
    expect(entries.map((e) => [e.name, e.method])).toEqual(SPECS.map((s) => [s.name, s.method]))
    const got = await extractAll(path)
    for (const spec of SPECS) expect(got.get(spec.name)!.equals(spec.content)).toBe(true)
  })
})

interface Archiver {
  append(data: Buffer, entry: { name: string; store: boolean }): void
  pipe(to: NodeJS.WritableStream): void
  finalize(): Promise<void>
}

describe('a header that lies is refused before anything is read past it', () => {
  test('an entry count the central directory cannot hold', async () => {
    const zip = writeZip(SPECS)
    zip.writeUInt16LE(5000, endRecord(zip) + 10)
    await expect(zipEntries(saveZip(zip))).rejects.toThrow(/ARTIFACT\.zip: the zip claims 5000 entries, which cannot fit in its \d+-byte central directory/)
  })

  test('a local header offset past the end of the file', async () => {
    const zip = writeZip(SPECS)
    zip.writeUInt32LE(0x7fff0000, centralHeader(zip, 1) + 42)
    await expect(zipEntries(saveZip(zip))).rejects.toThrow(/ARTIFACT\.zip: entry 'SHA256SUMS' claims 30 bytes at offset 2147418112, past the end/)
  })

  test('a compressed size reaching into the central directory', async () => {
    const zip = writeZip(SPECS)
    zip.writeUInt32LE(10, centralHeader(zip, 2) + 20)
    await expect(zipEntries(saveZip(zip))).rejects.toThrow(/entry 'empty' claims 45 bytes at offset \d+, past the end of the entries' data \(\d+ of \d+ bytes\)/)
  })

  test('a central directory larger than an artifact of this tool could need', async () => {
    const claimed = (64 << 20) + 1
    const end = Buffer.alloc(22)
    end.writeUInt32LE(EOCD, 0)
    end.writeUInt16LE(1, 10)
    end.writeUInt32LE(claimed, 12)
    const path = join(tempDir('kb-zip-'), 'ARTIFACT.zip')
    // A sparse file: the claim fits in the file, so only the cap stands between it and memory.
    writeFileSync(path, '')
    truncateSync(path, claimed)
    appendFileSync(path, end)
    await expect(zipEntries(path)).rejects.toThrow(/ARTIFACT\.zip: the central directory claims 67108865 bytes, more than the 67108864/)
  })

  test('a ZIP64 locator pointing past the end of the file', async () => {
    const path = join(tempDir('kb-zip-'), 'zip64.zip')
    const archive = (createRequire(import.meta.url)('archiver') as (format: 'zip', options: object) => Archiver)('zip', { forceZip64: true })
    const out = createWriteStream(path)
    archive.pipe(out)
    archive.append(Buffer.from('x'), { name: 'a', store: true })
    await archive.finalize()
    await finished(out)
    const zip = readFileSync(path)
    const locator = endRecord(zip) - 20
    expect(zip.readUInt32LE(locator)).toBe(0x07064b50)
    zip.writeBigUInt64LE(0xffff_ffff_0000n, locator + 8)
    await expect(zipEntries(saveZip(zip))).rejects.toThrow(/the ZIP64 locator points to offset 281474976645120, past the locator itself/)
  })

  test('overlapping entries (the overlapping zip bomb) are refused, naming both', async () => {
    const zip = writeZip(SPECS)
    zip.writeUInt32LE(0, centralHeader(zip, 1) + 42)
    const refusal = (await zipEntries(saveZip(zip)).catch((error: Error) => error)) as Error
    expect(refusal).toMatchObject({ name: 'InputError', message: expect.stringContaining('overlap') })
    for (const name of ["'bundle-files.tar.part-000'", "'SHA256SUMS'"]) expect(refusal.message).toContain(name)
  })

  test.each(['../evil', 'parts/../../evil', '/etc/cron.d/evil', 'C:\\evil'])('an entry named %s is refused', async (name) => {
    const zip = writeZip([{ name, content: Buffer.from('x'), method: 0 }])
    await expect(zipEntries(saveZip(zip))).rejects.toThrow(`ARTIFACT.zip: entry '${name}'`)
  })

  test('a deflate stream cut short is an InputError naming the entry, and leaves no file', async () => {
    const content = sample(70_000, 3)
    const zip = writeZip([{ name: 'part', content, method: 8 }])
    // The entry as if the zip held only the first half of its deflated bytes.
    const cut = Math.floor(zip.readUInt32LE(centralHeader(zip, 0) + 20) / 2)
    const path = saveZip(zip)
    const [entry] = await zipEntries(path)
    const target = join(tempDir('kb-unzip-'), 'part')
    await expect(extractZipEntry(path, { ...entry, compressedSize: cut }, target)).rejects.toMatchObject({ name: 'InputError', message: expect.stringMatching(/entry 'part' does not inflate/) })
    expect(existsSync(target)).toBe(false)
  })
})

/**
 * The hostile cases run in a child node on the reader bundled alone, which reports its outcome,
 * peak RSS and time as one JSON line.
 */
describe('hostile zips, measured in a child process', () => {
  let harness: string

  beforeAll(async () => {
    const dir = tempDir('kb-zip-harness-')
    await build({ entryPoints: [join(REPO_ROOT, 'src/adapters/zip-read.ts')], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'zip-read.mjs'), logLevel: 'warning' })
    harness = join(dir, 'harness.mjs')
    writeFileSync(
      harness,
      `import { readFileSync } from 'node:fs'
import { zipEntries, extractZipEntry } from './zip-read.mjs'
// VmHWM is this program's own peak; getrusage's maxRSS counts the parent's pages at fork too.
const peakKiB = () => Number(readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\\s+(\\d+) kB/)?.[1] ?? process.resourceUsage().maxRSS)
const [zip, outDir] = process.argv.slice(2)
const started = performance.now()
let outcome
try {
  for (const entry of await zipEntries(zip)) await extractZipEntry(zip, entry, outDir + '/' + entry.name)
  outcome = { ok: true }
} catch (error) {
  outcome = { ok: false, name: error.name, message: error.message }
}
console.log(JSON.stringify({ ...outcome, maxRssMiB: peakKiB() / 1024, ms: Math.round(performance.now() - started) }))
`
    )
  })

  interface Run {
    ok: boolean
    name?: string
    message?: string
    maxRssMiB: number
    ms: number
  }

  function runHarness(zip: string, outDir: string): Run {
    const r = spawnSync(process.execPath, [harness, zip, outDir], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`the harness died (status ${r.status}, signal ${r.signal}): ${r.stderr}`)
    const run = JSON.parse(r.stdout) as Run
    console.log(`${zip}: ${JSON.stringify(run)}`)
    return run
  }

  // A bare node with the reader loaded peaks around 45 MiB; a 4 GiB allocation cannot hide under 100.
  const SMALL_RSS_MIB = 100

  test('a central directory claiming 0xfffffff0 bytes fails fast without allocating it', () => {
    const zip = writeZip(SPECS)
    zip.writeUInt32LE(0xfffffff0, endRecord(zip) + 12)
    const run = runHarness(saveZip(zip), tempDir('kb-unzip-'))
    expect(run).toMatchObject({ ok: false, name: 'InputError' })
    expect(run.message).toMatch(/ARTIFACT\.zip: the central directory claims 4294967280 bytes at offset \d+, past its end record at \d+ \(the file has \d+ bytes\): a truncated or hostile zip; download it again/)
    expect(run.maxRssMiB).toBeLessThan(SMALL_RSS_MIB)
  })

  test('a deflate bomb stops at its declared size: no more than that reaches the disk', () => {
    const zeros = Buffer.alloc(50 << 20)
    const zip = writeZip([{ name: 'bomb.bin', content: zeros, method: 8 }])
    const declared = 1024
    zip.writeUInt32LE(declared, centralHeader(zip, 0) + 24)
    expect(zip.length).toBeLessThan(100_000)
    const out = tempDir('kb-unzip-')
    const run = runHarness(saveZip(zip), out)
    expect(run).toMatchObject({ ok: false, name: 'InputError' })
    expect(run.message).toMatch(/ARTIFACT\.zip: entry 'bomb\.bin' unpacks to more than the 1024 bytes the zip declares/)
    const target = join(out, 'bomb.bin')
    expect(existsSync(target) ? statSync(target).size : 0).toBeLessThanOrEqual(declared)
    expect(run.maxRssMiB).toBeLessThan(SMALL_RSS_MIB)
  })
})
