/**
 * publish → fetch round trips through the GitHub stand-in's release endpoints (uploads on their
 * own origin, downloads redirected to storage with Range): parts below the budget, each usable
 * alone, idempotent re-runs, a failed upload retried, an interrupted fetch resumed, and the
 * manual curl + sha256sum -c + tar -xf path.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../src/adapters/http/client.js'
import { GitHubClient } from '../src/adapters/github/client.js'
import { GitHubReleases } from '../src/adapters/github/releases.js'
import type { BundleManifest } from '../src/domain/bundle.js'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { tempDir } from './helpers/temp.js'
import { bundleTree } from './helpers/tree.js'
import { startWorld, type StoredRelease, type World } from './helpers/world.js'

const TOKEN = 'ghp_publishtoken0123456789'
const REPO = 'example/bundles'
let world: World
let work: string

beforeAll(async () => {
  world = await startWorld()
  work = tempDir('kb-publish-')
  world.github.releases.set(REPO, [])
}, 60_000)

afterAll(async () => {
  await world?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  spawnCli(args, work, { GITHUB_API_URL: world.github.apiUrl, KUBESPRAY_API_URL: world.github.apiUrl, GITHUB_TOKEN: TOKEN, XDG_CACHE_HOME: join(work, 'xdg'), ...env }).done

const assetsOf = (tag: string) => world.github.releases.get(REPO)?.find((r) => r.tag_name === tag)?.assets ?? []
const idsOf = (tag: string): string[] => assetsOf(tag).map((a) => `${a.id}:${a.name}`).sort()

/** Flips one byte in the middle of a file. */
function flipByte(path: string): void {
  const at = Math.floor(statSync(path).size / 2)
  const fd = openSync(path, 'r+')
  try {
    const byte = Buffer.alloc(1)
    readSync(fd, byte, 0, 1, at)
    byte[0] ^= 0xff
    writeSync(fd, byte, 0, 1, at)
  } finally {
    closeSync(fd)
  }
}

/**
 * Looks at a release after every change the stand-in makes to its assets and records each
 * moment its SHA256SUMS names an asset that is not there, finished, with the bytes listed; and
 * the longest run of moments without a SHA256SUMS (a swap deletes the old one, then renames the
 * new one in: one moment).
 */
function watchSums(tag: string): { stop(): { moments: number; broken: string[]; longestWithout: number } } {
  let moments = 0
  let without = 0
  let longestWithout = 0
  const broken: string[] = []
  const unwatch = world.github.watchAssets((release) => {
    if (release.tag_name !== tag) return
    moments++
    const sums = release.assets.find((a) => a.name === 'SHA256SUMS' && a.state === 'uploaded')
    without = sums ? 0 : without + 1
    longestWithout = Math.max(longestWithout, without)
    if (!sums) return
    for (const line of readFileSync(sums.path, 'utf8').trim().split('\n')) {
      const [sha256, name] = [line.slice(0, 64), line.slice(66)]
      const there = release.assets.find((a) => a.name === name)
      if (!there || there.state !== 'uploaded' || there.digest !== `sha256:${sha256}`) broken.push(`moment ${moments}: ${name} ${there ? `is ${there.state}, ${there.digest}` : 'is missing'}`)
    }
  })
  return {
    stop: () => {
      unwatch()
      return { moments, broken, longestWithout }
    }
  }
}

