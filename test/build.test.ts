/**
 * `build`: version specs resolved through a GitHub stand-in, the source tarball fetched and
 * extracted safely, files from nginx and images from docker-registry, bundle.json and a
 * SHA256SUMS that sha256sum -c accepts; re-runs counted at the servers.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { makeLayer } from './helpers/registry.js'
import { tempDir } from './helpers/temp.js'
import { ETCD_VERSIONS, KUBE_VERSION, startWorld, type World } from './helpers/world.js'
import { chooseLatestRelease, chooseMinor, nearestTags, parseVersionSpec } from '../src/domain/version-spec.js'
import { resolveVersion } from '../src/pipeline/resolve.js'
import type { RepositoryRefs } from '../src/adapters/github/repository.js'
import type { BundleManifest } from '../src/domain/bundle.js'

const TOKEN = `ghp_${'x'.repeat(20)}secret`

describe('version specs', () => {
  it('parses each kind of spec and refuses nonsense by name', () => {
    expect(parseVersionSpec('latest')).toEqual({ kind: 'latest', prerelease: false })
    expect(parseVersionSpec('2.30')).toEqual({ kind: 'minor', major: 2, minor: 30 })
    expect(parseVersionSpec('v2.30')).toEqual({ kind: 'minor', major: 2, minor: 30 })
    expect(parseVersionSpec('v2.30.0')).toEqual({ kind: 'exact', version: '2.30.0' })
    expect(parseVersionSpec('2.30.0')).toEqual({ kind: 'exact', version: '2.30.0' })
    expect(parseVersionSpec('a1b2c3d')).toEqual({ kind: 'commit', sha: 'a1b2c3d' })
    expect(parseVersionSpec('release-2.30')).toEqual({ kind: 'ref', name: 'release-2.30' })
    expect(() => parseVersionSpec('')).toThrow('the Kubespray version is empty')
    expect(() => parseVersionSpec('a b')).toThrow("'a b' is not a Kubespray version")
  })

  it('latest is the highest version, not the newest date; a minor is its highest patch; nearest tags for errors', () => {
    const releases = [
      { tag: 'v2.29.2', prerelease: false, draft: false },
      { tag: 'v2.31.0-rc.1', prerelease: true, draft: false },
      { tag: 'v2.30.1', prerelease: false, draft: false },
      { tag: 'v2.32.0', prerelease: false, draft: true }
    ]
    expect(chooseLatestRelease(releases, false)).toBe('v2.30.1')
    expect(chooseLatestRelease(releases, true)).toBe('v2.31.0-rc.1')
    expect(chooseMinor(['v2.30.0', 'v2.30.10', 'v2.30.9', 'v2.31.0', 'v2.30.11-rc.1'], 2, 30)).toBe('v2.30.10')
    expect(chooseMinor(['v2.31.0-rc.1', 'v2.31.0-rc.2'], 2, 31)).toBe('v2.31.0-rc.2')
    expect(nearestTags(['v2.28.0', 'v2.29.1', 'v2.30.0', 'v1.0.0'], '2.31', 2)).toEqual(['v2.30.0', 'v2.29.1'])
  })

  it('resolves through the refs, with the tag of a commit or branch when it has one', async () => {
    const refs: RepositoryRefs = {
      fullName: 'o/kubespray',
      releases: async () => [{ tag: 'v2.30.0', prerelease: false, draft: false }],
      tags: async () => [
        { name: 'v2.30.0', commit: 'c'.repeat(40) },
        { name: 'v2.29.1', commit: 'b'.repeat(40) }
      ],
      commitOf: async (ref) => ({ master: 'd'.repeat(40), cccccccc: 'c'.repeat(40) })[ref]
    }
    expect(await resolveVersion(refs, 'latest')).toEqual({ spec: 'latest', tag: 'v2.30.0', commit: 'c'.repeat(40) })
    expect(await resolveVersion(refs, '2.29')).toEqual({ spec: '2.29', tag: 'v2.29.1', commit: 'b'.repeat(40) })
    expect(await resolveVersion(refs, 'cccccccc')).toEqual({ spec: 'cccccccc', tag: 'v2.30.0', commit: 'c'.repeat(40) })
    expect(await resolveVersion(refs, 'master')).toEqual({ spec: 'master', tag: undefined, commit: 'd'.repeat(40) })
    await expect(resolveVersion(refs, '2.31')).rejects.toThrow("Kubespray version '2.31' is not in o/kubespray: no such release, tag, branch or commit; nearest tags: v2.30.0, v2.29.1")
  })
})

describe('build against a local world', () => {
  let world: World
  let work: string
  let cache: string

  beforeAll(async () => {
    world = await startWorld()
    work = tempDir('kb-build-')
    cache = tempDir('kb-build-cache-')
  }, 60_000)

  afterAll(async () => {
    await world?.stop()
    for (const d of [work, cache]) if (d) rmSync(d, { recursive: true, force: true })
  })

  const build = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    spawnCli(['build', ...args, '--insecure-registry', world.registryHost], work, {
      GITHUB_API_URL: world.github.apiUrl,
      KUBESPRAY_API_URL: world.github.apiUrl,
      GITHUB_TOKEN: TOKEN,
      XDG_CACHE_HOME: cache,
      ...env
    }).done

  const manifestOf = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest

  it('builds a complete bundle from a minor spec: bundle.json, sha256sum -c, the tarball as served, images skopeo reads', async () => {
    const out = join(work, 'b1')
    const before = world.logLength()
    const r = await build(['--kubespray', '2.30', '--out', out])
    expect(r.stderr).not.toContain('FAILED')
    expect(r.status).toBe(0)
    const m = manifestOf(out)
    expect(m.kubespray.tag).toBe('v2.30.0')
    expect(m.kubespray.commit).toMatch(/^[0-9a-f]{40}$/)
    expect(m.kubeVersion).toBe(KUBE_VERSION)
    expect(m.arches).toEqual(['amd64'])
    expect(m.files.map((f) => f.path).sort()).toEqual(
      [`files/127.0.0.1:${world.nginx.port}/files/etcd/${ETCD_VERSIONS[0]}/etcd-${ETCD_VERSIONS[0]}-linux-amd64.tar.gz`, `files/127.0.0.1:${world.nginx.port}/files/release/v${KUBE_VERSION}/bin/linux/amd64/kubelet`].sort()
    )
    expect(m.images.map((i) => i.line.replace(`${world.registryHost}/`, '')).sort()).toEqual(
      ['k8s/coredns:v1.12.0', 'k8s/kube-apiserver:v1.33.1', 'k8s/kube-controller-manager:v1.33.1', 'k8s/kube-proxy:v1.33.1', 'k8s/kube-scheduler:v1.33.1', 'k8s/pause:3.10']
    )
    expect(m.totals.files).toBe(2)
    expect(m.totals.images).toBe(6)
    // Every file once over the wire; sha256sum -c over the whole directory.
    expect(world.fileGets(before).length).toBe(2)
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe('')
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8')
    expect(sums).toContain('  bundle.json\n')
    expect(sums).toContain('  images/index.json\n')
    expect(sums).not.toContain('.kubespray-bundle')
    // The tarball exactly as GitHub served it.
    const tarball = readFileSync(join(out, m.kubespray.tarball?.path ?? 'missing'))
    expect(tarball.equals(world.github.tarballs.get(m.kubespray.commit ?? '') ?? Buffer.alloc(0))).toBe(true)
    expect(readdirSync(join(out, 'lists/amd64')).sort()).toEqual(['files.json', 'files.list', 'images.list'])
    execFileSync('skopeo', ['copy', '-q', `oci:${join(out, 'images')}:${world.registryHost}/k8s/pause:3.10`, `docker-archive:${join(work, 'p.tar')}`])
    rmSync(join(work, 'p.tar'))
    // The token went to the API only: not to codeload after the redirect, not into any output.
    expect(world.github.requests.some((q) => q.origin === 'api' && q.authorization === `Bearer ${TOKEN}`)).toBe(true)
    expect(world.github.requests.filter((q) => q.origin === 'codeload').every((q) => q.authorization === undefined)).toBe(true)
    expect(r.stdout + r.stderr + readFileSync(join(out, 'bundle.json'), 'utf8')).not.toContain(TOKEN)
  })

  it('a re-run into the same directory fetches no file and no blob (counted at the servers), and no source', async () => {
    const out = join(work, 'b1')
    const before = world.logLength()
    const codeload = world.github.requests.filter((q) => q.origin === 'codeload').length
    const r = await build(['--kubespray', 'v2.30.0', '--out', out])
    expect(r.status).toBe(0)
    expect(world.fileGets(before)).toEqual([])
    expect(world.blobGets(before)).toEqual([])
    expect(world.github.requests.filter((q) => q.origin === 'codeload').length).toBe(codeload)
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe('')
  })

  it('two arches in one run: both arches\' files, every image with both platforms, shared blobs once', async () => {
    const out = join(work, 'b2')
    const before = world.logLength()
    const r = await build(['--kubespray', 'latest', '--out', out, '--arch', 'amd64,arm64'])
    expect(r.status).toBe(0)
    const m = manifestOf(out)
    expect(m.arches).toEqual(['amd64', 'arm64'])
    expect(m.files).toHaveLength(4)
    for (const image of m.images) expect(image.platforms).toEqual(['linux/amd64', 'linux/arm64/v8'])
    const gets = world.blobGets(before)
    expect(new Set(gets).size).toBe(gets.length)
    for (const arch of ['amd64', 'arm64']) {
      execFileSync('skopeo', ['copy', '-q', '--override-arch', arch, `oci:${join(out, 'images')}:${world.registryHost}/k8s/kube-proxy:v${KUBE_VERSION}`, `docker-archive:${join(work, 'k.tar')}`])
      rmSync(join(work, 'k.tar'))
    }
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe('')
  })

  it('one component changed: only it is downloaded, and the old one leaves the bundle', async () => {
    const out = join(work, 'b1')
    const before = world.logLength()
    const r = await build(['--kubespray', 'v2.30.0', '--out', out, '-e', `etcd_version=${ETCD_VERSIONS[1]}`, '-e', 'coredns_image_tag=v1.12.1'])
    expect(r.status).toBe(0)
    expect(world.fileGets(before)).toEqual([`etcd/${ETCD_VERSIONS[1]}/etcd-${ETCD_VERSIONS[1]}-linux-amd64.tar.gz`])
    const next = world.images['k8s/coredns:v1.12.1']
    const amd64Layer = 'children' in next ? next.children[0].blobs[2].digest : ''
    expect(world.blobGets(before).sort()).toEqual(['children' in next ? next.children[0].blobs[0].digest : '', amd64Layer].sort())
    const m = manifestOf(out)
    expect(m.extraVars).toEqual({ etcd_version: ETCD_VERSIONS[1], coredns_image_tag: 'v1.12.1' })
    expect(m.files.some((f) => f.url.includes(ETCD_VERSIONS[0]))).toBe(false)
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe('')
    expect(readFileSync(join(out, 'SHA256SUMS'), 'utf8')).not.toContain(ETCD_VERSIONS[0])
  })

  it('specs: latest skips pre-releases unless asked, a branch gets the tag at its head, an unknown spec names the nearest tags', async () => {
    const pre = await build(['--kubespray', 'latest', '--prerelease', '--out', join(work, 'pre'), '--no-files', '--no-images'])
    expect(pre.status).toBe(0)
    expect(manifestOf(join(work, 'pre')).kubespray.tag).toBe('v2.30.1-rc.1')
    const branch = await build(['--kubespray', 'master', '--out', join(work, 'branch'), '--no-files', '--no-images'])
    expect(branch.status).toBe(0)
    expect(manifestOf(join(work, 'branch')).kubespray.tag).toBe('v2.30.1-rc.1')
    const unknown = await build(['--kubespray', '2.31', '--out', join(work, 'unknown')])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain("Kubespray version '2.31' is not in kubernetes-sigs/kubespray: no such release, tag, branch or commit; nearest tags: v2.30.0, v2.29.1, v2.29.0")
  })

  it('builds from a local tree given by an absolute path (no tarball carried)', async () => {
    const out = join(work, 'local')
    const r = await build(['--kubespray-dir', world.treeDir, '--out', out, '--no-images'])
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    const m = manifestOf(out)
    expect(m.kubespray.tarball).toBeNull()
    expect(m.files).toHaveLength(2)
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe('')
  })

  it('waits out a short rate limit instead of failing', async () => {
    world.github.rateLimit(1, 1)
    const r = await build(['--kubespray', '2.29', '--out', join(work, 'limited'), '--no-files', '--no-images'])
    expect(r.stderr).toBe(r.stderr.replace(TOKEN, ''))
    expect(r.status).toBe(0)
    expect(manifestOf(join(work, 'limited')).kubespray.tag).toBe('v2.29.1')
  })

  it('refuses a source tarball that would write outside its directory, naming the entry', async () => {
    const hostile = makeLayer('kubespray-abc/../../escaped.txt', Buffer.from('owned')).blob.data
    const sha = world.github.addCommit('kubernetes-sigs/kubespray', hostile)
    const r = await build(['--kubespray', sha, '--out', join(work, 'hostile')])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain("kubespray-abc/../../escaped.txt: a '..' component")
  })
})

describe('the GitHub client', () => {
  it('keeps a GHES base path (/api/v3) for every API path, and takes absolute urls as they are', async () => {
    const { GitHubClient } = await import('../src/adapters/github/client.js')
    const { Agent } = await import('undici')
    const client = new GitHubClient({ http: new Agent(), apiUrl: 'https://ghe.example.com/api/v3', userAgent: 'test' })
    expect(client.url('repos/o/r/tags').toString()).toBe('https://ghe.example.com/api/v3/repos/o/r/tags')
    expect(client.url('/repos/o/r/tags?per_page=100').toString()).toBe('https://ghe.example.com/api/v3/repos/o/r/tags?per_page=100')
    expect(client.url('https://uploads.ghe.example.com/api/uploads/x').toString()).toBe('https://uploads.ghe.example.com/api/uploads/x')
  })
})
