/**
 * The proof (issue 26 item 6): Kubespray's own download role installs from a bundle. The bundle
 * is built from a local upstream world (role-world.ts: the real Kubespray v2.31.0 tarball,
 * small valid stand-ins of its files and images); then, with the network cut (`unshare -n`:
 * loopback only), `serve` answers for files and images, a real containerd pulls through a
 * hosts.toml, and `cluster.yml --tags download -e @local.yml -e @offline.yml` runs from the
 * bundle's own tarball (role-run.ts, fixtures/role-offline-run.sh). It passes only when the
 * playbook exits 0, every file the role fetched is in local_release_dir with the bundle's
 * checksum, every image it pulled is in containerd with the bundle's digest, and serve logged
 * no 404. A flipped byte in a served file must make the role fail.
 *
 * The runs take minutes (Ansible's per-task overhead), so all three start together in
 * beforeAll and each test awaits its own.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { FILES_PORT, REGISTRY_PORT, runRoleOffline, type RoleRun } from './helpers/role-run.js'
import { extractKubespray, KUBESPRAY_TAG, missingTools, startRoleWorld, wantedBy, type RoleWorld } from './helpers/role-world.js'
import { tempDir } from './helpers/temp.js'
import type { BundleManifest } from '../src/domain/bundle.js'

/** Kubespray's defaults, and a wide set turning on components with extras. */
const VAR_SETS: Record<'defaults' | 'wide', Record<string, unknown>> = {
  defaults: {},
  wide: {
    kube_network_plugin: 'cilium',
    argocd_enabled: true,
    local_path_provisioner_enabled: true,
    metrics_server_enabled: true,
    kubelet_rotate_server_certificates: true,
    helm_enabled: true
  }
}
const RUN_TIMEOUT_MS = 14 * 60_000

let world: RoleWorld | undefined
let work: string
const bundles: Record<string, string> = {}
/** What each build printed (its audit's summary line among it). */
const builds: Record<string, string> = {}
const runs: Record<string, Promise<RoleRun>> = {}
const setup: { error?: Error } = {}

function cli(args: string[]): Promise<CliResult> {
  return spawnCli(args, work, { KUBESPRAY_API_URL: world?.github.apiUrl ?? '', XDG_CACHE_HOME: join(work, 'xdg') }).done
}

/** One -e of JSON, so booleans stay booleans (k=v would make them strings). */
const asVars = (vars: Record<string, unknown>): string[] => (Object.keys(vars).length ? [JSON.stringify(vars)] : [])

async function buildAndDescribe(name: keyof typeof VAR_SETS): Promise<string> {
  const bundle = join(work, `bundle-${name}`)
  const build = await cli(['build', '--kubespray', KUBESPRAY_TAG, '--out', bundle, '--arch', 'amd64', ...(world?.buildArgs ?? []), ...asVars(VAR_SETS[name]).flatMap((v) => ['-e', v])])
  if (build.status !== 0) throw new Error(`build (${name}) failed:\n${build.stderr.slice(-4000)}`)
  const offline = join(work, `offline-${name}.yml`)
  const y = await cli(['offline-yml', '--bundle', bundle, '--files-url', `http://127.0.0.1:${FILES_PORT}`, '--registry', `127.0.0.1:${REGISTRY_PORT}`, '--out', offline])
  if (y.status !== 0) throw new Error(`offline-yml (${name}) failed:\n${y.stderr}`)
  bundles[name] = bundle
  builds[name] = build.stdout
  return offline
}

