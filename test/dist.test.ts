/** dist/ is what users run: it must be exactly what `npm run build` makes from src/. */
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
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
      // The action's bundle loads every @actions/* module it needs from itself, too.
      const action = spawnSync(process.execPath, [join(alone, 'dist/index.js')], { cwd: alone, encoding: 'utf8', env: { PATH: process.env.PATH, 'INPUT_ARCH': 'ppc64le' } })
      expect(action.stdout).toContain("::error::input arch: 'ppc64le' is not amd64 or arm64")
      expect(action.status).toBe(1)
    } finally {
      rmSync(alone, { recursive: true, force: true })
    }
  })

  it('keeps a V8 code cache that only speeds things up: a corrupt or missing cache changes nothing', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kb-cc-'))
    try {
      const env = { ...process.env, TMPDIR: tmp, XDG_CACHE_HOME: join(tmp, 'xdg'), NODE_DISABLE_COMPILE_CACHE: '' }
      expect(runLists(env, tmp, 'first')).toBe(golden())
      const cacheDir = join(tmp, 'xdg/kubespray-bundle/v8')
      expect(statSync(cacheDir).mode & 0o077).toBe(0)
      const entries = readdirSync(cacheDir)
      // Keyed by a hash of the source, not its length.
      expect(entries).toEqual([expect.stringMatching(/^lists-[\d.a-z-]+-[0-9a-f]{32}\.bin$/)])
      writeFileSync(join(cacheDir, entries[0]), 'not a code cache')
      expect(runLists(env, tmp, 'corrupt')).toBe(golden())
      expect(readFileSync(join(cacheDir, entries[0])).length).toBeGreaterThan(1000)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })

  it('writes the code cache only after a successful run (a failing run compiles a fraction of the code)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kb-cc-'))
    try {
      const env = { ...process.env, TMPDIR: tmp, XDG_CACHE_HOME: join(tmp, 'xdg'), NODE_DISABLE_COMPILE_CACHE: '' }
      const failing = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/cli.js'), 'lists', '--kubespray-dir', join(tmp, 'no-such-tree'), '--out', join(tmp, 'out')], { env, encoding: 'utf8' })
      expect(failing.status).toBe(1)
      const cacheDir = join(tmp, 'xdg/kubespray-bundle/v8')
      expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([])
      expect(runLists(env, tmp, 'ok')).toBe(golden())
      expect(readdirSync(cacheDir)).toEqual([expect.stringMatching(/^lists-.*\.bin$/)])
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })

  it('never uses a cache directory someone else could write: group/other-writable, owned by another user, or a link', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kb-cc-'))
    try {
      // Learn the entry name a trusted directory gets, then plant it in untrusted places.
      const trusted = { ...process.env, TMPDIR: join(tmp, 't'), XDG_CACHE_HOME: join(tmp, 'ok'), NODE_DISABLE_COMPILE_CACHE: '' }
      mkdirSync(join(tmp, 't'))
      runLists(trusted, tmp, 'trusted')
      const [name] = readdirSync(join(tmp, 'ok/kubespray-bundle/v8'))
      const plant = (dir: string): string => {
        mkdirSync(dir, { recursive: true })
        writeFileSync(join(dir, name), 'planted bytecode')
        return join(dir, name)
      }
      const uid = process.getuid?.() ?? 0
      // XDG candidate: world-writable; temp candidate: a directory owned by another user.
      const open = plant(join(tmp, 'x1/kubespray-bundle/v8'))
      chmodSync(dirname(open), 0o777)
      const tmp2 = join(tmp, 'tmp2')
      const foreign = plant(join(tmp2, `kubespray-bundle-compile-cache-${uid}`))
      if (uid === 0) chownSync(dirname(foreign), 65534, 65534)
      else chmodSync(dirname(foreign), 0o775)
      const env = { ...process.env, TMPDIR: tmp2, XDG_CACHE_HOME: join(tmp, 'x1'), NODE_DISABLE_COMPILE_CACHE: '' }
      expect(runLists(env, tmp, 'planted')).toBe(golden())
      // A directory the loader trusted would have had the rejected entry rewritten.
      expect(readFileSync(open, 'utf8')).toBe('planted bytecode')
      expect(readFileSync(foreign, 'utf8')).toBe('planted bytecode')
      expect(readdirSync(dirname(open))).toEqual([name])
      // A link as the cache directory is refused too.
      mkdirSync(join(tmp, 'x2/kubespray-bundle'), { recursive: true })
      const elsewhere = plant(join(tmp, 'elsewhere'))
      symlinkSync(join(tmp, 'elsewhere'), join(tmp, 'x2/kubespray-bundle/v8'))
      const linked = { ...env, XDG_CACHE_HOME: join(tmp, 'x2') }
      expect(runLists(linked, tmp, 'linked')).toBe(golden())
      expect(readFileSync(elsewhere, 'utf8')).toBe('planted bytecode')
      expect(readdirSync(join(tmp, 'elsewhere'))).toEqual([name])
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})

function golden(): string {
  return readFileSync(join(CONFORMANCE_DIR, 'v2.30.0/a_default/images.list'), 'utf8')
}

function runLists(env: NodeJS.ProcessEnv, tmp: string, out: string): string {
  const tree = join(CONFORMANCE_DIR, 'v2.30.0/inputs')
  execFileSync(process.execPath, [join(REPO_ROOT, 'dist/cli.js'), 'lists', '--kubespray-dir', tree, '--out', join(tmp, out)], { env })
  return readFileSync(join(tmp, out, 'images.list'), 'utf8')
}
