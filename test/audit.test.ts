/**
 * audit on the real Kubespray v2.31.0 tree (../shared/kubespray, extracted here, never copied
 * into the repo). The bundles are made from the lists alone, as offline-yml.test.ts makes them
 * (bundle.json without bytes), which is all the audit reads; their tarball is a link to the
 * shared one, so the default path (the bundle's own source) is the one exercised.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { x as extract } from 'tar'
import { runCli } from './helpers/cli.js'
import { CONFORMANCE_DIR, REPO_ROOT } from './helpers/conformance.js'
import { tempDir } from './helpers/temp.js'
import { heldBy, type AuditEntry, type AuditResult } from '../src/pipeline/audit.js'
import { scrapeImageLines } from '../src/domain/kubespray/references.js'

const TARBALL = join(REPO_ROOT, '../shared/kubespray/kubespray-v2.31.0.tar.gz')
const ARCHES = ['amd64', 'arm64']
/** Components with extras (issue #26): Cilium, Argo CD, local-path, metrics server, Helm, kubelet server certificates. */
const WIDE = {
  kube_network_plugin: 'cilium',
  argocd_enabled: true,
  local_path_provisioner_enabled: true,
  metrics_server_enabled: true,
  helm_enabled: true,
  kubelet_rotate_server_certificates: true
}

let work: string
/** The roles, playbooks and lists script: for the lists, and for audit --kubespray-dir (quicker than the tarball). */
let tree: string

beforeAll(async () => {
  work = tempDir('kb-audit-')
  tree = join(work, 'tree')
  mkdirSync(tree)
  const wanted = /^[^/]+\/(roles\/.*\/(defaults|vars|meta|tasks|templates)\/|playbooks\/|contrib\/offline\/|[^/]+\.yml$)/
  await extract({ file: TARBALL, cwd: tree, strip: 1, filter: (p) => wanted.test(p) })
})

interface Extra {
  files?: string[]
  images?: string[]
  arches?: string[]
  charts?: Array<{ repository: string; name: string; version: string }>
}

/** A bundle directory as build would leave it, minus the bytes, built with these variables. */
function bundleOf(name: string, vars: Record<string, unknown>, extra: Extra = {}, listsTree = tree, withTarball = true): string {
  const dir = join(work, name)
  const varsFile = join(work, `${name}.json`)
  writeFileSync(varsFile, JSON.stringify(vars))
  const files = new Set<string>(extra.files)
  const images = new Set<string>(extra.images)
  let kubeVersion = ''
  const arches = extra.arches ?? ARCHES
  for (const arch of arches) {
    const r = runCli(['lists', '--kubespray-dir', listsTree, '--out', join(dir, 'lists', arch), '--arch', arch, '-e', `@${varsFile}`], work)
    if (r.status !== 0) throw new Error(r.stderr)
    const list = JSON.parse(readFileSync(join(dir, 'lists', arch, 'files.json'), 'utf8')) as { files: Array<{ url: string }>; images: Array<{ ref: string }> }
    for (const f of list.files) files.add(f.url)
    for (const i of list.images) images.add(i.ref)
    kubeVersion = /kube-apiserver:v?([\d.]+)/.exec(list.images.map((i) => i.ref).join('\n'))?.[1] ?? ''
  }
  if (withTarball) symlinkSync(TARBALL, join(dir, 'kubespray-v2.31.0.tar.gz'))
  const manifest = {
    schema: 'kubespray-bundle/v1',
    kubespray: { repository: 'kubernetes-sigs/kubespray', spec: 'v2.31.0', tag: 'v2.31.0', commit: null, tarball: withTarball ? { path: 'kubespray-v2.31.0.tar.gz', sha256: '0'.repeat(64), size: 1 } : null },
    kubeVersion,
    arches,
    layout: 'original-host',
    extraVars: vars,
    files: [...files].map((url, i) => ({ url, path: `files/${i}`, size: 1, sha256: '0'.repeat(64), checksum: null, arches })),
    images: [...images].map((line) => ({ line, digest: `sha256:${'1'.repeat(64)}`, platforms: [], size: 0, arches })),
    ...(extra.charts ? { charts: extra.charts } : {}),
    totals: { files: files.size, fileBytes: 0, images: images.size, imageBytes: 0, bytes: 0 }
  }
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify(manifest))
  return dir
}