beforeAll(async () => {
  const missing = missingTools()
  if (missing.length) throw new Error(`the download-role proof needs these on this machine: ${missing.join(', ')}`)
  work = tempDir('kb-role-test-')
  const tree = extractKubespray()
  const wanted = await Promise.all(Object.values(VAR_SETS).map((vars) => wantedBy(tree, asVars(vars))))
  world = await startRoleWorld(tree, wanted)
  const upstream = [world.nginx.port, world.registry.host.split(':')[1], new URL(world.github.apiUrl).port].map((p) => `127.0.0.1:${p}`)
  const [defaultsYml, wideYml] = await Promise.all([buildAndDescribe('defaults'), buildAndDescribe('wide')])
  // The negative run: the defaults bundle with one byte of kubeadm flipped (the first file the role fetches).
  const corrupt = join(work, 'bundle-corrupt')
  cpSync(bundles.defaults, corrupt, { recursive: true })
  const kubeadm = manifestOf(corrupt).files.find((f) => f.url.endsWith('/kubeadm'))
  if (!kubeadm) throw new Error('the defaults bundle has no kubeadm')
  const bytes = readFileSync(join(corrupt, kubeadm.path))
  bytes[bytes.length >> 1] ^= 0x01
  writeFileSync(join(corrupt, kubeadm.path), bytes)
  bundles.corrupt = corrupt
  const run = (name: string, bundle: string, offlineYml: string, vars: Record<string, unknown>): Promise<RoleRun> => {
    const p = runRoleOffline({ name, bundle, offlineYml, vars, upstream, timeoutMs: RUN_TIMEOUT_MS })
    p.catch(() => undefined)
    return p
  }
  runs.defaults = run('defaults', bundles.defaults, defaultsYml, VAR_SETS.defaults)
  runs.wide = run('wide', bundles.wide, wideYml, VAR_SETS.wide)
  runs.corrupt = run('corrupt', corrupt, defaultsYml, VAR_SETS.defaults)
}, 300_000)

afterAll(async () => {
  await Promise.allSettled(Object.values(runs))
  await world?.stop()
})

function manifestOf(bundle: string): BundleManifest {
  return JSON.parse(readFileSync(join(bundle, 'bundle.json'), 'utf8')) as BundleManifest
}

/** The run, with a report of what the role fetched (the closing note wants it). */
async function finished(name: string): Promise<RoleRun> {
  if (!runs[name]) throw new Error(`the ${name} run never started (beforeAll failed)`)
  const run = await runs[name]
  process.stdout.write(
    `download role, ${name}: exit ${run.status} in ${run.seconds.toFixed(0)} s; ${run.fetched.length} files fetched:\n` +
      run.fetched.map((f) => `  ${f}\n`).join('') +
      `${run.pulls.length} images pulled:\n` +
      run.pulls.map((p) => `  ${p}\n`).join('')
  )
  return run
}

/** The tail of the playbook's output, where Ansible says what failed. */
const tail = (run: RoleRun): string => `${run.name} (${run.work}):\n${run.ansibleLog.split('\n').slice(-60).join('\n')}`

