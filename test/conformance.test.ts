/**
 * Every golden variant, byte for byte, through the same pipeline the CLI uses; and the
 * checksum of every file equal to what real Ansible rendered for it.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { conformanceVariants } from './helpers/conformance.js'
import { runLists } from '../src/pipeline/lists.js'
import type { ImageArch } from '../src/domain/kubespray/facts.js'

const variants = conformanceVariants()

/** -e / --arch from args.txt, as request fields; `@file` paths are relative to the variant. */
function requestArgs(args: string[]): { extraVars: string[]; arch?: ImageArch } {
  const extraVars: string[] = []
  let arch: ImageArch | undefined
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-e') extraVars.push(args[++i])
    else if (args[i] === '--arch') arch = args[++i] as ImageArch
    else throw new Error(`unexpected conformance argument ${args[i]}`)
  }
  return { extraVars, arch }
}

describe('lists conformance with generate_list.sh', () => {
  it('has the twelve variants of three releases', () => {
    expect(variants.length).toBeGreaterThanOrEqual(12)
    expect(new Set(variants.map((v) => v.release)).size).toBeGreaterThanOrEqual(3)
  })

  describe.each(variants.map((v) => [`${v.release}/${v.name}`, v] as const))('%s', (_label, variant) => {
    let out: string
    beforeAll(async () => {
      out = mkdtempSync(join(tmpdir(), 'kb-conf-'))
      await runLists({
        kubesprayDir: variant.tree,
        outDir: out,
        inventories: [],
        // The goldens were made on an x86_64 host.
        hostMachine: 'x86_64',
        cwd: variant.dir,
        ...requestArgs(variant.args)
      })
    })
    afterAll(() => rmSync(out, { recursive: true, force: true }))

    it('files.list is byte-identical', () => {
      expect(readFileSync(join(out, 'files.list'), 'utf8')).toBe(readFileSync(join(variant.dir, 'files.list'), 'utf8'))
    })

    it('images.list is byte-identical', () => {
      expect(readFileSync(join(out, 'images.list'), 'utf8')).toBe(readFileSync(join(variant.dir, 'images.list'), 'utf8'))
    })

    const expectedPath = join(variant.dir, 'expected-files.json')
    // Only some variants come with Ansible-rendered checksums.
    if (existsSync(expectedPath)) it('files.json gives the checksum Kubespray verifies for every url', () => {
      type Entry = { url: string; checksum: string | null }
      const ours = JSON.parse(readFileSync(join(out, 'files.json'), 'utf8')) as { files: Entry[] }
      const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as { files: Entry[] }
      expect(ours.files.map(({ url, checksum }) => ({ url, checksum }))).toEqual(
        expected.files.map(({ url, checksum }) => ({ url, checksum }))
      )
    })
  })
})