function audit(args: string[]): { status: number | null; result: AuditResult; stderr: string } {
  const r = runCli(['audit', ...args, '--json'], work)
  if (!r.stdout) throw new Error(`audit printed nothing (exit ${r.status}):\n${r.stderr}`)
  return { status: r.status, result: JSON.parse(r.stdout) as AuditResult, stderr: r.stderr }
}

const find = (entries: AuditEntry[], reference: string): AuditEntry | undefined => entries.find((e) => e.reference === reference)
const enabledMissing = (result: AuditResult): string[] => result.missing.filter((e) => e.enabled !== 'no').map((e) => e.reference)

const ARGOCD = 'https://raw.githubusercontent.com/argoproj/argo-cd/v2.14.21/manifests/install.yaml'
const BUSYBOX = 'busybox:latest'
const NFD = 'registry.k8s.io/nfd/node-feature-discovery:v0.16.4'
const CSR_APPROVER = 'https://postfinance.github.io/kubelet-csr-approver'
/** The Helm charts the wide set installs: kubelet-csr-approver through helm-apps, Cilium through its CLI. */
const CSR_CHART = { repository: CSR_APPROVER, name: 'kubelet-csr-approver', version: '1.1.0' }
const CILIUM_CHART = { repository: 'https://helm.cilium.io', name: 'cilium', version: '1.19.3' }
const label = (c: { repository: string; name: string; version: string }): string => `${c.name} ${c.version} from ${c.repository}`

