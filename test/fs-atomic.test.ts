/**
 * writeFileAtomic (src/adapters/fs-atomic.ts): small files are written on the calling thread,
 * big ones through the thread pool. Either way the target holds all of the new bytes or none,
 * a link at the target is replaced rather than written through, and a failed write leaves no
 * temp file behind.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeFileAtomic } from '../src/adapters/fs-atomic.js'

let work: string

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'kb-fs-atomic-'))
})
afterEach(() => rmSync(work, { recursive: true, force: true }))

const SIZES: Array<[string, number]> = [
  ['a small file (written on this thread)', 1000],
  ['a big file (written through the thread pool)', 3 << 20]
]

describe.each(SIZES)('writeFileAtomic: %s', (_, size) => {
  const data = Buffer.alloc(size, 'k')

  it('writes every byte, replaces what was there, and leaves no temp file', async () => {
    writeFileSync(join(work, 'out'), 'old')
    await writeFileAtomic(join(work, 'out'), data)
    expect(readFileSync(join(work, 'out')).equals(data)).toBe(true)
    expect(readdirSync(work)).toEqual(['out'])
  })

  it('takes a string as well as bytes', async () => {
    await writeFileAtomic(join(work, 'out'), data.toString('latin1'))
    expect(readFileSync(join(work, 'out')).equals(data)).toBe(true)
  })

  it('replaces a link at the target instead of writing through it', async () => {
    writeFileSync(join(work, 'victim'), 'untouched')
    symlinkSync(join(work, 'victim'), join(work, 'out'))
    await writeFileAtomic(join(work, 'out'), data)
    expect(readFileSync(join(work, 'victim'), 'utf8')).toBe('untouched')
    expect(lstatSync(join(work, 'out')).isFile()).toBe(true)
    expect(readFileSync(join(work, 'out')).length).toBe(size)
  })

  it('keeps its temp file in tempDir, and removes it when the rename fails', async () => {
    mkdirSync(join(work, 'tmp'))
    mkdirSync(join(work, 'out'))
    writeFileSync(join(work, 'out', 'keep'), 'a directory that is not empty cannot be replaced by a file')
    await expect(writeFileAtomic(join(work, 'out'), data, join(work, 'tmp'))).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/)
    expect(readdirSync(join(work, 'tmp'))).toEqual([])
    expect(readdirSync(join(work, 'out'))).toEqual(['keep'])
  })

  it('fails, writing nothing, where the directory is missing', async () => {
    await expect(writeFileAtomic(join(work, 'missing', 'out'), data)).rejects.toThrow(/ENOENT/)
    expect(readdirSync(work)).toEqual([])
  })
})
