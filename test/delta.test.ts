/**
 * Deltas against a published bundle, through the GitHub stand-in's release endpoints: two
 * bundles of the small world that differ by one file (etcd's version) and one image (coredns's
 * tag). The delta's assets carry those bytes and the metadata, nothing more; the far side
 * rebuilds from its copy of the base the same directory as a full fetch; a wrong or missing
 * base is refused before any part is downloaded; an interrupted delta fetch resumes.
 */
import { createHash } from 'node:crypto'
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseSums } from '../src/pipeline/bundle-dir.js'
import { chooseBaseBundle, isContentPath, parseDeltaManifest, planDelta, type DeltaManifest } from '../src/domain/delta.js'
import { partKind } from '../src/domain/parts.js'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { REPO_ROOT } from './helpers/conformance.js'
import { tempDir } from './helpers/temp.js'
import { bundleTree } from './helpers/tree.js'
import { ETCD_VERSIONS, startWorld, type StoredRelease, type World } from './helpers/world.js'

const TOKEN = 'ghp_deltatoken0123456789abcd'
const REPO = 'example/nightly'
const PART_SIZE = String(3500 * 1024)
let world: World
let work: string
/** The base bundle (A), and the next one (B): etcd v3.5.17 instead of v3.5.16, coredns v1.12.1 instead of v1.12.0. */
let a: string
let b: string

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  spawnCli(args, work, { GITHUB_API_URL: world.github.apiUrl, KUBESPRAY_API_URL: world.github.apiUrl, GITHUB_TOKEN: TOKEN, XDG_CACHE_HOME: join(work, 'xdg'), ...env }).done