describe('audit on Kubespray v2.31.0', () => {
  it("Kubespray's defaults: the extras of components that are off are listed, none fails", () => {
    // A redacted secret among the bundle's variables must not get in the way.
    const dir = bundleOf('defaults', { registry_password: '***' })
    const { status, result, stderr } = audit(['--bundle', dir])
    expect(stderr).toBe('')
    expect(status).toBe(0)
    expect(result.failed).toBe(false)
    expect(enabledMissing(result)).toEqual([])
    expect(result.checked.images).toBeGreaterThan(50)
    expect(result.checked.urls).toBeGreaterThan(30)
    const busybox = find(result.missing, BUSYBOX)
    expect(busybox).toMatchObject({ enabled: 'no', kind: 'image', arches: ARCHES })
    expect(busybox?.because).toContain('local_path_provisioner_enabled')
    expect(busybox?.sources[0]).toMatchObject({ role: 'kubernetes-apps/external_provisioner/local_path_provisioner', variable: 'local_path_provisioner_helper_image_repo' })
    expect(find(result.missing, NFD)).toMatchObject({ enabled: 'no', because: expect.stringContaining('node_feature_discovery_enabled') })
    expect(find(result.missing, ARGOCD)).toMatchObject({ enabled: 'no', kind: 'file' })
    // The chart, not its repository variable: the chart knows whether helm-apps installs it.
    expect(find(result.missing, CSR_APPROVER)).toBeUndefined()
    expect(find(result.missing, label(CSR_CHART))).toMatchObject({ enabled: 'no', kind: 'chart', because: expect.stringContaining('kubelet_csr_approver_enabled') })
    // What generate_list.sh lists is in the bundle: no downloads entry is missing.
    expect(result.missing.filter((e) => e.sources.some((s) => s.role === 'download') && e.reference !== ARGOCD)).toEqual([])
    // A template expression that cannot be rendered is listed, not dropped.
    expect(result.unrendered.some((e) => e.reference.includes('scheduler_plugins_controller_image_tag') && /undefined/.test(e.problem ?? ''))).toBe(true)
  })

  it('the wide set: names what enabled components fetch and the bundle lacks, with role and variable, and exits 1', () => {
    const dir = bundleOf('wide', WIDE)
    const r = runCli(['audit', '--bundle', dir, '--kubespray-dir', tree], work)
    expect(r.status).toBe(1)
    // One summary line on stderr, the table on stdout.
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^kubespray-bundle audit: error: 4 reference\(s\) that enabled components fetch are not in the bundle/)])
    const rows = r.stdout.split('\n')
    expect(rows.find((l) => l.includes(ARGOCD))).toMatch(/^yes\s+file\s+\S+\s+download\s+roles\/kubespray_defaults\/defaults\/main\/download\.yml:\d+ \(\+1\)\s+downloads\.argocd_install/)
    expect(rows.find((l) => l.includes(BUSYBOX))).toMatch(/^yes\s+image\s+busybox:latest\s+kubernetes-apps\/external_provisioner\/local_path_provisioner\s+\S+(?: \(\+\d+\))?\s+local_path_provisioner_helper_image_repo/)
    const { result } = audit(['--bundle', dir, '--kubespray-dir', tree])
    expect(enabledMissing(result).sort()).toEqual([ARGOCD, BUSYBOX, label(CSR_CHART), label(CILIUM_CHART)].sort())
    // Each chart with the role that installs it and the variable that moves its repository.
    expect(find(result.missing, label(CSR_CHART))).toMatchObject({
      kind: 'chart',
      chart: { ...CSR_CHART, movedBy: { variable: 'kubelet_csr_approver_repository_url', form: 'url' }, imagesFrom: 'values', valuesVariable: 'kubelet_csr_approver_values' },
      sources: [expect.objectContaining({ role: 'kubernetes-apps/kubelet-csr-approver', file: 'roles/kubernetes-apps/kubelet-csr-approver/meta/main.yml' })]
    })
    expect(find(result.missing, label(CILIUM_CHART))).toMatchObject({
      kind: 'chart',
      chart: { ...CILIUM_CHART, movedBy: { variable: 'cilium_install_extra_flags', form: 'repository-flag' }, imagesFrom: 'kubespray-downloads' },
      sources: [expect.objectContaining({ role: 'network_plugin/cilium', file: 'roles/network_plugin/cilium/tasks/apply.yml' })]
    })
    expect(find(result.missing, ARGOCD)?.sources.map((s) => s.variable)).toEqual(['downloads.argocd_install', 'argocd_install_url'])
    expect(find(result.missing, BUSYBOX)?.because).toContain('when: local_path_provisioner_enabled')
    // Cilium's images, as its Helm values template names them, are all in the bundle; its chart is not.
    expect(result.missing.filter((e) => e.sources.some((s) => s.role === 'network_plugin/cilium')).map((e) => e.kind)).toEqual(['chart'])
    expect(result.byComponent.filter((c) => c.enabled === 'yes').map((c) => c.role).sort()).toEqual(
      ['download', 'kubernetes-apps/external_provisioner/local_path_provisioner', 'kubernetes-apps/kubelet-csr-approver', 'network_plugin/cilium'].sort()
    )
  })

  it('the wide set, with the extras in the bundle (another registry host, a Helm repository index): exits 0', () => {
    const dir = bundleOf('wide-extras', WIDE, { files: [ARGOCD], images: ['mirror.gcr.io/library/busybox:latest'], arches: ['amd64'], charts: [CSR_CHART, CILIUM_CHART] })
    const { status, result } = audit(['--bundle', dir, '--kubespray-dir', tree])
    expect(enabledMissing(result)).toEqual([])
    expect(status).toBe(0)
    expect(result.summary).toMatch(/^every reference enabled components fetch is in the bundle/)
  })

  it('-e after the bundle\'s variables turns a component on', () => {
    const dir = join(work, 'defaults')
    const { status, result } = audit(['--bundle', dir, '--kubespray-dir', tree, '-e', 'argocd_enabled=true'])
    expect(status).toBe(1)
    expect(enabledMissing(result)).toEqual([ARGOCD])
  })

  it('a custom CNI chart: from a repository it is a chart like any; an OCI reference is named (no bundle can hold it yet); a local path is the user\'s', () => {
    const dir = join(work, 'defaults')
    const cni = ['-e', 'kube_network_plugin=custom_cni', '-e', 'custom_cni_chart_release_name=mycni', '-e', 'custom_cni_chart_version=1.0.0']
    const fromRepository = audit(['--bundle', dir, '--kubespray-dir', tree, ...cni, '-e', 'custom_cni_chart_repository_name=cni', '-e', 'custom_cni_chart_repository_url=https://charts.example/cni', '-e', 'custom_cni_chart_ref=cni/mycni'])
    expect(find(fromRepository.result.missing, 'mycni 1.0.0 from https://charts.example/cni')).toMatchObject({ kind: 'chart', enabled: 'yes', chart: { movedBy: { variable: 'custom_cni_chart_repository_url', form: 'url' } } })
    const oci = audit(['--bundle', dir, '--kubespray-dir', tree, ...cni, '-e', 'custom_cni_chart_ref=oci://ghcr.io/example/charts/mycni'])
    expect(find(oci.result.missing, 'oci://ghcr.io/example/charts/mycni')).toMatchObject({ kind: 'chart', enabled: 'yes', rendered: true })
    const local = audit(['--bundle', dir, '--kubespray-dir', tree, ...cni, '-e', 'custom_cni_chart_ref=/opt/charts/mycni'])
    expect(local.result.missing.filter((e) => e.kind === 'chart' && e.sources[0].role === 'network_plugin/custom_cni')).toEqual([])
  })

  it("kubeadm's images are checked too: a bundle without kube-apiserver fails, naming kubeadm_images", () => {
    const dir = join(work, 'no-apiserver')
    cpSync(join(work, 'defaults'), dir, { recursive: true })
    const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as { images: Array<{ line: string }> }
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify({ ...manifest, images: manifest.images.filter((i) => !i.line.includes('kube-apiserver')) }))
    const { status, result } = audit(['--bundle', dir, '--kubespray-dir', tree])
    expect(status).toBe(1)
    const missing = result.missing.find((e) => e.reference.includes('/kube-apiserver:'))
    expect(missing?.enabled).toBe('yes')
    expect(missing?.sources[0].variable).toBe('kubeadm_images')
  })

  it('a declaration the templates decide pulls nothing by itself: kube-ovn without dpdk, Azure CSI\'s repo prefix', () => {
    const dir = join(work, 'defaults')
    const { result } = audit(['--bundle', dir, '--kubespray-dir', tree, '-e', '{"kube_network_plugin": "kube-ovn", "azure_csi_enabled": true}'])
    const enabled = enabledMissing(result)
    // Written only under {% if kube_ovn_dpdk_enabled %} (false): not pulled.
    expect(find(result.missing, 'docker.io/kubeovn/kube-ovn-dpdk:19.11-v1.12.21')?.enabled).toBe('no')
    // azure_csi_plugin_image_repo is a prefix ({{ repo }}/azuredisk-csi:…), never an image of its own.
    expect(result.missing.some((e) => e.reference === 'mcr.microsoft.com/k8s/csi:v1.10.0')).toBe(false)
    expect(enabled).toContain('mcr.microsoft.com/oss/kubernetes-csi/csi-provisioner:v2.2.2')
  })

  it('a tree of role defaults only (a conformance tree): no playbook says what runs, so extras are unknown and fail', () => {
    const conformance = join(CONFORMANCE_DIR, 'v2.30.0', 'inputs')
    const dir = bundleOf('conformance', {}, { arches: ['amd64'] }, conformance, false)
    const { status, result } = audit(['--bundle', dir, '--kubespray-dir', conformance])
    expect(status).toBe(1)
    const unknown = result.missing.filter((e) => e.enabled === 'unknown')
    expect(unknown.length).toBeGreaterThan(0)
    expect(unknown.every((e) => e.sources[0].role === 'kubespray_defaults')).toBe(true)
    // Its downloads entries decide for themselves: Argo CD's stays off.
    expect(result.missing.find((e) => e.reference.includes('argo-cd'))?.enabled).toBe('no')
  })

  it('usage errors exit 2; a bundle built from a local tree needs --kubespray-dir', () => {
    expect(runCli(['audit'], work).status).toBe(2)
    const r = runCli(['audit', '--bundle', join(work, 'conformance')], work)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('give that tree with --kubespray-dir')
  })
})

