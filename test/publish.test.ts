/**
 * publish → fetch round trips through the GitHub stand-in's release endpoints (uploads on their
 * own origin, downloads redirected to storage with Range): parts below the budget, each usable
 * alone, idempotent re-runs, a failed upload retried, an interrupted fetch resumed, and the
 * manual curl + sha256sum -c + tar -xf path.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
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
    expect(names).toContain('kubespray-v2.30.0-amd64_arm64-bundle.tar')
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

  it('the manual path: curl every asset, sha256sum -c, tar -xf, and the bundle verifies', () => {
    const dl = join(work, 'manual-dl')
    mkdirSync(dl, { recursive: true })
    for (const a of assetsOf('kubespray-v2.30.0')) writeFileSync(join(dl, a.name), readFileSync(a.path))
    execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dl })
    const out = join(work, 'manual')
    mkdirSync(join(out, 'images'), { recursive: true })
    const names = readdirSync(dl)
    for (const n of names.filter((x) => x.includes('-images-'))) execFileSync('tar', ['-xf', join(dl, n), '-C', join(out, 'images')])
    for (const n of [...names.filter((x) => x.includes('-files-')), ...names.filter((x) => x.endsWith('-bundle.tar'))]) execFileSync('tar', ['-xf', join(dl, n), '-C', out])
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe('')
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
    expect(none.stderr).toContain('is not a complete bundle: it has no bundle.json')
    const small = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'x', '--part-size', '1M'])
    expect(small.status).toBe(1)
    expect(small.stderr).toMatch(/kubelet \(3145728 bytes\) is larger than the part size 1048576; raise --part-size/)
    const token = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'x'], { GITHUB_TOKEN: '' })
    expect(token.status).toBe(2)
    expect(token.stderr).toContain('GITHUB_TOKEN is required to publish')
  })

  it("a release that would pass GitHub's 1,000 assets fails before any upload, naming the count", async () => {
    // Another tool's 998 assets already in the release: ours (3 parts at least, plus
    // SHA256SUMS) cannot fit.
    const crowded: StoredRelease = { id: 990_001, tag_name: 'crowded', draft: false, assets: [] }
    for (let i = 0; i < 998; i++) crowded.assets.push({ id: 990_100 + i, name: `other-${i}.bin`, size: 1, state: 'uploaded', digest: '', path: '' })
    world.github.releases.get(REPO)?.push(crowded)
    const r = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'crowded'])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/release crowded would have 10\d\d assets; GitHub allows 1000 per release \(raise --part-size, or publish to another tag\)/)
    expect(assetsOf('crowded')).toHaveLength(998)
    expect(assetsOf('crowded').every((a) => a.name.startsWith('other-'))).toBe(true)
  })
})
