/**
 * One bundle for an upgrade path (#28 item 1): `build --kubespray 2.30,2.31` against the world's
 * upgrade line (v2.31.0 pins another Kubernetes and CoreDNS; etcd, pause and the images' base
 * layer are shared). What the versions share is stored once, counted against two single bundles
 * built the same way; bundle.json lists the versions; verify passes; offline-yml closes the loop
 * per version and refuses to guess which one.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { runCli, spawnCli, type CliResult } from './helpers/cli.js'
import { tempDir } from './helpers/temp.js'
import { KUBE_VERSION, NEXT_COREDNS_TAG, NEXT_KUBE_VERSION, startWorld, UPGRADE_REPOSITORY, UPGRADE_TAGS, type World } from './helpers/world.js'
import type { BundleManifest } from '../src/domain/bundle.js'

const FILES_URL = 'http://192.0.2.10:8080'
const REGISTRY = '192.0.2.10:35000'

let world: World
let work: string
let cache: string

beforeAll(async () => {
  world = await startWorld()
  await world.addUpgradeLine()
  work = tempDir('kb-multi-')
  cache = tempDir('kb-multi-cache-')
}, 60_000)

afterAll(async () => {
  await world?.stop()
  for (const d of [work, cache]) if (d) rmSync(d, { recursive: true, force: true })
})

const build = (args: string[]): Promise<CliResult> =>
  spawnCli(['build', '--kubespray-repository', UPGRADE_REPOSITORY, '--insecure-registry', world.registryHost, ...args], work, {
    KUBESPRAY_API_URL: world.github.apiUrl,
    XDG_CACHE_HOME: cache
  }).done

const manifestOf = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest

/** Every regular file of a bundle directory (its state directory aside), by path, with its size. */
function sizes(dir: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = relative(dir, join(e.parentPath, e.name))
    if (e.isFile() && !path.startsWith('.kubespray-bundle')) out.set(path, statSync(join(dir, path)).size)
  }
  return out
}

const total = (m: Map<string, number>): number => [...m.values()].reduce((n, s) => n + s, 0)

/** Content a bundle stores by its bytes (files and blobs), from its SHA256SUMS: path → sha256. */
function content(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of readFileSync(join(dir, 'SHA256SUMS'), 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}((files|images\/blobs)\/.+)$/.exec(line)
    if (m && m[2] !== 'files/SHA256SUMS') out.set(m[2], m[1])
  }
  return out
}