describe('audit: pieces', () => {
  it('holds images by repository and tag or digest whatever the registry host, files by url, chart repositories by index', () => {
    const digest = `sha256:${'a'.repeat(64)}`
    const held = heldBy({
      files: [{ url: 'https://example.com/repo/index.yaml', path: 'files/x', size: 1, sha256: '', checksum: null, arches: [] }],
      images: [{ line: 'registry.local:5000/cilium/cilium:v1.19.3', digest, platforms: [], size: 0, arches: [] }]
    })
    expect(held({ kind: 'image', reference: 'quay.io/cilium/cilium:v1.19.3' })).toBe(true)
    expect(held({ kind: 'image', reference: 'quay.io/cilium/cilium:v1.19.4' })).toBe(false)
    expect(held({ kind: 'image', reference: `quay.io/cilium/cilium:v1.19.4@${digest}` })).toBe(true)
    expect(held({ kind: 'image', reference: `quay.io/cilium/cilium@sha256:${'b'.repeat(64)}` })).toBe(false)
    expect(held({ kind: 'chart-repository', reference: 'https://example.com/repo' })).toBe(true)
    expect(held({ kind: 'file', reference: 'https://example.com/repo' })).toBe(false)
    // A chart by repository, name and version; its repository by the charts the bundle carries from it.
    const chart = { repository: 'https://charts.example/c', name: 'c', version: '1.0.0', path: 'files/charts/charts.example/c/c-1.0.0.tgz', index: 'files/charts/charts.example/c/index.yaml', sha256: '', movedBy: { variable: 'c_repository_url', form: 'url' as const }, images: [], wantedBy: { role: 'c', variable: 'c_repository_url' } }
    const withChart = heldBy({ files: [], images: [], charts: [chart] })
    expect(withChart({ kind: 'chart', reference: 'c 1.0.0 from https://charts.example/c' })).toBe(true)
    expect(withChart({ kind: 'chart', reference: 'c 1.0.1 from https://charts.example/c' })).toBe(false)
    expect(withChart({ kind: 'chart-repository', reference: 'https://charts.example/c/' })).toBe(true)
    expect(withChart({ kind: 'chart-repository', reference: 'https://charts.example/d' })).toBe(false)
  })

  it("reads image: lines and Helm values' image blocks from a template", () => {
    const text = [
      'spec:',
      '  - image: "{{ a_image_repo }}:{{ a_image_tag }}"',
      '# image: commented',
      'image:',
      '  repository: {{ b_repo }}',
      '  tag: {{ b_tag }}',
      'other: 1'
    ].join('\n')
    expect(scrapeImageLines(text)).toEqual([
      { line: 2, expression: '{{ a_image_repo }}:{{ a_image_tag }}', conditions: [] },
      { line: 4, expression: '{{ b_repo }}:{{ b_tag }}', conditions: [] }
    ])
    // The {% if %} blocks around a line come with it, an else branch as the negation.
    const guarded = ['{% if dpdk %}', 'image: {{ dpdk_repo }}:{{ t }}', '{% else %}', 'image: {{ ovs_repo }}:{{ t }}', '{% endif %}'].join('\n')
    expect(scrapeImageLines(guarded).map((l) => l.conditions)).toEqual([['dpdk'], ['not (dpdk)']])
  })
})
