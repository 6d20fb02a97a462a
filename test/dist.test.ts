/** dist/ is what users run: it must be exactly what `npm run build` makes from src/. */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import type { Dirent } from 'node:fs'
import { CONFORMANCE_DIR, REPO_ROOT } from './helpers/conformance.js'

describe('dist/', () => {
  it('is current: a fresh build equals the committed bundle', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'kb-dist-'))
    try {
      execFileSync(process.execPath, ['scripts/build.mjs', fresh], { cwd: REPO_ROOT })
      const list = (dir: string): string[] => (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
        .filter((e) => e.isFile())
        .map((e) => relative(dir, join(e.parentPath, e.name)))
        .sort()
      const committed = list(join(REPO_ROOT, 'dist'))
      expect(list(fresh)).toEqual(committed)
      for (const file of committed) {
        const same = readFileSync(join(fresh, file)).equals(readFileSync(join(REPO_ROOT, 'dist', file)))
        if (!same) throw new Error(`dist/${file} is stale: run 'npm run build' and commit dist/`)
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true })
    }
  })

  it('runs on its own, with no node_modules anywhere above it, fallback YAML parsers included', () => {
    const alone = mkdtempSync(join(tmpdir(), 'kb-alone-'))
    try {
      cpSync(join(REPO_ROOT, 'dist'), join(alone, 'dist'), { recursive: true })
      const cli = join(alone, 'dist/cli.js')
      const help = execFileSync(process.execPath, [cli, 'lists', '--help'], { cwd: alone, encoding: 'utf8' })
      expect(help).toContain('lists --kubespray-dir DIR --out OUT')
      // An anchor sends a vars file past the line-based reader to the vendored parsers.
      writeFileSync(join(alone, 'vars.yml'), 'base: &v "1.2.3"\nother: *v\n<<: {merged: 1}\n')
      const tree = join(CONFORMANCE_DIR, 'v2.30.0/inputs')
      execFileSync(process.execPath, [cli, 'lists', '--kubespray-dir', tree, '--out', join(alone, 'out'), '-e', '@vars.yml'], { cwd: alone })
      expect(readFileSync(join(alone, 'out/files.list'), 'utf8')).toBe(readFileSync(join(CONFORMANCE_DIR, 'v2.30.0/a_default/files.list'), 'utf8'))
    } finally {
      rmSync(alone, { recursive: true, force: true })
    }
  })

  it('keeps a V8 code cache that only speeds things up: a corrupt or missing cache changes nothing', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kb-cc-'))
    try {
      const env = { ...process.env, TMPDIR: tmp, NODE_DISABLE_COMPILE_CACHE: '' }
      const tree = join(CONFORMANCE_DIR, 'v2.30.0/inputs')
      const golden = readFileSync(join(CONFORMANCE_DIR, 'v2.30.0/a_default/images.list'), 'utf8')
      const run = (out: string): string => {
        execFileSync(process.execPath, [join(REPO_ROOT, 'dist/cli.js'), 'lists', '--kubespray-dir', tree, '--out', join(tmp, out)], { env })
        return readFileSync(join(tmp, out, 'images.list'), 'utf8')
      }
      expect(run('first')).toBe(golden)
      const cacheDir = readdirSync(tmp).find((d) => d.startsWith('kubespray-bundle-compile-cache-'))
      expect(cacheDir).toBeDefined()
      const entries = readdirSync(join(tmp, cacheDir ?? ''))
      expect(entries).toEqual([expect.stringMatching(/^lists-.*\.bin$/)])
      writeFileSync(join(tmp, cacheDir ?? '', entries[0]), 'not a code cache')
      expect(run('corrupt')).toBe(golden)
      expect(readFileSync(join(tmp, cacheDir ?? '', entries[0])).length).toBeGreaterThan(1000)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})