describe('a bundle of two Kubespray versions', () => {
  const multi = (): string => join(work, 'both')
  const singles = { old: '', next: '' }

  it('stores what the versions share once: smaller than the two single bundles together by their shared bytes', async () => {
    singles.old = join(work, 'old')
    singles.next = join(work, 'next')
    const runs = [await build(['--kubespray', '2.30', '--out', singles.old]), await build(['--kubespray', 'v2.31.0', '--out', singles.next])]
    const before = world.logLength()
    const both = await build(['--kubespray', '2.30,v2.31.0', '--out', multi()])
    for (const r of [...runs, both]) expect(r.stderr).not.toContain('FAILED')
    for (const r of [...runs, both]) expect(r.status).toBe(0)
    // Shared: same path, same bytes, in both single bundles.
    const [a, b] = [content(singles.old), content(singles.next)]
    const sizeA = sizes(singles.old)
    const shared = [...a].filter(([path, sha]) => b.get(path) === sha).reduce((n, [path]) => n + (sizeA.get(path) ?? 0), 0)
    expect(shared).toBeGreaterThan(400_000)
    // Each file and blob once: the content is exactly the two singles' less what they share.
    const m = content(multi())
    const sizeM = sizes(multi())
    const sizeB = sizes(singles.next)
    const contentBytes = (c: Map<string, string>, s: Map<string, number>): number => [...c.keys()].reduce((n, path) => n + (s.get(path) ?? 0), 0)
    expect(new Set(m.keys())).toEqual(new Set([...a.keys(), ...b.keys()]))
    expect(contentBytes(m, sizeM)).toBe(contentBytes(a, sizeA) + contentBytes(b, sizeB) - shared)
    // The whole directory too, up to its metadata (bundle.json lists more, one SHA256SUMS less).
    const saving = total(sizeA) + total(sizeB) - total(sizeM)
    expect(Math.abs(saving - shared)).toBeLessThan(16_384)
    // One download phase for both versions: no blob fetched twice.
    const gets = world.blobGets(before)
    expect(new Set(gets).size).toBe(gets.length)
    // bundle.json and the summary count the saving.
    const manifest = manifestOf(multi())
    expect(manifest.totals.saved).toBe(shared)
    expect(both.stdout).toContain(`saves `)
    expect(both.stdout).toContain(`(${shared} bytes)`)
    expect(both.stdout).toContain(`(${manifest.totals.bytes} bytes) in ${multi()}`)
  }, 120_000)

  it('bundle.json lists each version with its lists, kube_version, files and images; the layout is one', () => {
    const m = manifestOf(multi())
    expect(m.versions?.map((v) => v.kubespray.tag)).toEqual([...UPGRADE_TAGS])
    expect(m.versions?.map((v) => v.kubeVersion)).toEqual([KUBE_VERSION, NEXT_KUBE_VERSION])
    expect(m.versions?.map((v) => v.lists)).toEqual(UPGRADE_TAGS.map((t) => `lists/${t}`))
    // The target version on top, for readers that know one version.
    expect(m.kubespray.tag).toBe(UPGRADE_TAGS[1])
    expect(m.kubeVersion).toBe(NEXT_KUBE_VERSION)
    const [old, next] = m.versions ?? []
    expect(old.files.some((p) => p.includes(`v${KUBE_VERSION}/`))).toBe(true)
    expect(next.files.some((p) => p.includes(`v${NEXT_KUBE_VERSION}/`))).toBe(true)
    expect(next.images.some((l) => l.endsWith(`coredns:${NEXT_COREDNS_TAG}`))).toBe(true)
    expect(old.images.some((l) => l.endsWith(`coredns:${NEXT_COREDNS_TAG}`))).toBe(false)
    // Each version's lists are those of a single bundle of it; each carries its own tarball.
    for (const [tag, single] of [[UPGRADE_TAGS[0], singles.old], [UPGRADE_TAGS[1], singles.next]]) {
      expect(readFileSync(join(multi(), 'lists', tag, 'amd64', 'images.list'), 'utf8')).toBe(readFileSync(join(single, 'lists', 'amd64', 'images.list'), 'utf8'))
    }
    expect(readdirSync(multi()).filter((n) => n.endsWith('.tar.gz')).sort()).toEqual(UPGRADE_TAGS.map((t) => `kubespray-${t}.tar.gz`))
    expect(m.files.length).toBe(new Set([...old.files, ...next.files]).size)
    expect(m.images.length).toBe(new Set([...old.images, ...next.images]).size)
    // A single bundle stays as it was: no versions, lists/<arch>.
    expect(manifestOf(singles.old).versions).toBeUndefined()
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: multi(), encoding: 'utf8' })).toBe('')
  })

  it('verify checks every version; a version naming an image the bundle lacks is named', () => {
    const ok = runCli(['verify', '--bundle', multi()], work)
    expect(ok.stderr).toBe('')
    expect(ok.status).toBe(0)
    const path = join(multi(), 'bundle.json')
    const text = readFileSync(path, 'utf8')
    try {
      const m = JSON.parse(text) as BundleManifest
      m.versions?.[0].images.push('example.com/not/there:1')
      writeFileSync(path, JSON.stringify(m))
      const bad = runCli(['verify', '--bundle', multi()], work)
      expect(bad.status).toBe(1)
      expect(bad.stderr).toContain(`image example.com/not/there:1: Kubespray ${UPGRADE_TAGS[0]} names it, but bundle.json's images do not`)
    } finally {
      writeFileSync(path, text)
    }
  })

  it('offline-yml --kubespray TAG closes the loop for each version; without it, it names the versions', () => {
    for (const [tag, kube] of [[UPGRADE_TAGS[0], KUBE_VERSION], [UPGRADE_TAGS[1], NEXT_KUBE_VERSION]]) {
      const out = join(work, `offline-${tag}.yml`)
      const r = runCli(['offline-yml', '--bundle', multi(), '--kubespray', tag, '--files-url', FILES_URL, '--registry', REGISTRY, '--out', out], work)
      expect(r.stderr).toMatch(/checked \d+ file urls and \d+ images, all in the bundle/)
      expect(r.status).toBe(0)
      const text = readFileSync(out, 'utf8')
      expect(text).toContain(`Kubespray ${tag} offline`)
      expect(text).toContain(`kube_version: "${kube}"`)
    }
    const none = runCli(['offline-yml', '--bundle', multi(), '--files-url', FILES_URL, '--registry', REGISTRY], work)
    expect(none.status).toBe(1)
    expect(none.stderr).toContain(`this bundle holds 2 Kubespray versions (${UPGRADE_TAGS.join(', ')}): say which with --kubespray ${UPGRADE_TAGS[1]}`)
    const wrong = runCli(['offline-yml', '--bundle', multi(), '--kubespray', 'v2.29.0', '--files-url', FILES_URL, '--registry', REGISTRY], work)
    expect(wrong.status).toBe(1)
    expect(wrong.stderr).toContain(`--kubespray v2.29.0: this bundle holds Kubespray ${UPGRADE_TAGS.join(', ')}; give one of these`)
  })

  it('audit reads every version, or the one --kubespray names', () => {
    const all = runCli(['audit', '--bundle', multi(), '--json'], work)
    expect(all.stderr).toBe('')
    const result = JSON.parse(all.stdout) as { kubespray: string; failed: boolean }
    expect(result.kubespray).toBe(UPGRADE_TAGS.join(', '))
    expect(result.failed).toBe(false)
    const one = runCli(['audit', '--bundle', multi(), '--kubespray', UPGRADE_TAGS[0], '--json'], work)
    expect((JSON.parse(one.stdout) as { kubespray: string }).kubespray).toBe(UPGRADE_TAGS[0])
  })

  it('--no-files --no-images with a list: each version\'s lists and tarball only', async () => {
    const out = join(work, 'lists-only')
    const r = await build(['--kubespray', '2.30,2.31', '--out', out, '--no-files', '--no-images'])
    expect(r.status).toBe(0)
    const m = manifestOf(out)
    expect(m.versions?.map((v) => [v.kubespray.tag, v.files.length, v.images.length])).toEqual(UPGRADE_TAGS.map((t) => [t, 0, 0]))
    expect(readdirSync(join(out, 'lists')).sort()).toEqual([...UPGRADE_TAGS])
    expect(runCli(['verify', '--bundle', out], work).status).toBe(0)
  }, 60_000)
})