const releaseOf = (tag: string): StoredRelease | undefined => world.github.releases.get(REPO)?.find((r) => r.tag_name === tag)
const assetsOf = (tag: string) => releaseOf(tag)?.assets ?? []
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')
const sumsOf = (dir: string) => parseSums(readFileSync(join(dir, 'SHA256SUMS'), 'utf8'))
const ok = (r: CliResult): CliResult => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`)
  return r
}

beforeAll(async () => {
  world = await startWorld()
  work = tempDir('kb-delta-')
  world.github.releases.set(REPO, [])
  a = join(work, 'a')
  b = join(work, 'b')
  const common = ['build', '--kubespray', '2.30', '--arch', 'amd64', '--insecure-registry', world.registryHost]
  ok(await cli([...common, '--out', a]))
  ok(await cli([...common, '--out', b, '-e', `etcd_version=${ETCD_VERSIONS[1]}`, '-e', 'coredns_image_tag=v1.12.1']))
  // The base, published in full; B in full too (what a full fetch gives, to compare with).
  ok(await cli(['publish', '--bundle', a, '--repo', REPO, '--tag', 'base', '--part-size', PART_SIZE]))
  ok(await cli(['publish', '--bundle', b, '--repo', REPO, '--tag', 'full', '--part-size', PART_SIZE]))
}, 120_000)

afterAll(async () => {
  await world?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('deltas', () => {
  /** What B holds that A lacks, by sha256: the bytes a delta must carry. */
  let changed: Array<{ path: string; sha256: string }>
  let changedBytes: number
  let baseSums: string

  beforeAll(() => {
    const inA = new Set(sumsOf(a).map((e) => e.sha256))
    changed = sumsOf(b).filter((e) => isContentPath(e.path) && !inA.has(e.sha256))
    changedBytes = changed.reduce((n, e) => n + statSync(join(b, e.path)).size, 0)
    baseSums = sha256(readFileSync(join(a, 'SHA256SUMS')))
  })

  it('the two bundles differ by one file and one image (its blobs but the shared base layer)', () => {
    const files = changed.filter((e) => e.path.startsWith('files/'))
    expect(files.map((f) => f.path)).toEqual([expect.stringContaining(`etcd-${ETCD_VERSIONS[1]}-linux-amd64.tar.gz`)])
    const blobs = changed.filter((e) => e.path.startsWith('images/blobs/'))
    // coredns v1.12.1: its index, manifests, config and own layer (60 kB); the other images' blobs and the shared base layer (200 kB) are the base's.
    expect(blobs.length).toBeGreaterThanOrEqual(3)
    expect(blobs.length).toBeLessThanOrEqual(6)
    expect(changedBytes).toBeLessThan(600_000)
  })

  it('planDelta: what the base lacks by sha256 is carried, the rest taken from the base, metadata never compared', () => {
    const plan = planDelta(sumsOf(b), sumsOf(a))
    expect(plan.carry).toEqual([...changed].sort((x, y) => (x.path < y.path ? -1 : 1)))
    expect(plan.take.every((t) => isContentPath(t.path))).toBe(true)
    // A file whose url moved but whose bytes did not is taken from where the base has it.
    const moved = planDelta([{ path: 'files/new/place/kubelet', sha256: 'f'.repeat(64) }, { path: 'bundle.json', sha256: 'e'.repeat(64) }], [{ path: 'files/old/kubelet', sha256: 'f'.repeat(64) }])
    expect(moved).toEqual({ carry: [], take: [{ path: 'files/new/place/kubelet', from: 'files/old/kubelet', sha256: 'f'.repeat(64) }] })
  })

  it('the base bundle of a release of several: the same prefix, else the only one, else the one sharing the most content', () => {
    const line = (path: string, c: string): { path: string; sha256: string } => ({ path, sha256: c.repeat(64) })
    const ours = [line('files/a', 'a'), line('files/b', 'b'), line('images/blobs/sha256/' + 'c'.repeat(64), 'c'), line('bundle.json', 'd')]
    expect(chooseBaseBundle([{ prefix: 'x' }, { prefix: 'p' }], 'p', ours, 'R')).toBe('p')
    expect(chooseBaseBundle([{ prefix: 'x' }], 'p', ours, 'R')).toBe('x')
    const amd64 = { prefix: 'amd64', lines: [line('files/a', 'a'), line('files/b', 'b'), line('bundle.json', 'd')] }
    const arm64 = { prefix: 'arm64', lines: [line('files/a', 'a'), line('bundle.json', 'd')] }
    expect(chooseBaseBundle([amd64, arm64], 'p', ours, 'R')).toBe('amd64')
    expect(() => chooseBaseBundle([arm64, { ...arm64, prefix: 'other' }], 'p', ours, 'R release T')).toThrow(/R release T holds several bundles and no one of them shares the most content with this one \(arm64: 1, other: 1\)/)
  })

  it('a delta manifest whose paths lead out of the bundle is refused, naming the entry', () => {
    const good: DeltaManifest = { schema: 'kubespray-bundle-delta/v1', tool: { name: 'kubespray-bundle', version: '1' }, prefix: 'p', sums: 'a'.repeat(64), base: { repo: 'o/n', tag: 't', prefix: 'q', sums: 'b'.repeat(64) }, take: [{ path: 'files/x', from: 'files/x', sha256: 'c'.repeat(64) }], bytes: { full: 1, carried: 0, fromBase: 1 } }
    expect(parseDeltaManifest(JSON.stringify(good), 'm')).toEqual(good)
    const bad = (take: unknown): string => JSON.stringify({ ...good, take })
    expect(() => parseDeltaManifest(bad([{ path: '../x', from: 'files/x', sha256: 'c'.repeat(64) }]), 'm')).toThrow(/m: not a delta manifest .*take\[0\]\.path "\.\.\/x"/)
    expect(() => parseDeltaManifest(bad([{ path: 'bundle.json', from: 'files/x', sha256: 'c'.repeat(64) }]), 'm')).toThrow(/take\[0\]\.path "bundle\.json" is not a file, blob or tarball path/)
    expect(() => parseDeltaManifest(bad([{ path: 'files/x', from: '/etc/passwd', sha256: 'c'.repeat(64) }]), 'm')).toThrow(/take\[0\]\.from "\/etc\/passwd"/)
    expect(() => parseDeltaManifest(JSON.stringify({ ...good, base: { ...good.base, sums: 'nope' } }), 'm')).toThrow(/base\.sums is not a sha256/)
  })

  it('publish --base-tag: assets hold little more than the changed bytes; the delta manifest names the base; the base release is untouched', async () => {
    const before = JSON.stringify(assetsOf('base').map((x) => [x.id, x.name, x.digest]))
    const partGets = world.github.storageRequests.length
    const r = ok(await cli(['publish', '--bundle', b, '--repo', REPO, '--tag', 'delta', '--base-tag', 'base', '--part-size', PART_SIZE]))
    expect(JSON.stringify(assetsOf('base').map((x) => [x.id, x.name, x.digest]))).toBe(before)
    // Of the base, only its SHA256SUMS and its bundle's sums asset were read, never a part.
    const baseIds = new Map(assetsOf('base').map((x) => [`/asset/${x.id}`, x.name]))
    const read = world.github.storageRequests.slice(partGets).flatMap((q) => baseIds.get(q.path) ?? [])
    expect(read.sort()).toEqual(['SHA256SUMS', assetsOf('base').find((x) => x.name.includes('-sums-'))?.name].sort())

    const assets = assetsOf('delta').filter((x) => x.name !== 'SHA256SUMS')
    const total = assets.reduce((n, x) => n + x.size, 0)
    const full = assetsOf('full').filter((x) => x.name !== 'SHA256SUMS').reduce((n, x) => n + x.size, 0)
    // The changed bytes, plus tar headers, the metadata (bundle.json, SHA256SUMS, lists) and the delta manifest.
    expect(total).toBeGreaterThan(changedBytes)
    expect(total).toBeLessThan(changedBytes + 96 * 1024)
    expect(total * 5).toBeLessThan(full)
    expect(r.stdout).toMatch(new RegExp(`delta against base: .* \\(${total} bytes\\) of assets .*; full bundle .*\\(\\d+ bytes\\)`))
    // No part holds the kubelet, Kubespray's tarball, or any blob the base has.
    const deltaAsset = assets.find((x) => x.name.includes('-delta-'))
    expect(deltaAsset?.name).toMatch(/-delta-[0-9a-f]{8}\.json$/)
    const manifest: DeltaManifest = parseDeltaManifest(readFileSync(deltaAsset?.path ?? '', 'utf8'), 'delta')
    expect(manifest.base).toEqual({ repo: REPO, tag: 'base', prefix: expect.stringMatching(/^kubespray-v2\.30\.0-amd64-[0-9a-f]{8}$/), sums: baseSums })
    expect(manifest.sums).toBe(sha256(readFileSync(join(b, 'SHA256SUMS'))))
    expect(manifest.take.map((t) => t.path)).toEqual(expect.arrayContaining([expect.stringMatching(/\/kubelet$/), expect.stringMatching(/^kubespray-.*\.tar\.gz$/)]))
    expect(manifest.bytes.carried).toBe(changedBytes)
    for (const x of assets) expect(partKind(manifest.prefix, x.name)).toBeDefined()
  })

  describe('the far side', () => {
    let base: string
    let fullFetch: string

    beforeAll(async () => {
      base = join(work, 'far-base')
      fullFetch = join(work, 'far-full')
      ok(await cli(['fetch', '--repo', REPO, '--tag', 'base', '--out', base]))
      ok(await cli(['fetch', '--repo', REPO, '--tag', 'full', '--out', fullFetch]))
    }, 60_000)

    it('fetch --base: unchanged files and blobs hard-linked from the base, the result byte-identical to a full fetch; the base left as it was', async () => {
      const baseTree = bundleTree(base)
      const out = join(work, 'far-delta')
      const r = ok(await cli(['fetch', '--repo', REPO, '--tag', 'delta', '--base', base, '--out', out]))
      expect(r.stdout).toMatch(/a delta against base: \d+ files and blobs .* taken from .* \(\d+ hard-linked, 0 copied\)/)
      expect(readFileSync(join(out, 'SHA256SUMS'), 'utf8')).toBe(readFileSync(join(fullFetch, 'SHA256SUMS'), 'utf8'))
      expect(bundleTree(out)).toEqual(bundleTree(fullFetch))
      expect(bundleTree(base)).toEqual(baseTree)
      const kubelet = sumsOf(out).find((e) => e.path.endsWith('/kubelet'))?.path ?? ''
      expect(statSync(join(out, kubelet)).ino).toBe(statSync(join(base, kubelet)).ino)
    })

    it('fetch --from-dir --base: the copied delta assets rebuild the same directory, with no network', async () => {
      const copied = join(work, 'delta-assets')
      mkdirSync(copied)
      for (const x of assetsOf('delta').filter((y) => !y.name.includes('-sums-'))) copyFileSync(x.path, join(copied, x.name))
      const out = join(work, 'far-from-dir')
      ok(await cli(['fetch', '--from-dir', copied, '--base', base, '--out', out], { GITHUB_API_URL: 'http://127.0.0.1:9' }))
      expect(bundleTree(out)).toEqual(bundleTree(fullFetch))
    })

    it('a wrong base or none is refused within seconds, naming the base tag and the digest expected, before any part is downloaded', async () => {
      const parts = new Set(assetsOf('delta').filter((x) => x.name.endsWith('.tar')).map((x) => `/asset/${x.id}`))
      const from = world.github.storageRequests.length
      const started = Date.now()
      const wrong = await cli(['fetch', '--repo', REPO, '--tag', 'delta', '--base', fullFetch, '--out', join(work, 'far-wrong')])
      expect(wrong.status).toBe(1)
      expect(wrong.stderr).toContain(`--base ${fullFetch} is not the base of this delta`)
      expect(wrong.stderr).toContain(`${REPO} release base`)
      expect(wrong.stderr).toContain(`the delta expects ${baseSums}`)
      const none = await cli(['fetch', '--repo', REPO, '--tag', 'delta', '--out', join(work, 'far-none')])
      expect(none.status).toBe(1)
      expect(none.stderr).toContain(`a delta against ${REPO} release base`)
      expect(none.stderr).toContain(baseSums)
      expect(none.stderr).toContain('--base BASE')
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(world.github.storageRequests.slice(from).filter((q) => parts.has(q.path))).toEqual([])
    })

    it('a base changed after it was fetched is named (the file, its hash, what its SHA256SUMS says), and a run after it is put right succeeds', async () => {
      const changedBase = join(work, 'far-base-changed')
      cpSync(base, changedBase, { recursive: true })
      const kubelet = sumsOf(changedBase).find((e) => e.path.endsWith('/kubelet'))
      const path = join(changedBase, kubelet?.path ?? '')
      // Written in place, as an editor or a stray script would: same inode, other bytes.
      writeFileSync(path, 'not the kubelet')
      const out = join(work, 'far-changed')
      const r = await cli(['fetch', '--repo', REPO, '--tag', 'delta', '--base', changedBase, '--out', out])
      expect(r.status).toBe(1)
      expect(r.stderr).toContain(`--base ${changedBase}: ${kubelet?.path} hashes to ${sha256('not the kubelet')}, its SHA256SUMS says ${kubelet?.sha256}: the base changed after it was fetched; fetch ${REPO} release base again`)
      // Put right as a fetch does it (a new file renamed into place): the next run takes it anew.
      rmSync(path)
      copyFileSync(join(base, kubelet?.path ?? ''), path)
      ok(await cli(['fetch', '--repo', REPO, '--tag', 'delta', '--base', changedBase, '--out', out]))
      expect(bundleTree(out)).toEqual(bundleTree(fullFetch))
    })

    // Another user's file that user may neither hard-link (fs.protected_hardlinks) nor read: root
    // runs the fetch as nobody (setpriv) to meet it.
    const asNobody = process.getuid?.() === 0 && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0 ? it : it.skip
    asNobody('a base file that can be neither linked nor copied is named as the base\'s, with what to check', async () => {
      const locked = join(work, 'far-base-locked')
      cpSync(base, locked, { recursive: true })
      chmodSync(work, 0o755)
      const kubelet = sumsOf(locked).find((e) => e.path.endsWith('/kubelet'))?.path ?? ''
      chmodSync(join(locked, kubelet), 0o600)
      const out = join(work, 'far-locked')
      const cache = join(work, 'nobody-cache')
      for (const dir of [out, cache]) {
        mkdirSync(dir)
        chownSync(dir, 65534, 65534)
      }
      const run = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(REPO_ROOT, 'dist/cli.js'), 'fetch', '--repo', REPO, '--tag', 'delta', '--base', locked, '--out', out], {
        cwd: out,
        env: { ...process.env, HOME: cache, XDG_CACHE_HOME: cache, GITHUB_API_URL: world.github.apiUrl, GITHUB_TOKEN: TOKEN }
      })
      let stderr = ''
      run.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const status = await new Promise<number | null>((resolve) => run.on('close', resolve))
      expect(status).toBe(1)
      expect(stderr).toContain(`--base ${locked}: ${kubelet} could be neither hard-linked nor copied into the bundle (EACCES): check that the base's files are readable by this user and --out is writable`)
    })

    it('--out the base or inside it is refused before anything is written into the base', async () => {
      const everything = (dir: string): string[] => (readdirSync(dir, { recursive: true }) as string[]).sort()
      const before = everything(base)
      for (const out of [base, join(base, 'inner')]) {
        const r = await cli(['fetch', '--repo', REPO, '--tag', 'delta', '--base', base, '--out', out])
        expect(r.status).toBe(1)
        expect(r.stderr).toContain(`--base ${base} and --out ${out}: the base is read, never written`)
      }
      expect(everything(base)).toEqual(before)
      ok(await cli(['verify', '--bundle', base]))
    })

    it('fetch --from-dir of a delta with no --base says how to fetch the base with no network too', async () => {
      const copied = join(work, 'delta-assets-nobase')
      mkdirSync(copied)
      for (const x of assetsOf('delta').filter((y) => !y.name.includes('-sums-'))) copyFileSync(x.path, join(copied, x.name))
      const r = await cli(['fetch', '--from-dir', copied, '--out', join(work, 'far-from-dir-nobase')], { GITHUB_API_URL: 'http://127.0.0.1:9' })
      expect(r.status).toBe(1)
      expect(r.stderr).toContain('--base BASE')
      expect(r.stderr).toContain('fetch --from-dir BASE_ASSETS --out BASE')
    })

    it('an interrupted delta fetch resumes: the second run fetches only the part the first could not', async () => {
      const out = join(work, 'far-resumed')
      const missing = assetsOf('delta').find((x) => x.name.includes('-images-'))
      world.github.unavailable.add(missing?.name ?? '')
      const first = await cli(['fetch', '--repo', REPO, '--tag', 'delta', '--base', base, '--out', out])
      world.github.unavailable.delete(missing?.name ?? '')
      expect(first.status).toBe(1)
      expect(first.stderr).toContain('run fetch again to resume')
      const from = world.github.storageRequests.length
      ok(await cli(['fetch', '--repo', REPO, '--tag', 'delta', '--base', base, '--out', out]))
      const sumsId = assetsOf('delta').find((x) => x.name === 'SHA256SUMS')?.id
      expect(world.github.storageRequests.slice(from).map((q) => q.path).filter((p) => p !== `/asset/${sumsId}`)).toEqual([`/asset/${missing?.id}`])
      expect(bundleTree(out)).toEqual(bundleTree(fullFetch))
    })
  })

  it('a base published before deltas (no sums asset) fails naming the tag and what is missing; nothing is uploaded', async () => {
    // The base release as an older version published it: its parts and a SHA256SUMS without the sums asset.
    const old = assetsOf('base').filter((x) => !x.name.includes('-sums-') && x.name !== 'SHA256SUMS')
    const sumsPath = join(work, 'old-sums')
    writeFileSync(sumsPath, old.map((x) => `${x.digest.slice('sha256:'.length)}  ${x.name}\n`).join(''))
    const text = readFileSync(sumsPath)
    world.github.releases.get(REPO)?.push({ id: 880_001, tag_name: 'old', draft: false, assets: [...old.map((x, i) => ({ ...x, id: 880_100 + i })), { id: 880_099, name: 'SHA256SUMS', size: text.length, state: 'uploaded', digest: `sha256:${sha256(text)}`, path: sumsPath }] })
    const r = await cli(['publish', '--bundle', b, '--repo', REPO, '--tag', 'delta-of-old', '--base-tag', 'old', '--part-size', PART_SIZE])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/release old \(--base-tag\): bundle kubespray-v2\.30\.0-amd64-[0-9a-f]{8} has no kubespray-v2\.30\.0-amd64-[0-9a-f]{8}-sums-\*\.txt asset .* published before deltas/)
    expect(r.stderr).not.toMatch(/^packed /m)
    expect(releaseOf('delta-of-old')).toBeUndefined()
    // A release of two bundles, one of them published before deltas: the other is the base.
    const ofBase = assetsOf('base').filter((x) => x.name !== 'SHA256SUMS')
    const basePrefix = ofBase.find((x) => x.name.includes('-sums-'))?.name.replace(/-sums-.*$/, '') ?? ''
    const arm = old.map((x, i) => ({ ...x, id: 880_300 + i, name: x.name.replace(basePrefix, 'kubespray-v2.30.0-arm64-0badc0de') }))
    const mixedSums = join(work, 'mixed-sums')
    writeFileSync(mixedSums, [...ofBase, ...arm].map((x) => `${x.digest.slice('sha256:'.length)}  ${x.name}\n`).join(''))
    const mixedText = readFileSync(mixedSums)
    world.github.releases.get(REPO)?.push({ id: 880_002, tag_name: 'mixed', draft: false, assets: [...ofBase.map((x, i) => ({ ...x, id: 880_200 + i })), ...arm, { id: 880_299, name: 'SHA256SUMS', size: mixedText.length, state: 'uploaded', digest: `sha256:${sha256(mixedText)}`, path: mixedSums }] })
    ok(await cli(['publish', '--bundle', b, '--repo', REPO, '--tag', 'delta-of-mixed', '--base-tag', 'mixed', '--part-size', PART_SIZE]))
    const mixedDelta = assetsOf('delta-of-mixed').find((x) => x.name.includes('-delta-'))
    expect(parseDeltaManifest(readFileSync(mixedDelta?.path ?? '', 'utf8'), 'delta').base.prefix).toBe(basePrefix)
    const same = await cli(['publish', '--bundle', b, '--repo', REPO, '--tag', 'base', '--base-tag', 'base'])
    expect(same.status).toBe(1)
    expect(same.stderr).toContain('--base-tag base is --tag itself')
  })
})