describe('publish and fetch', () => {
  let bundle: string

  beforeAll(async () => {
    bundle = join(work, 'bundle')
    const r = await cli(['build', '--kubespray', '2.30', '--arch', 'amd64,arm64', '--out', bundle, '--insecure-registry', world.registryHost])
    if (r.status !== 0) throw new Error(r.stderr)
  }, 60_000)

  it('publishes parts below the budget plus SHA256SUMS; fetch rebuilds an identical, verified directory', async () => {
    const budget = 3500 * 1024
    const r = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'kubespray-v2.30.0', '--part-size', String(budget)])
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('created https://github.example/example/bundles/releases/tag/kubespray-v2.30.0')
    const assets = assetsOf('kubespray-v2.30.0')
    const names = assets.map((a) => a.name).sort()
    expect(names).toContain('SHA256SUMS')
    // <prefix>-<kind>[-NN]-<sha8>.tar, the prefix kubespray-<tag>-<arches>-<config8>.
    expect(names.filter((n) => /^kubespray-v2\.30\.0-amd64_arm64-[0-9a-f]{8}-bundle-[0-9a-f]{8}\.tar$/.test(n))).toHaveLength(1)
    for (const a of assets.filter((x) => x.name !== 'SHA256SUMS')) expect(a.name).toMatch(new RegExp(`-${/^sha256:([0-9a-f]{8})/.exec(a.digest)?.[1]}\\.(tar|txt)$`))
    // The bundle's own SHA256SUMS beside its parts, as it is: what a later delta reads of this release.
    const own = assets.filter((a) => /-sums-[0-9a-f]{8}\.txt$/.test(a.name))
    expect(own).toHaveLength(1)
    expect(readFileSync(own[0].path, 'utf8')).toBe(readFileSync(join(bundle, 'SHA256SUMS'), 'utf8'))
    expect(names.filter((n) => n.includes('-files-')).length).toBeGreaterThanOrEqual(2)
    expect(names.filter((n) => n.includes('-images-')).length).toBeGreaterThanOrEqual(1)
    for (const a of assets) expect(a.size).toBeLessThanOrEqual(budget)
    expect(assets.every((a) => a.state === 'uploaded')).toBe(true)
    const out = join(work, 'fetched')
    const f = await cli(['fetch', '--repo', REPO, '--tag', 'kubespray-v2.30.0', '--out', out], { GITHUB_TOKEN: '' })
    expect(f.stderr).not.toContain('error')
    expect(f.status).toBe(0)
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe('')
    expect(bundleTree(out)).toEqual(bundleTree(bundle))
    // Downloads followed the API's redirect to storage.
    expect(world.github.storageRequests.length).toBeGreaterThanOrEqual(assets.length - 1)
  })

  it('a re-run publishes nothing new: same bytes, same names, no duplicates; the release stays published', async () => {
    const before = assetsOf('kubespray-v2.30.0').map((a) => `${a.id}:${a.name}`).sort()
    const r = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'kubespray-v2.30.0', '--part-size', String(3500 * 1024)])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/updated https:\/\/github\.example/)
    expect(r.stdout).not.toMatch(/ (uploaded|replaced)\n/)
    expect(assetsOf('kubespray-v2.30.0').map((a) => `${a.id}:${a.name}`).sort()).toEqual(before)
    expect(world.github.releases.get(REPO)?.filter((x) => x.tag_name === 'kubespray-v2.30.0')).toHaveLength(1)
    expect(world.github.releases.get(REPO)?.[0].draft).toBe(false)
  })

  it('--json: publish and fetch print their result objects, one JSON object on stdout', async () => {
    const p = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'kubespray-v2.30.0', '--part-size', String(3500 * 1024), '--json'])
    expect(p.status).toBe(0)
    const published = JSON.parse(p.stdout) as { releaseUrl: string; assets: Array<{ name: string; action: string }> }
    expect(published.releaseUrl).toMatch(/^https:\/\/github\.example/)
    expect(published.assets.map((a) => a.name).sort()).toEqual(assetsOf('kubespray-v2.30.0').map((a) => a.name).sort())
    const f = await cli(['fetch', '--repo', REPO, '--tag', 'kubespray-v2.30.0', '--out', join(work, 'json-fetch'), '--json'])
    expect(f.status).toBe(0)
    const fetched = JSON.parse(f.stdout) as { ok: boolean; files: number; mismatches: string[] }
    expect(fetched.ok).toBe(true)
    expect(fetched.files).toBeGreaterThan(2)
  })

  it('fetch --from-dir: the assets copied across, checked against SHA256SUMS, rebuild the same bundle with no network; a changed copy is named', async () => {
    const assets = join(work, 'copied-assets')
    mkdirSync(assets, { recursive: true })
    for (const a of assetsOf('kubespray-v2.30.0')) copyFileSync(a.path, join(assets, a.name))
    const out = join(work, 'from-dir')
    const r = await cli(['fetch', '--from-dir', assets, '--out', out], { GITHUB_API_URL: 'http://127.0.0.1:9' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(readFileSync(join(out, 'SHA256SUMS'), 'utf8')).toBe(readFileSync(join(bundle, 'SHA256SUMS'), 'utf8'))
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe('')
    const part = readdirSync(assets).find((n) => n.includes('-files-')) ?? ''
    // The copies are the user's: all still there after the fetch.
    expect(readdirSync(assets).sort()).toEqual(assetsOf('kubespray-v2.30.0').map((a) => a.name).sort())
    const bytes = readFileSync(join(assets, part))
    bytes[bytes.length >> 1] ^= 0xff
    writeFileSync(join(assets, part), bytes)
    const bad = await cli(['fetch', '--from-dir', assets, '--out', join(work, 'from-dir-bad')])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain(`${part}: its bytes hash to sha256`)
    expect(existsSync(join(work, 'from-dir-bad', 'bundle.json'))).toBe(false)
  })

  it('a failed upload is retried after its empty leftover asset is deleted: one asset per name, all complete', async () => {
    world.github.failUploads(2)
    const r = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'retry-test', '--part-size', String(3500 * 1024)])
    expect(r.stderr).not.toContain('error:')
    expect(r.status).toBe(0)
    const assets = assetsOf('retry-test')
    expect(assets.every((a) => a.state === 'uploaded')).toBe(true)
    expect(new Set(assets.map((a) => a.name)).size).toBe(assets.length)
    expect(assets.map((a) => a.name).sort()).toEqual(assetsOf('kubespray-v2.30.0').map((a) => a.name).sort())
  })

  it('an interrupted fetch resumes: the second run fetches only what the first could not', async () => {
    const out = join(work, 'resumed')
    const missing = assetsOf('kubespray-v2.30.0').find((a) => a.name.includes('-files-02'))?.name ?? ''
    world.github.unavailable.add(missing)
    const first = await cli(['fetch', '--repo', REPO, '--tag', 'kubespray-v2.30.0', '--out', out])
    expect(first.status).toBe(1)
    expect(first.stderr).toContain(`HTTP 404`)
    world.github.unavailable.delete(missing)
    const before = world.github.storageRequests.length
    const second = await cli(['fetch', '--repo', REPO, '--tag', 'kubespray-v2.30.0', '--out', out])
    expect(second.stderr).not.toContain('error')
    expect(second.status).toBe(0)
    // Besides the release's SHA256SUMS (read every run), only the asset the first run lacked.
    const sumsId = assetsOf('kubespray-v2.30.0').find((a) => a.name === 'SHA256SUMS')?.id
    const asked = world.github.storageRequests.slice(before).map((q) => q.path).filter((p) => p !== `/asset/${sumsId}`)
    const missingId = assetsOf('kubespray-v2.30.0').find((a) => a.name === missing)?.id
    expect(asked).toEqual([`/asset/${missingId}`])
    expect(bundleTree(out)).toEqual(bundleTree(bundle))
  })

  it("the manual path: curl every asset, then the release notes' commands (sha256sum -c, tar -xf) rebuild the bundle", () => {
    const dl = join(work, 'manual-dl')
    mkdirSync(dl, { recursive: true })
    for (const a of assetsOf('kubespray-v2.30.0')) writeFileSync(join(dl, a.name), readFileSync(a.path))
    const notes = world.github.releases.get(REPO)?.find((r) => r.tag_name === 'kubespray-v2.30.0')?.body ?? ''
    const commands = /```sh\n([\s\S]*?)```/.exec(notes)?.[1] ?? ''
    expect(commands).toContain('-bundle-*.tar')
    execFileSync('bash', ['-euo', 'pipefail', '-c', commands], { cwd: dl })
    expect(bundleTree(join(dl, 'bundle'))).toEqual(bundleTree(bundle))
  })

  it('with a small budget the images split into several parts, each an OCI archive skopeo imports alone', async () => {
    const imagesOnly = join(work, 'images-only')
    const b = await cli(['build', '--kubespray', '2.30', '--arch', 'amd64,arm64', '--out', imagesOnly, '--no-files', '--insecure-registry', world.registryHost])
    expect(b.status).toBe(0)
    const budget = 400 * 1024
    const r = await cli(['publish', '--bundle', imagesOnly, '--repo', REPO, '--tag', 'images-only', '--part-size', String(budget)])
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    const parts = assetsOf('images-only').filter((a) => a.name.includes('-images-'))
    expect(parts.length).toBeGreaterThanOrEqual(2)
    let imported = 0
    for (const part of parts) {
      expect(part.size).toBeLessThanOrEqual(budget)
      const archive = join(work, part.name)
      writeFileSync(archive, readFileSync(part.path))
      const index = JSON.parse(execFileSync('tar', ['-xOf', archive, 'index.json'], { encoding: 'utf8' })) as { manifests: Array<{ annotations: Record<string, string> }> }
      for (const m of index.manifests) {
        const line = m.annotations['org.opencontainers.image.ref.name']
        for (const arch of ['amd64', 'arm64']) {
          execFileSync('skopeo', ['copy', '-q', '--override-arch', arch, `oci-archive:${archive}:${line}`, `docker-archive:${join(work, 'one.tar')}`])
          rmSync(join(work, 'one.tar'))
        }
        imported++
      }
    }
    expect(imported).toBe(6)
  })

  it('names bad input: no bundle, a part size too small for a file, no token', async () => {
    const none = await cli(['publish', '--bundle', join(work, 'nothing'), '--repo', REPO, '--tag', 'x'])
    expect(none.status).toBe(1)
    expect(none.stderr).toContain(`--bundle ${join(work, 'nothing')}: no such directory`)
    const notRepo = await cli(['publish', '--bundle', bundle, '--repo', 'notarepo', '--tag', 'x'])
    expect(notRepo.status).toBe(2)
    expect(notRepo.stderr).toContain('--repo notarepo: expected OWNER/NAME')
    const small = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'x', '--part-size', '1M'])
    expect(small.status).toBe(1)
    expect(small.stderr).toMatch(/kubelet \(3145728 bytes\) is larger than the part size 1048576; raise --part-size/)
    const token = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'x'], { GITHUB_TOKEN: '' })
    expect(token.status).toBe(2)
    expect(token.stderr).toContain('GITHUB_TOKEN is required to publish')
  })

  it('refuses a bundle that does not verify, naming the bad file: nothing packed, nothing uploaded', async () => {
    const corrupt = join(work, 'corrupt')
    cpSync(bundle, corrupt, { recursive: true })
    const manifest = JSON.parse(readFileSync(join(corrupt, 'bundle.json'), 'utf8')) as BundleManifest
    const victim = manifest.files.find((f) => f.path.endsWith('/kubelet'))?.path ?? ''
    flipByte(join(corrupt, victim))
    const before = idsOf('kubespray-v2.30.0')
    const r = await cli(['publish', '--bundle', corrupt, '--repo', REPO, '--tag', 'kubespray-v2.30.0', '--part-size', String(3500 * 1024)])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('does not verify, so nothing was packed or published (1 problem)')
    expect(r.stderr).toContain(victim.replace(/^files\//, ''))
    expect(r.stderr).not.toMatch(/^packed /m)
    expect(idsOf('kubespray-v2.30.0')).toEqual(before)
    const fresh = await cli(['publish', '--bundle', corrupt, '--repo', REPO, '--tag', 'corrupt-test'])
    expect(fresh.status).toBe(1)
    expect(world.github.releases.get(REPO)?.some((x) => x.tag_name === 'corrupt-test')).toBe(false)
  })

  it('an upload dying halfway leaves the old SHA256SUMS and every part it lists in place, fetchable; a re-run finishes', async () => {
    const tag = 'atomic'
    const first = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', tag, '--part-size', String(3500 * 1024)])
    expect(first.status).toBe(0)
    const oldSums = assetsOf(tag).find((a) => a.name === 'SHA256SUMS')
    const oldText = readFileSync(oldSums?.path ?? '', 'utf8')
    const oldParts = assetsOf(tag).filter((a) => a.name !== 'SHA256SUMS').map((a) => a.name)

    // Another part size cuts other parts (other bytes, other names). Every attempt at the first
    // files part fails, leaving a half-made asset each time, as a dying upload does.
    let victim: string | undefined
    world.github.failUploadsWhere({ count: 1000, match: (name) => name.includes('-files-') && (victim ??= name) === name })
    const watch = watchSums(tag)
    const failed = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', tag, '--part-size', String(4000 * 1024)])
    world.github.failUploadsWhere({ count: 0 })
    expect(failed.status).toBe(1)
    expect(victim).toMatch(/-files-\d\d-[0-9a-f]{8}\.tar\.partial$/)
    expect(failed.stderr).toContain(`uploading ${victim} failed`)
    const sums = assetsOf(tag).find((a) => a.name === 'SHA256SUMS')
    expect(sums?.id).toBe(oldSums?.id)
    expect(readFileSync(sums?.path ?? '', 'utf8')).toBe(oldText)
    for (const name of oldParts) expect(assetsOf(tag).find((a) => a.name === name)?.state).toBe('uploaded')
    const out = join(work, 'atomic-old')
    const f = await cli(['fetch', '--repo', REPO, '--tag', tag, '--out', out])
    expect(f.stderr).not.toContain('error')
    expect(f.status).toBe(0)
    expect(bundleTree(out)).toEqual(bundleTree(bundle))

    const rerun = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', tag, '--part-size', String(4000 * 1024)])
    const seen = watch.stop()
    expect(rerun.stderr).not.toContain('error')
    expect(rerun.status).toBe(0)
    // What the failed run put in place stays; the part that failed goes up now.
    expect(rerun.stdout).toMatch(/ unchanged\n/)
    expect(rerun.stderr).toContain(`uploaded ${victim?.replace(/\.partial$/, '')}\n`)
    const names = assetsOf(tag).map((a) => a.name)
    expect(names.filter((n) => oldParts.includes(n) && n.includes('-files-'))).toEqual([])
    expect(names.filter((n) => n.endsWith('.partial'))).toEqual([])
    expect(readFileSync(assetsOf(tag).find((a) => a.name === 'SHA256SUMS')?.path ?? '', 'utf8').trim().split('\n').map((l) => l.slice(66)).sort()).toEqual(names.filter((n) => n !== 'SHA256SUMS').sort())
    const again = join(work, 'atomic-new')
    expect((await cli(['fetch', '--repo', REPO, '--tag', tag, '--out', again])).status).toBe(0)
    expect(bundleTree(again)).toEqual(bundleTree(bundle))
    expect(seen.broken).toEqual([])
    expect(seen.moments).toBeGreaterThan(10)
  }, 60_000)

  it('a republish of changed content: at every moment, every name in SHA256SUMS is an uploaded asset with those bytes', async () => {
    const tag = 'atomic'
    const before = assetsOf(tag).filter((a) => a.name !== 'SHA256SUMS').map((a) => a.name)
    const watch = watchSums(tag)
    const r = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', tag, '--part-size', String(8000 * 1024)])
    const seen = watch.stop()
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    // Content changed (new names went up, old ones were deleted), observed throughout.
    expect(r.stdout).toMatch(/^deleted: /m)
    const after = assetsOf(tag).map((a) => a.name)
    const added = after.filter((n) => !before.includes(n) && n !== 'SHA256SUMS').length
    const removed = before.filter((n) => !after.includes(n)).length
    expect(added).toBeGreaterThan(0)
    expect(removed).toBeGreaterThan(0)
    // Seen: each new part uploaded and renamed, SHA256SUMS's upload, delete and rename, the old parts' deletes.
    expect(seen.moments).toBeGreaterThanOrEqual(2 * added + 3 + removed)
    expect(seen.broken).toEqual([])
    expect(seen.longestWithout).toBe(1)
  }, 60_000)

  it("a retried upload deletes only its own half-made asset, never another publisher's asset of that name", async () => {
    const http = createHttpClient(DEFAULT_HTTP_OPTIONS)
    try {
      const releases = new GitHubReleases(new GitHubClient({ http, apiUrl: world.github.apiUrl, token: TOKEN, userAgent: 'test' }), REPO)
      const { release } = await releases.createOrFind('retry-own', 'retry-own', '')
      const ours = join(work, 'our-sums')
      writeFileSync(ours, 'ours\n')
      const theirs = join(work, 'their-sums')
      writeFileSync(theirs, 'theirs\n')
      let other: number | undefined
      // Our upload dies; meanwhile another publisher's SHA256SUMS goes up under that name.
      world.github.failUploadsWhere({
        match: (name) => name === 'SHA256SUMS',
        leave: false,
        then: (stored) => {
          other = 9_900_001
          stored.assets.push({ id: other, name: 'SHA256SUMS', size: 7, state: 'uploaded', digest: `sha256:${createHash('sha256').update('theirs\n').digest('hex')}`, path: theirs, updated: Date.now() })
        }
      })
      await expect(releases.upload(release, 'SHA256SUMS', ours, 5)).rejects.toThrow(/HTTP 422/)
      const left = assetsOf('retry-own')
      expect(left.map((a) => [a.id, a.name, a.state])).toEqual([[other, 'SHA256SUMS', 'uploaded']])
      expect(readFileSync(left[0].path, 'utf8')).toBe('theirs\n')
    } finally {
      world.github.failUploadsWhere({ count: 0 })
      await http.close()
    }
  })

  it("a release that would pass GitHub's 1,000 assets fails before any upload, naming the count", async () => {
    // Another tool's 998 assets already in the release: ours (3 parts at least, plus
    // SHA256SUMS) cannot fit.
    const crowded: StoredRelease = { id: 990_001, tag_name: 'crowded', draft: false, assets: [] }
    for (let i = 0; i < 998; i++) crowded.assets.push({ id: 990_100 + i, name: `other-${i}.bin`, size: 1, state: 'uploaded', digest: '', path: '' })
    world.github.releases.get(REPO)?.push(crowded)
    const r = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'crowded'])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/release crowded would have 10\d\d assets \(the new parts beside the old until SHA256SUMS is swapped\); GitHub allows 1000 per release \(raise --part-size, or publish to another tag\)/)
    expect(assetsOf('crowded')).toHaveLength(998)
    expect(assetsOf('crowded').every((a) => a.name.startsWith('other-'))).toBe(true)
  })
})
