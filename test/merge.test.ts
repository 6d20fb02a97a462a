/**
 * A release built by a job matrix: one bundle per arch, published into one release at the same
 * time (as the reusable workflow's split-arches jobs do), then `merge` writes the release's
 * bundle.json and a SHA256SUMS of every asset. Against the GitHub stand-in's release endpoints.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../src/adapters/http/client.js'
import { GitHubClient } from '../src/adapters/github/client.js'
import { GitHubReleases } from '../src/adapters/github/releases.js'
import { updateReleaseSums } from '../src/pipeline/publish.js'
import { parseSums } from '../src/pipeline/bundle-dir.js'
import { assetPrefix } from '../src/domain/parts.js'
import type { BundleManifest } from '../src/domain/bundle.js'
import type { ReleaseManifest } from '../src/domain/release-manifest.js'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { tempDir } from './helpers/temp.js'
import { bundleTree } from './helpers/tree.js'
import { ETCD_VERSIONS, startWorld, type World } from './helpers/world.js'

const TOKEN = 'ghp_mergetoken0123456789abcdef'
const REPO = 'example/split'
const TAG = 'kubespray-v2.30.0'
let world: World
let work: string
const bundles: Record<string, string> = {}

beforeAll(async () => {
  world = await startWorld()
  work = tempDir('kb-merge-')
  world.github.releases.set(REPO, [])
  for (const arch of ['amd64', 'arm64']) {
    bundles[arch] = join(work, arch)
    const r = await cli(['build', '--kubespray', '2.30', '--arch', arch, '--out', bundles[arch], '--insecure-registry', world.registryHost])
    if (r.status !== 0) throw new Error(r.stderr)
    prefixes[arch] = prefixOf(bundles[arch], new RegExp(`^kubespray-v2\\.30\\.0-${arch}-[0-9a-f]{8}$`))
  }
}, 120_000)

afterAll(async () => {
  await world?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  spawnCli(args, work, { GITHUB_API_URL: world.github.apiUrl, KUBESPRAY_API_URL: world.github.apiUrl, GITHUB_TOKEN: TOKEN, XDG_CACHE_HOME: join(work, 'xdg'), ...env }).done

const releaseOf = (tag: string) => world.github.releases.get(REPO)?.filter((r) => r.tag_name === tag) ?? []
const assetsOf = (tag: string) => releaseOf(tag)[0]?.assets ?? []
const manifestOf = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest
const sumsOf = (dir: string) => parseSums(readFileSync(join(dir, 'SHA256SUMS'), 'utf8'))
/** The asset prefix of a built bundle, checked against the documented shape. */
function prefixOf(dir: string, shape: RegExp): string {
  const prefix = assetPrefix(manifestOf(dir), sumsOf(dir))
  expect(prefix).toMatch(shape)
  return prefix
}
const prefixes: Record<string, string> = {}

/** Every asset into one directory, then `sha256sum -c SHA256SUMS` there: what a user would run. */
function checkReleaseSums(tag: string): string[] {
  const dl = join(work, `dl-${tag}-${Date.now()}`)
  mkdirSync(dl)
  for (const a of assetsOf(tag)) copyFileSync(a.path, join(dl, a.name))
  execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dl })
  const listed = readFileSync(join(dl, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.slice(66))
  rmSync(dl, { recursive: true })
  return listed.sort()
}

