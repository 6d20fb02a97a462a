/** dist/ is what users run: it must be exactly what `npm run build` makes from src/. */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from './helpers/conformance.js'

describe('dist/', () => {
  it('is current: a fresh build equals the committed bundle', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'kb-dist-'))
    try {
      execFileSync(process.execPath, ['scripts/build.mjs', fresh], { cwd: REPO_ROOT })
      const committed = readdirSync(join(REPO_ROOT, 'dist')).sort()
      expect(readdirSync(fresh).sort()).toEqual(committed)
      for (const file of committed) {
        const same = readFileSync(join(fresh, file)).equals(readFileSync(join(REPO_ROOT, 'dist', file)))
        if (!same) throw new Error(`dist/${file} is stale: run 'npm run build' and commit dist/`)
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true })
    }
  })

  it('runs on its own, with no node_modules anywhere above it', () => {
    const alone = mkdtempSync(join(tmpdir(), 'kb-alone-'))
    try {
      copyFileSync(join(REPO_ROOT, 'dist/cli.js'), join(alone, 'cli.js'))
      const help = execFileSync(process.execPath, [join(alone, 'cli.js'), 'lists', '--help'], { cwd: alone, encoding: 'utf8' })
      expect(help).toContain('lists --kubespray-dir DIR --out OUT')
    } finally {
      rmSync(alone, { recursive: true, force: true })
    }
  })
})
