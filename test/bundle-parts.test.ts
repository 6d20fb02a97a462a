/**
 * Parts as tar files (src/adapters/bundle-parts.ts): two paths of a bundle that are hard links to
 * one file (what a delta's fetch makes when two paths take the same base file) are each packed as
 * a file of its own, never as a tar Link entry, and pack to the same bytes as separate copies.
 */
import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { t as listTar } from 'tar'
import { writePart } from '../src/adapters/bundle-parts.js'
import { tempDir } from './helpers/temp.js'

let work: string
beforeAll(() => {
  work = tempDir('kb-parts-')
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

async function entriesOf(file: string): Promise<Array<{ path: string; type: string; size: number }>> {
  const seen: Array<{ path: string; type: string; size: number }> = []
  await listTar({ file, onReadEntry: (e) => void seen.push({ path: e.path, type: e.type, size: e.size }) })
  return seen
}

test('two paths linked to one file are packed as two files, the same bytes as two copies', async () => {
  const linked = join(work, 'linked')
  const copied = join(work, 'copied')
  for (const dir of [linked, copied]) mkdirSync(join(dir, 'files', 'x'), { recursive: true })
  writeFileSync(join(linked, 'files', 'x', 'a'), 'the same bytes\n')
  linkSync(join(linked, 'files', 'x', 'a'), join(linked, 'files', 'x', 'b'))
  writeFileSync(join(copied, 'files', 'x', 'a'), 'the same bytes\n')
  writeFileSync(join(copied, 'files', 'x', 'b'), 'the same bytes\n')
  const plan = { name: 'p-files-1.tar', kind: 'files' as const, entries: ['files/x/a', 'files/x/b'], images: [], size: 0 }
  const out = join(work, 'out-linked')
  const again = join(work, 'out-copied')
  mkdirSync(out)
  mkdirSync(again)
  const fromLinks = await writePart(linked, plan, [], out)
  const fromCopies = await writePart(copied, plan, [], again)
  expect(await entriesOf(fromLinks.path)).toEqual([
    { path: 'files/x/a', type: 'File', size: 15 },
    { path: 'files/x/b', type: 'File', size: 15 }
  ])
  expect(fromLinks.sha256).toBe(fromCopies.sha256)
})