describe('a release built by several jobs', () => {
  it('two bundles published into one release at once: one release, SHA256SUMS lists both', async () => {
    const budget = String(3500 * 1024)
    const [a, b] = await Promise.all(['amd64', 'arm64'].map((arch) => cli(['publish', '--bundle', bundles[arch], '--repo', REPO, '--tag', TAG, '--part-size', budget])))
    expect(a.stderr + b.stderr).not.toContain('error')
    expect([a.status, b.status]).toEqual([0, 0])
    expect(releaseOf(TAG)).toHaveLength(1)
    const names = assetsOf(TAG).map((x) => x.name)
    for (const arch of ['amd64', 'arm64']) expect(names.filter((n) => n.startsWith(`${prefixes[arch]}-bundle-`))).toHaveLength(1)
    expect(checkReleaseSums(TAG)).toEqual(names.filter((n) => n !== 'SHA256SUMS').sort())
  })

  it('merge writes the release bundle.json (both bundles, merged) and a SHA256SUMS of every asset', async () => {
    const r = await cli(['merge', '--repo', REPO, '--tag', TAG])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/uploaded bundle\.json\n/)
    expect(r.stdout).toContain('merged 2 bundles (amd64, arm64;')
    const asset = assetsOf(TAG).find((x) => x.name === 'bundle.json')
    expect(asset).toBeDefined()
    const merged = JSON.parse(readFileSync(asset?.path ?? '', 'utf8')) as ReleaseManifest
    expect(merged.schema).toBe('kubespray-bundle-release/v1')
    expect(merged.tag).toBe(TAG)
    expect(merged.arches).toEqual(['amd64', 'arm64'])
    expect(merged.bundles.map((x) => [x.prefix, x.arches])).toEqual([
      [prefixes.amd64, ['amd64']],
      [prefixes.arm64, ['arm64']]
    ])
    // Each bundle's assets are exactly its parts in the release, with GitHub's digests.
    for (const b of merged.bundles) {
      const inRelease = assetsOf(TAG).filter((x) => x.name.startsWith(`${b.prefix}-`))
      expect(b.assets.map((x) => x.name)).toEqual(inRelease.map((x) => x.name).sort())
      for (const x of b.assets) expect(`sha256:${x.sha256}`).toBe(inRelease.find((y) => y.name === x.name)?.digest)
    }
    // Every file and image of each bundle is in the merged lists, naming that bundle.
    for (const arch of ['amd64', 'arm64']) {
      const own = manifestOf(bundles[arch])
      const prefix = prefixes[arch]
      for (const f of own.files) expect(merged.files.find((x) => x.path === f.path && x.sha256 === f.sha256)?.bundles).toContain(prefix)
      for (const i of own.images) {
        const found = merged.images.find((x) => x.line === i.line)
        expect(found?.bundles).toContainEqual({ prefix, digest: i.digest, platforms: i.platforms, size: i.size })
        expect(found?.platforms).toEqual(expect.arrayContaining(i.platforms))
      }
    }
    // An image both bundles hold is one entry with both arches' platforms.
    const shared = merged.images.filter((x) => x.bundles.length === 2)
    expect(shared.length).toBeGreaterThan(0)
    for (const x of shared) {
      expect(x.arches).toEqual(['amd64', 'arm64'])
      for (const arch of ['amd64', 'arm64']) expect(x.platforms.some((p) => p.startsWith(`linux/${arch}`))).toBe(true)
    }
    // The release notes (the first publisher's described its bundle alone) name both.
    const notes = (releaseOf(TAG)[0] as { body?: string }).body ?? ''
    expect(notes).toContain('Offline bundles of Kubespray, 2 in this release')
    for (const b of merged.bundles) expect(notes).toContain(`| \`${b.prefix}\` | v2.30.0 (`)
    expect(merged.totals.bundles).toBe(2)
    // Each bundle's parts and its own SHA256SUMS asset (what a later delta reads).
    expect(merged.totals.assets).toBe(assetsOf(TAG).filter((x) => x.name !== 'SHA256SUMS' && x.name !== 'bundle.json').length)
    expect(checkReleaseSums(TAG)).toEqual(assetsOf(TAG).map((x) => x.name).filter((n) => n !== 'SHA256SUMS').sort())
  })

  it('a re-run of merge changes nothing; a re-publish drops the stale bundle.json and merge restores it', async () => {
    const before = assetsOf(TAG).map((x) => `${x.id}:${x.name}`).sort()
    const again = await cli(['merge', '--repo', REPO, '--tag', TAG])
    expect(again.status).toBe(0)
    expect(again.stdout).toContain('unchanged bundle.json\n')
    expect(again.stdout).toContain('unchanged SHA256SUMS\n')
    expect(assetsOf(TAG).map((x) => `${x.id}:${x.name}`).sort()).toEqual(before)

    const republish = await cli(['publish', '--bundle', bundles.arm64, '--repo', REPO, '--tag', TAG, '--part-size', String(3500 * 1024)])
    expect(republish.status).toBe(0)
    expect(assetsOf(TAG).map((x) => x.name)).not.toContain('bundle.json')
    expect(checkReleaseSums(TAG)).toEqual(assetsOf(TAG).map((x) => x.name).filter((n) => n !== 'SHA256SUMS').sort())
    const restored = await cli(['merge', '--repo', REPO, '--tag', TAG])
    expect(restored.status).toBe(0)
    expect(assetsOf(TAG).map((x) => x.name)).toContain('bundle.json')
  })

  it('fetch takes either bundle of the release by its prefix, identical to what was built', async () => {
    const none = await cli(['fetch', '--repo', REPO, '--tag', TAG, '--out', join(work, 'f-none')])
    expect(none.status).toBe(1)
    expect(none.stderr).toContain(`holds several bundles; choose one with --asset-prefix: ${prefixes.amd64}, ${prefixes.arm64}`)
    const out = join(work, 'f-arm64')
    const r = await cli(['fetch', '--repo', REPO, '--tag', TAG, '--out', out, '--asset-prefix', prefixes.arm64])
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    expect(bundleTree(out)).toEqual(bundleTree(bundles.arm64))
  })

  it('a SHA256SUMS written while another publisher writes one keeps both publishers\' lines', async () => {
    const http = createHttpClient(DEFAULT_HTTP_OPTIONS)
    try {
      const releases = new GitHubReleases(new GitHubClient({ http, apiUrl: world.github.apiUrl, token: TOKEN, userAgent: 'test' }), REPO)
      const { release } = await releases.createOrFind('race', 'race', '')
      const dir = join(work, 'race')
      mkdirSync(dir)
      const theirs = { path: 'theirs.tar', sha256: 'b'.repeat(64) }
      const ours = { path: 'ours.tar', sha256: 'a'.repeat(64) }
      for (const name of ['theirs.tar', 'ours.tar']) {
        writeFileSync(join(dir, name), name)
        await releases.upload(release, name, join(dir, name), name.length)
      }
      // The other publisher's SHA256SUMS goes up between our read and our upload (ours goes up
      // under a temporary name, to be renamed SHA256SUMS).
      let raced = false
      const racing = Object.create(releases) as GitHubReleases
      racing.upload = async (r, name, path, size) => {
        if (name.startsWith('SHA256SUMS.') && !raced) {
          raced = true
          const text = `${theirs.sha256}  ${theirs.path}\n`
          writeFileSync(join(dir, 'their-sums'), text)
          await releases.upload(r, 'SHA256SUMS', join(dir, 'their-sums'), Buffer.byteLength(text))
        }
        return releases.upload(r, name, path, size)
      }
      const result = await updateReleaseSums(racing, release, dir, (lines, present) => [...lines.filter((e) => present.has(e.path) && e.path !== ours.path), ours])
      expect(raced).toBe(true)
      expect(result.action).toBe('replaced')
      const sums = assetsOf('race').filter((x) => x.name === 'SHA256SUMS')
      expect(sums).toHaveLength(1)
      expect(readFileSync(sums[0].path, 'utf8')).toBe(`${ours.sha256}  ours.tar\n${theirs.sha256}  theirs.tar\n`)
      expect(assetsOf('race').map((x) => x.name).sort()).toEqual(['SHA256SUMS', 'ours.tar', 'theirs.tar'])
    } finally {
      await http.close()
    }
  })

  it('bundles of one Kubespray and arch for other Kubernetes versions, variables or layouts get asset names of their own', () => {
    const own = manifestOf(bundles.amd64)
    const sums = sumsOf(bundles.amd64)
    const hash = prefixes.amd64.slice(-8)
    // A rebuild of one configuration keeps its name: the hash is not of the bundle's bytes.
    expect(assetPrefix(own, sums.filter((e) => e.path.startsWith('lists/')))).toBe(prefixes.amd64)
    const pinned = assetPrefix({ ...own, kubeVersion: 'v1.31.4', extraVars: { ...own.extraVars, kube_version: 'v1.31.4' } }, sums)
    expect(pinned).toMatch(/^kubespray-v2\.30\.0-k8s-v1\.31\.4-amd64-[0-9a-f]{8}$/)
    expect(pinned.slice(-8)).not.toBe(hash)
    const vars = assetPrefix({ ...own, extraVars: { ...own.extraVars, etcd_version: 'v3.5.17' } }, sums)
    expect(vars).toMatch(/^kubespray-v2\.30\.0-amd64-[0-9a-f]{8}$/)
    expect(vars).not.toBe(prefixes.amd64)
    const list = sums.find((e) => e.path.startsWith('lists/'))
    expect(assetPrefix(own, sums.map((e) => (e === list ? { ...e, sha256: 'f'.repeat(64) } : e)))).not.toBe(prefixes.amd64)
    expect(assetPrefix({ ...own, layout: 'kubespray-offline' }, sums)).toMatch(/^kubespray-v2\.30\.0-amd64-kubespray-offline-[0-9a-f]{8}$/)
  })

  it('names bad input: no release, a release without bundles, a part whose bytes do not match its digest', async () => {
    const missing = await cli(['merge', '--repo', REPO, '--tag', 'nope'])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain('example/split has no release nope (publish a bundle into it first)')
    const empty = await cli(['merge', '--repo', REPO, '--tag', 'race'])
    expect(empty.status).toBe(1)
    expect(empty.stderr).toContain('example/split release race holds no bundle (no *-bundle-*.tar asset): publish one into it first')
    const tar = assetsOf(TAG).find((x) => x.name.startsWith(`${prefixes.amd64}-bundle-`))
    const saved = readFileSync(tar?.path ?? '')
    writeFileSync(tar?.path ?? '', Buffer.concat([saved.subarray(0, saved.length - 1), Buffer.from([saved[saved.length - 1] ^ 1])]))
    try {
      const bad = await cli(['merge', '--repo', REPO, '--tag', TAG])
      expect(bad.status).toBe(1)
      expect(bad.stderr).toContain(`asset ${tar?.name}: its bytes hash to sha256 `)
      expect(bad.stderr).toMatch(/its bytes hash to sha256 [0-9a-f]{64}, the release records [0-9a-f]{64}/)
    } finally {
      writeFileSync(tar?.path ?? '', saved)
    }
    const token = await cli(['merge', '--repo', REPO, '--tag', TAG], { GITHUB_TOKEN: '' })
    expect(token.status).toBe(2)
    expect(token.stderr).toContain('GITHUB_TOKEN is required to merge')
  })
})

