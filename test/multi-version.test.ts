/**
 * One bundle for an upgrade path (#28 item 1): `build --kubespray 2.30,2.31` against the world's
 * upgrade line (v2.31.0 pins another Kubernetes and CoreDNS; etcd, pause and the images' base
 * layer are shared). What the versions share is stored once, counted against two single bundles
 * built the same way; bundle.json lists the versions; verify passes; offline-yml closes the loop
 * per version and refuses to guess which one.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { runCli, spawnCli, type CliResult } from './helpers/cli.js'
import { startRegistry } from './helpers/registry.js'
import { tempDir } from './helpers/temp.js'
import { KUBE_VERSION, NEXT_COREDNS_TAG, NEXT_KUBE_VERSION, startWorld, tarOf, UPGRADE_REPOSITORY, UPGRADE_TAGS, type World } from './helpers/world.js'
import { versionView, type BundleManifest } from '../src/domain/bundle.js'
import { canonicalOrder, splitVersionSpecs, versionLabels } from '../src/domain/version-spec.js'
import { unionOfVersions } from '../src/pipeline/build-versions.js'
import type { Plan, VersionPlan } from '../src/pipeline/build.js'
import { parseReference } from '../src/domain/images/reference.js'

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

  it('serve serves every version\'s files and images; push --bundle pushes them all', async () => {
    const m = manifestOf(multi())
    const coredns = ['v1.12.0', NEXT_COREDNS_TAG]
    const cli = spawnCli(['serve', '--bundle', multi(), '--files-port', '0', '--registry-port', '0'], work)
    let stdout = ''
    cli.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
    try {
      await cli.stderrUntil(() => /^files: /m.test(stdout), 15_000).catch(async () => {
        throw new Error(`serve did not start: ${stdout}`)
      })
      const [, filesUrl, registry] = /^files: (http:\/\/\S+?)\/ {2}registry: (\S+) /m.exec(stdout) ?? []
      for (const v of m.versions ?? []) {
        for (const path of v.files) expect((await fetch(`${filesUrl}/${path.slice('files/'.length)}`, { method: 'HEAD' })).status).toBe(200)
      }
      const tags = (await (await fetch(`http://${registry}/v2/k8s/coredns/tags/list`)).json()) as { tags: string[] }
      expect(tags.tags.sort()).toEqual(coredns)
      await cli.stderrUntil(() => stdout.includes('--kubespray TAG'), 5_000)
      expect(stdout).toContain(`Kubespray ${UPGRADE_TAGS.join(', ')}: offline-yml --bundle ${multi()} --kubespray TAG`)
    } finally {
      cli.child.kill('SIGTERM')
      await cli.done
    }
    const storage = tempDir('kb-multi-push-')
    const target = await startRegistry({ storage })
    try {
      const pushed = runCli(['push', '--bundle', multi(), '--registry', target.host, '--insecure'], work)
      expect(pushed.status).toBe(0)
      expect(pushed.stdout).toContain(`${m.images.length}/${m.images.length} images pushed`)
      const tags = (await (await fetch(`http://${target.host}/v2/k8s/coredns/tags/list`)).json()) as { tags: string[] }
      expect(tags.tags.sort()).toEqual(coredns)
    } finally {
      await target.stop()
      rmSync(storage, { recursive: true, force: true })
    }
  }, 60_000)

  it('published as a delta against the single bundle of the old version, it carries the new version\'s content only and rebuilds byte for byte', async () => {
    const gh = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
      spawnCli(args, work, { GITHUB_API_URL: world.github.apiUrl, GITHUB_TOKEN: 'ghp_test', XDG_CACHE_HOME: cache, ...env }).done
    const repo = 'site/bundles'
    const base = await gh(['publish', '--bundle', singles.old, '--repo', repo, '--tag', 'kubespray-v2.30.0'])
    expect(base.stderr).not.toContain('error')
    expect(base.status).toBe(0)
    const delta = await gh(['publish', '--bundle', multi(), '--repo', repo, '--tag', 'upgrade-2.31', '--base-tag', 'kubespray-v2.30.0', '--json'])
    expect(delta.stderr).not.toContain('error')
    expect(delta.status).toBe(0)
    const assets = world.github.releases.get(repo)?.find((r) => r.tag_name === 'upgrade-2.31')?.assets ?? []
    // What the old single bundle lacks: the new version's files and blobs, and its tarball; metadata besides.
    const m = manifestOf(multi())
    const newContent = [...content(multi())].filter(([path, sha]) => content(singles.old).get(path) !== sha)
    const sizeM = sizes(multi())
    const needed = newContent.reduce((n, [path]) => n + (sizeM.get(path) ?? 0), 0) + (m.kubespray.tarball?.size ?? 0)
    const carried = assets.reduce((n, a) => n + a.size, 0)
    expect(carried).toBeGreaterThan(needed)
    expect(carried).toBeLessThan(needed + 256 * 1024)
    const out = join(work, 'fetched')
    const fetched = await gh(['fetch', '--repo', repo, '--tag', 'upgrade-2.31', '--base', singles.old, '--out', out])
    expect(fetched.stderr).not.toContain('error')
    expect(fetched.status).toBe(0)
    expect(readFileSync(join(out, 'SHA256SUMS'), 'utf8')).toBe(readFileSync(join(multi(), 'SHA256SUMS'), 'utf8'))
  }, 60_000)

  it('a re-run of the list fetches nothing', async () => {
    const before = world.logLength()
    const r = await build(['--kubespray', '2.30,v2.31.0', '--out', multi()])
    expect(r.status).toBe(0)
    expect(world.fileGets(before)).toEqual([])
    expect(world.blobGets(before)).toEqual([])
    expect(runCli(['verify', '--bundle', multi()], work).status).toBe(0)
  }, 60_000)

  it('--no-files --no-images with a list: each version\'s lists and tarball only', async () => {
    const out = join(work, 'lists-only')
    const r = await build(['--kubespray', '2.30,2.31', '--out', out, '--no-files', '--no-images'])
    expect(r.status).toBe(0)
    const m = manifestOf(out)
    expect(m.versions?.map((v) => [v.kubespray.tag, v.files.length, v.images.length])).toEqual(UPGRADE_TAGS.map((t) => [t, 0, 0]))
    expect(readdirSync(join(out, 'lists')).sort()).toEqual([...UPGRADE_TAGS])
    expect(runCli(['verify', '--bundle', out], work).status).toBe(0)
    const twice = await build(['--kubespray', '2.30,v2.30.0', '--out', join(work, 'twice'), '--no-files', '--no-images'])
    expect(twice.status).toBe(1)
    expect(twice.stderr).toContain(`Kubespray versions '2.30' and 'v2.30.0' are both ${UPGRADE_TAGS[0]}`)
  }, 60_000)

  it('versions given in another order make the same bundle: bundle.json, SHA256SUMS and index.json of the canonical order', async () => {
    const out = join(work, 'reversed')
    const r = await build(['--kubespray', 'v2.31.0,2.30', '--out', out])
    expect(r.status).toBe(0)
    for (const name of ['bundle.json', 'SHA256SUMS', 'images/index.json']) expect(readFileSync(join(out, name), 'utf8')).toBe(readFileSync(join(multi(), name), 'utf8'))
    expect(manifestOf(out).kubespray.tag).toBe(UPGRADE_TAGS[1])
    rmSync(out, { recursive: true, force: true })
  }, 60_000)

  it('offline-yml for one version checks it against that version\'s files, not the whole bundle\'s', () => {
    const path = join(multi(), 'bundle.json')
    const text = readFileSync(path, 'utf8')
    try {
      // The old version's view loses its kubelet; the bundle (and its other version's view) still lists the file.
      const m = JSON.parse(text) as BundleManifest
      const [old] = m.versions ?? []
      const kubelet = old.files.find((p) => p.includes(`v${KUBE_VERSION}/`) && p.endsWith('/kubelet')) ?? ''
      expect(kubelet).not.toBe('')
      old.files = old.files.filter((p) => p !== kubelet)
      writeFileSync(path, JSON.stringify(m))
      const r = runCli(['offline-yml', '--bundle', multi(), '--kubespray', UPGRADE_TAGS[0], '--files-url', FILES_URL, '--registry', REGISTRY], work)
      expect(r.status).toBe(1)
      expect(r.stderr).toContain('the bundle does not hold')
      expect(r.stderr).toContain(`v${KUBE_VERSION}/bin/linux/amd64/kubelet`)
    } finally {
      writeFileSync(path, text)
    }
    // A list gone (an interrupted build of an older tool): the bundle is said incomplete, no raw ENOENT.
    const list = join(multi(), 'lists', UPGRADE_TAGS[0], 'amd64', 'files.json')
    renameSync(list, `${list}.away`)
    try {
      const r = runCli(['offline-yml', '--bundle', multi(), '--kubespray', UPGRADE_TAGS[0], '--files-url', FILES_URL, '--registry', REGISTRY], work)
      expect(r.status).toBe(1)
      expect(r.stderr).toContain(`${multi()} is not a complete bundle (it lacks lists/${UPGRADE_TAGS[0]}/amd64/files.json): run build again (or verify)`)
    } finally {
      renameSync(`${list}.away`, list)
    }
  })

  it('a bad version later in the list leaves a complete bundle as it was', async () => {
    const before = readFileSync(join(singles.next, 'SHA256SUMS'), 'utf8')
    const r = await build(['--kubespray', '2.30,2.99', '--out', singles.next])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain("Kubespray version '2.99' is not in")
    expect(readdirSync(singles.next).filter((n) => n.endsWith('.tar.gz'))).toEqual([`kubespray-${UPGRADE_TAGS[1]}.tar.gz`])
    expect(readFileSync(join(singles.next, 'SHA256SUMS'), 'utf8')).toBe(before)
    expect(runCli(['verify', '--bundle', singles.next], work).status).toBe(0)
  }, 60_000)

  it('a re-run without a version leaves the bundle a fresh build of the rest would make: its tarball and lists gone', async () => {
    const r = await build(['--kubespray', 'v2.31.0', '--out', multi()])
    expect(r.status).toBe(0)
    expect(readFileSync(join(multi(), 'SHA256SUMS'), 'utf8')).toBe(readFileSync(join(singles.next, 'SHA256SUMS'), 'utf8'))
    expect(readdirSync(multi()).filter((n) => n.endsWith('.tar.gz'))).toEqual([`kubespray-${UPGRADE_TAGS[1]}.tar.gz`])
    expect(readdirSync(join(multi(), 'lists'))).toEqual(['amd64'])
    expect(runCli(['verify', '--bundle', multi()], work).status).toBe(0)
  }, 60_000)

  it('a re-run that fails after the directory changed leaves no bundle.json or SHA256SUMS; offline-yml says the bundle is incomplete', async () => {
    // An untagged commit with --kubespray-image: refused once its lists are made (the directory has changed by then).
    const sha = world.github.addCommit(UPGRADE_REPOSITORY, await tarOf(world.treeDir, 'kubespray-upgrade-kubespray-untagged'))
    const r = await build(['--kubespray', sha, '--kubespray-image', '--no-files', '--no-images', '--out', singles.old])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('--kubespray-image needs a Kubespray release')
    expect(readdirSync(singles.old).filter((n) => ['bundle.json', 'SHA256SUMS'].includes(n))).toEqual([])
    const yml = runCli(['offline-yml', '--bundle', singles.old, '--files-url', FILES_URL, '--registry', REGISTRY], work)
    expect(yml.status).toBe(1)
    expect(yml.stderr).toContain(`${singles.old} is not a complete bundle`)
    // serve refuses it at once (it would otherwise hand out half a bundle).
    const served = spawnCli(['serve', '--bundle', singles.old, '--files-port', '0', '--registry-port', '0'], work)
    const deadline = setTimeout(() => served.child.kill('SIGKILL'), 15_000)
    const result = await served.done
    clearTimeout(deadline)
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`${singles.old} is not a complete bundle (it lacks bundle.json): run build again (or verify)`)
  }, 60_000)

  it('tags that are no safe path name get one label each, for lists/ and the tarball: rc/1 and rc_1 stay apart', async () => {
    const repo = 'kb-labels/kubespray'
    for (const tag of ['rc/1', 'rc_1']) await world.github.addTag(repo, world.treeDir, tag)
    const out = join(work, 'labels')
    const r = await spawnCli(['build', '--kubespray-repository', repo, '--kubespray', 'rc/1,rc_1', '--no-files', '--no-images', '--out', out], work, {
      KUBESPRAY_API_URL: world.github.apiUrl,
      XDG_CACHE_HOME: cache
    }).done
    expect(r.stderr).not.toContain('rror')
    expect(r.status).toBe(0)
    const slashed = `rc_1-${createHash('sha1').update(`${repo}@rc/1`).digest('hex').slice(0, 12)}`
    const m = manifestOf(out)
    expect(m.versions?.map((v) => [v.kubespray.tag, v.lists, v.kubespray.tarball?.path])).toEqual([
      ['rc/1', `lists/${slashed}`, `kubespray-${slashed}.tar.gz`],
      ['rc_1', 'lists/rc_1', 'kubespray-rc_1.tar.gz']
    ])
    expect(readdirSync(join(out, 'lists')).sort()).toEqual([slashed, 'rc_1'].sort())
    expect(runCli(['verify', '--bundle', out], work).status).toBe(0)
  }, 60_000)
})

describe('several versions, the pure parts', () => {
  it('a comma list of specs: each one, no empty or repeated one', () => {
    expect(splitVersionSpecs('2.30')).toEqual(['2.30'])
    expect(splitVersionSpecs('2.30, v2.31.0')).toEqual(['2.30', 'v2.31.0'])
    expect(() => splitVersionSpecs('2.30,,2.31')).toThrow("'2.30,,2.31' has an empty Kubespray version between its commas")
    expect(() => splitVersionSpecs('2.30,2.30')).toThrow("'2.30,2.30' names 2.30 twice")
  })

  const version = (tag: string, files: Array<[string, string]>, images: string[]): VersionPlan => {
    const plan: Plan = {
      files: files.map(([url, hex]) => ({ url, checksum: { algorithm: 'sha256', hex }, component: null })),
      fileArches: new Map(files.map(([url]) => [url, ['amd64']])),
      images: images.map((line) => parseReference(line)),
      imageArches: new Map(images.map((line) => [line, ['amd64']])),
      wantedBy: new Map()
    }
    const input = { spec: tag, repository: 'o/kubespray' }
    return { input, resolved: { spec: tag, tag, commit: tag.replace(/\D/g, '').padEnd(40, '0') }, source: undefined, lists: new Map(), listsDir: `lists/${tag}`, label: tag, plan, charts: [], auditedTree: { dir: '', done: async () => undefined } }
  }

  it('joins plans: a file once by url, an image once by reference; one url with two checksums is refused, naming both versions', () => {
    const a = version('v2.30.0', [['https://x/etcd', 'a'.repeat(64)], ['https://x/kubelet-1', 'b'.repeat(64)]], ['r.io/pause:3.10', 'r.io/coredns:1'])
    const b = version('v2.31.0', [['https://x/etcd', 'a'.repeat(64)], ['https://x/kubelet-2', 'c'.repeat(64)]], ['r.io/pause:3.10', 'r.io/coredns:2'])
    const { plan } = unionOfVersions([a, b])
    expect(plan.files.map((f) => f.url)).toEqual(['https://x/etcd', 'https://x/kubelet-1', 'https://x/kubelet-2'])
    expect(plan.images.map((i) => i.original)).toEqual(['r.io/pause:3.10', 'r.io/coredns:1', 'r.io/coredns:2'])
    const c = version('v2.32.0', [['https://x/etcd', 'd'.repeat(64)]], [])
    expect(() => unionOfVersions([a, c])).toThrow(`https://x/etcd: Kubespray v2.30.0 verifies it by sha256:${'a'.repeat(64)} and v2.32.0 by sha256:${'d'.repeat(64)}`)
  })

  it('canonical order: semver tags oldest first, then the rest in the order given', () => {
    const v = (tag: string | undefined, commit: string) => ({ tag, commit })
    const order = canonicalOrder([v(undefined, 'b'), v('v2.31.0', '1'), v('feature/x', 'c'), v('v2.30.1', '2'), v('v2.30.1-rc.1', '3')], (x) => x.tag)
    expect(order.map((x) => x.tag ?? x.commit)).toEqual(['v2.30.1-rc.1', 'v2.30.1', 'v2.31.0', 'b', 'feature/x'])
  })

  it('labels: a safe tag as it is; another made safe with its commit; two that would share one refused, naming both', () => {
    const c = (n: string) => n.repeat(40)
    expect(versionLabels([{ tag: 'v2.30.0', commit: c('a') }, { tag: undefined, commit: c('b') }, { tag: 'rc/1', commit: c('c') }, { tag: 'rc_1', commit: c('d') }, { tag: '.x#%', commit: c('e') }])).toEqual([
      'v2.30.0',
      'b'.repeat(12),
      `rc_1-${'c'.repeat(12)}`,
      'rc_1',
      `_x__-${'e'.repeat(12)}`
    ])
    expect(() => versionLabels([{ tag: 'RC', commit: c('a') }, { tag: 'rc', commit: c('b') }])).toThrow(
      `Kubespray tag 'RC' (commit ${'a'.repeat(12)}) and tag 'rc' (commit ${'b'.repeat(12)}) would both be stored as lists/rc and kubespray-rc.tar.gz`
    )
  })

  it('the kubespray-offline layout: two urls of the versions stored at one path are refused before any download, naming both versions', () => {
    const a = version('v2.30.0', [['https://a.example/etcd/etcd-v3.5.16-linux-amd64.tar.gz', 'a'.repeat(64)]], [])
    const b = version('v2.31.0', [['https://b.example/etcd/etcd-v3.5.16-linux-amd64.tar.gz', 'a'.repeat(64)]], [])
    expect(unionOfVersions([a, b], 'original-host').plan.files).toHaveLength(2)
    expect(() => unionOfVersions([a, b], 'kubespray-offline')).toThrow(
      'Kubespray v2.30.0 fetches https://a.example/etcd/etcd-v3.5.16-linux-amd64.tar.gz and v2.31.0 fetches https://b.example/etcd/etcd-v3.5.16-linux-amd64.tar.gz, ' +
        'which the kubespray-offline layout would both store as files/kubernetes/etcd/etcd-v3.5.16-linux-amd64.tar.gz: build with --layout original-host'
    )
  })

  it("a version's view: its own files and images; a bundle of one version is itself", () => {
    const origin = (tag: string) => ({ repository: 'o/k', spec: tag, tag, commit: `${tag}`.padEnd(40, 'f'), tarball: null })
    const file = (path: string) => ({ url: `https://x/${path}`, path, size: 1, sha256: '', checksum: null, arches: ['amd64'] })
    const image = (line: string) => ({ line, digest: '', platforms: [], size: 1, arches: ['amd64'] })
    const single: BundleManifest = {
      schema: 'kubespray-bundle/v1',
      tool: { name: 'kubespray-bundle', version: '0' },
      kubespray: origin('v2.31.0'),
      kubeVersion: '1.33.2',
      arches: ['amd64'],
      layout: 'original-host',
      extraVars: {},
      files: [file('files/a'), file('files/b')],
      images: [image('r/x:1'), image('r/x:2')],
      totals: { files: 2, fileBytes: 2, images: 2, imageBytes: 2, bytes: 4 }
    }
    expect(versionView(single, undefined)).toEqual({ manifest: single, lists: 'lists' })
    expect(versionView(single, '2.31.0').manifest).toBe(single)
    expect(() => versionView(single, 'v2.30.0')).toThrow('--kubespray v2.30.0: this bundle holds Kubespray v2.31.0 only')
    const several: BundleManifest = {
      ...single,
      versions: [
        { kubespray: origin('v2.30.0'), kubeVersion: '1.33.1', lists: 'lists/v2.30.0', files: ['files/a'], images: ['r/x:1'], bytes: 2 },
        { kubespray: origin('v2.31.0'), kubeVersion: '1.33.2', lists: 'lists/v2.31.0', files: ['files/a', 'files/b'], images: ['r/x:2'], bytes: 3 }
      ]
    }
    const old = versionView(several, 'v2.30.0')
    expect(old.lists).toBe('lists/v2.30.0')
    expect(old.manifest.kubeVersion).toBe('1.33.1')
    expect(old.manifest.files.map((f) => f.path)).toEqual(['files/a'])
    expect(old.manifest.images.map((i) => i.line)).toEqual(['r/x:1'])
    expect(old.manifest.versions).toBeUndefined()
    expect(() => versionView(several, undefined)).toThrow('this bundle holds 2 Kubespray versions (v2.30.0, v2.31.0): say which with --kubespray v2.31.0')
  })
})