function expectInstalledFromBundle(run: RoleRun, bundle: string): void {
  const manifest = manifestOf(bundle)
  if (run.status !== 0) throw new Error(`the playbook exited ${run.status}: ${tail(run)}`)
  expect(run.notFound).toEqual([])
  // Files: each one the role fetched is in local_release_dir, byte for byte the bundle's.
  const byPath = new Map(manifest.files.map((f) => [f.path.slice('files/'.length), f]))
  expect(run.fetched.length).toBeGreaterThan(0)
  for (const path of run.fetched) {
    const file = byPath.get(path)
    expect({ path, inBundle: file !== undefined }).toEqual({ path, inBundle: true })
    expect({ path, inReleaseDir: run.releaseHashes.has(file?.sha256 ?? '') }).toEqual({ path, inReleaseDir: true })
  }
  // Images: each one the role pulled is in containerd, unpacked, under the digest the bundle
  // holds, which is the digest upstream (the world's registry) gave it.
  const registry = `127.0.0.1:${REGISTRY_PORT}/`
  const bundleDigest = new Map(manifest.images.map((i) => [i.line.replace(/^[^/]+\//, ''), i.digest]))
  expect(run.pulls.length).toBeGreaterThan(0)
  for (const ref of run.pulls) {
    expect(ref.startsWith(registry)).toBe(true)
    const upstream = ref.slice(registry.length)
    const expected = bundleDigest.get(upstream)
    expect({ ref, digest: run.images.get(ref), unpacked: run.unpacked.has(ref) }).toEqual({ ref, digest: expected ?? 'in the bundle', unpacked: true })
    expect({ ref, upstreamDigest: world?.images.get(upstream) }).toEqual({ ref, upstreamDigest: expected })
  }
}

describe("Kubespray's download role, offline, from the bundle", () => {
  it("with Kubespray's defaults: every file and image it fetches comes from serve, verified", async () => {
    const run = await finished('defaults')
    expectInstalledFromBundle(run, bundles.defaults)
    // kubeadm ran (the stand-in named the control plane's images) and those images were pulled last.
    expect(run.pulls.some((p) => p.includes('/kube-apiserver:'))).toBe(true)
    for (const name of ['kubeadm', 'kubelet', 'etcd-', 'cni-plugins', 'containerd-', 'runc']) expect(run.fetched.some((f) => f.split('/').pop()?.startsWith(name))).toBe(true)
    expect(run.pulls.some((p) => p.includes('/calico/node:'))).toBe(true)
  }, RUN_TIMEOUT_MS + 60_000)

  it('with a wide set (Cilium, Argo CD, local-path, metrics server, kubelet server certs, Helm): the same', async () => {
    const run = await finished('wide')
    expectInstalledFromBundle(run, bundles.wide)
    for (const name of ['cilium-linux-amd64.tar.gz', 'helm-', 'install.yaml', 'yq_linux']) expect({ name, fetched: run.fetched.some((f) => f.split('/').pop()?.startsWith(name)) }).toEqual({ name, fetched: true })
    for (const image of ['/cilium/cilium:', '/metrics-server/metrics-server:', '/rancher/local-path-provisioner:']) expect({ image, pulled: run.pulls.some((p) => p.includes(image)) }).toEqual({ image, pulled: true })
    // The audit after the build: nothing an enabled component fetches is missing (charts included).
    expect(builds.wide).toMatch(/^audit: every reference enabled components fetch is in the bundle/m)
    // The charts Kubespray installs after the download role (helm-apps, the Cilium CLI) are carried, and offline.yml points at them.
    const charts = manifestOf(bundles.wide).charts ?? []
    expect(charts.map((c) => `${c.name} ${c.version}`).sort()).toEqual(['cilium 1.19.3', 'kubelet-csr-approver 1.1.0'])
    for (const c of charts) expect(readFileSync(join(bundles.wide, c.index), 'utf8')).toContain(`- ${c.name}-${c.version}.tgz`)
    const offline = readFileSync(join(work, 'offline-wide.yml'), 'utf8')
    expect(offline).toContain('kubelet_csr_approver_repository_url: "{{ files_repo }}/charts/postfinance.github.io/kubelet-csr-approver"')
    expect(offline).toContain('cilium_install_extra_flags: "--repository {{ files_repo }}/charts/helm.cilium.io"')
  }, RUN_TIMEOUT_MS + 60_000)

  it('fails when a served file has one byte flipped (get_url checks the bundle checksum)', async () => {
    const run = await finished('corrupt')
    expect(run.status).not.toBe(0)
    expect(run.ansibleLog).toMatch(/The checksum for \S*kubeadm\S* did not match/)
    expect(run.fetched.some((f) => f.endsWith('/kubeadm'))).toBe(true)
  }, RUN_TIMEOUT_MS + 60_000)

  it('had the network cut: upstream unreachable inside the namespace', async () => {
    const run = await finished('defaults')
    expect(readFileSync(join(run.work, 'unreachable.txt'), 'utf8')).toMatch(/^upstream unreachable: 127\.0\.0\.1:\d+/)
    // And outside, the same ports answer: the check inside could fail.
    execFileSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${world?.nginx.port}`])
  }, RUN_TIMEOUT_MS + 60_000)
})