describe('two configurations of one Kubespray version and arch in one release', () => {
  const tag = 'two-configs'
  let other: string

  beforeAll(async () => {
    other = join(work, 'amd64-etcd')
    const r = await cli(['build', '--kubespray', '2.30', '--arch', 'amd64', '-e', `etcd_version=${ETCD_VERSIONS[1]}`, '--out', other, '--insecure-registry', world.registryHost])
    if (r.status !== 0) throw new Error(r.stderr)
  }, 60_000)

  it('coexist: the second publish deletes none of the first\'s parts, fetch --asset-prefix takes each alone, merge takes both', async () => {
    const prefix = prefixOf(other, /^kubespray-v2\.30\.0-amd64-[0-9a-f]{8}$/)
    expect(prefix).not.toBe(prefixes.amd64)
    const budget = String(3500 * 1024)
    const first = await cli(['publish', '--bundle', bundles.amd64, '--repo', REPO, '--tag', tag, '--part-size', budget])
    expect(first.status).toBe(0)
    const firsts = assetsOf(tag).filter((x) => x.name !== 'SHA256SUMS').map((x) => `${x.id}:${x.name}`)
    const second = await cli(['publish', '--bundle', other, '--repo', REPO, '--tag', tag, '--part-size', budget])
    expect(second.stderr).not.toContain('error')
    expect(second.status).toBe(0)
    expect(second.stdout).not.toContain('deleted:')
    const now = assetsOf(tag).map((x) => `${x.id}:${x.name}`)
    for (const a of firsts) expect(now).toContain(a)
    expect(assetsOf(tag).some((x) => x.name.startsWith(`${prefix}-bundle-`))).toBe(true)
    expect(checkReleaseSums(tag)).toEqual(assetsOf(tag).map((x) => x.name).filter((n) => n !== 'SHA256SUMS').sort())

    for (const [p, source] of [[prefixes.amd64, bundles.amd64], [prefix, other]]) {
      const out = join(work, `two-${p}`)
      const f = await cli(['fetch', '--repo', REPO, '--tag', tag, '--out', out, '--asset-prefix', p])
      expect(f.stderr).not.toContain('error')
      expect(f.status).toBe(0)
      expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe('')
      expect(bundleTree(out)).toEqual(bundleTree(source))
    }
    // The two differ where their variables do.
    expect(Object.keys(bundleTree(other)).filter((f) => f.includes(`etcd-${ETCD_VERSIONS[1]}`)).length).toBeGreaterThan(0)
    expect(Object.keys(bundleTree(bundles.amd64)).filter((f) => f.includes(`etcd-${ETCD_VERSIONS[1]}`))).toEqual([])

    const m = await cli(['merge', '--repo', REPO, '--tag', tag])
    expect(m.stderr).toBe('')
    expect(m.status).toBe(0)
    const merged = JSON.parse(readFileSync(assetsOf(tag).find((x) => x.name === 'bundle.json')?.path ?? '', 'utf8')) as ReleaseManifest
    expect(merged.bundles.map((b) => b.prefix)).toEqual([prefixes.amd64, prefix].sort())
    expect(checkReleaseSums(tag)).toEqual(assetsOf(tag).map((x) => x.name).filter((n) => n !== 'SHA256SUMS').sort())
  }, 120_000)
})
