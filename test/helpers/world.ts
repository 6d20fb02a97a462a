/**
 * A small Kubespray world on 127.0.0.1 for build and action tests:
 *   - a Kubespray-shaped tree (roles/kubespray_defaults: download.yml, checksums.yml, main.yml)
 *     whose files live on our nginx and whose images live in our docker-registry;
 *   - the files themselves (random bytes, so checksums are real) for two arches and two etcd
 *     versions, and multi-arch images (Docker lists and an OCI index) with a shared base layer;
 *   - a GitHub REST stand-in of our own (releases, tags, commits, branches, a tarball of that
 *     tree with GitHub's `<repo>-<sha>/` top directory, redirected to a "codeload" origin), with
 *     Link pagination and an optional rate limit, counting what it served.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { c as createTar } from 'tar'
import { startNginx, type Nginx } from './nginx.js'
import { makeImage, makeIndex, makeLayer, pushFixture, startRegistry, type BuiltImage, type BuiltIndex, type Registry } from './registry.js'
import { tempDir } from './temp.js'

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

export const KUBE_VERSION = '1.33.1'
export const ETCD_VERSIONS = ['v3.5.16', 'v3.5.17']
/** Argo CD: a downloads entry generate_list.sh never lists (argocd_install_url is no *_download_url line). */
export const ARGOCD_VERSION = 'v2.14.21'
export const ARGOCD_INSTALL_PATH = `argocd/${ARGOCD_VERSION}/install.yaml`
/**
 * The argocd role's own defaults pin another version (as Kubespray v2.31.0's do: 2.14.5 beside
 * kubespray_defaults' 2.14.21), and that role fetches downloads.argocd_install again with it.
 */
export const ARGOCD_ROLE_VERSION = 'v2.14.5'
export const ARGOCD_ROLE_INSTALL_PATH = `argocd/${ARGOCD_ROLE_VERSION}/install.yaml`
/** The images Argo CD's manifest names (in the registry; in a bundle only as extras). */
export const ARGOCD_IMAGES = [`argoproj/argocd:${ARGOCD_VERSION}`, 'library/redis:7.0.15-alpine']
/** local-path-provisioner's helper: an image only a role's defaults and template name (no downloads entry). */
export const LOCAL_PATH_HELPER = 'library/busybox:1.36'
/**
 * A Helm chart installed through Kubespray's helm-apps role (shaped as kubelet-csr-approver's
 * meta/main.yml is): its repository's index at CHART_REPOSITORY_PATH lists two versions, the
 * pinned one's archive on another path by an absolute url (as GitHub release assets are), the
 * other's by a relative url with a digest that does not match (a repository that lies).
 */
export const CHART_NAME = 'kubelet-csr-approver'
export const CHART_VERSION = '1.1.0'
export const CHART_BAD_VERSION = '1.0.0'
/** A version whose archive the repository no longer has (404), and one the index gives no digest for. */
export const CHART_GONE_VERSION = '1.2.0'
export const CHART_UNDIGESTED_VERSION = '0.9.0'
export const CHART_REPOSITORY_PATH = 'charts-upstream/kubelet-csr-approver'
export const CHART_ARCHIVE_PATH = `chart-releases/${CHART_NAME}-${CHART_VERSION}.tgz`
/** The image the chart's values name (tag empty: the chart's appVersion). */
export const CHART_IMAGE = `postfinance/kubelet-csr-approver:v${CHART_VERSION}`
const ARCHES = ['amd64', 'arm64']
/** The upgrade line (World.addUpgradeLine): a repository whose next release pins another Kubernetes and CoreDNS. */
export const UPGRADE_REPOSITORY = 'kubespray-upgrade/kubespray'
export const UPGRADE_TAGS = ['v2.30.0', 'v2.31.0'] as const
export const NEXT_KUBE_VERSION = '1.33.2'
export const NEXT_COREDNS_TAG = 'v1.12.1'

export interface World {
  nginx: Nginx
  /** nginx's /v2/ door in front of the registry: where blob fetches are counted. */
  registryHost: string
  registry: Registry
  github: GitHubStandIn
  /** The tree as a directory (for --kubespray-dir) and as tarballs behind the stand-in. */
  treeDir: string
  files: Map<string, Buffer>
  images: Record<string, BuiltImage | BuiltIndex>
  /** File GETs answered with 200/206 since log line `from`, by path. */
  fileGets(from?: number): string[]
  blobGets(from?: number): string[]
  logLength(): number
  /**
   * Adds (once) UPGRADE_REPOSITORY: UPGRADE_TAGS[0] is this world's tree, UPGRADE_TAGS[1] the
   * same tree pinning NEXT_KUBE_VERSION (its kubelet files and kubeadm images, served here too)
   * and NEXT_COREDNS_TAG; etcd, pause and the images' base layer stay shared. Other tests' repository is untouched.
   */
  addUpgradeLine(): Promise<void>
  stop(): Promise<void>
}

export async function startWorld(): Promise<World> {
  const storage = tempDir('kb-world-storage-')
  const registry = await startRegistry({ storage })
  const nginx = await startNginx({ proxyV2To: registry.host })
  const registryHost = `127.0.0.1:${nginx.port}`
  const files = new Map<string, Buffer>()
  const serve = (path: string, size: number): Buffer => {
    const data = randomBytes(size)
    mkdirSync(dirname(join(nginx.root, path)), { recursive: true })
    writeFileSync(join(nginx.root, path), data)
    files.set(path, data)
    return data
  }
  const kubelet: Record<string, string> = {}
  const etcd: Record<string, Record<string, string>> = {}
  for (const arch of ARCHES) {
    kubelet[arch] = sha256(serve(`release/v${KUBE_VERSION}/bin/linux/${arch}/kubelet`, 3 << 20))
    etcd[arch] = {}
    for (const v of ETCD_VERSIONS) etcd[arch][v] = sha256(serve(`etcd/${v}/etcd-${v}-linux-${arch}.tar.gz`, 400_000))
  }
  const argocdChecksums: Record<string, string> = {}
  for (const [version, path] of [[ARGOCD_VERSION, ARGOCD_INSTALL_PATH], [ARGOCD_ROLE_VERSION, ARGOCD_ROLE_INSTALL_PATH]]) {
    const manifest = Buffer.concat([Buffer.from(`# Argo CD ${version}\n`), argocdManifest(registryHost)])
    mkdirSync(dirname(join(nginx.root, path)), { recursive: true })
    writeFileSync(join(nginx.root, path), manifest)
    files.set(path, manifest)
    argocdChecksums[version] = sha256(manifest)
  }
  const base = makeLayer('base', randomBytes(200_000))
  const multi = (kind: 'oci' | 'docker', name: string): BuiltIndex =>
    makeIndex(kind, ARCHES.map((arch) => [arch, makeImage(kind, arch, [base, makeLayer(`${name}-${arch}`, randomBytes(60_000))])] as [string, BuiltImage]))
  const images: Record<string, BuiltIndex> = {
    'k8s/pause:3.10': multi('docker', 'pause'),
    'k8s/coredns:v1.12.0': multi('oci', 'coredns'),
    'k8s/coredns:v1.12.1': multi('oci', 'coredns-next')
  }
  for (const name of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']) images[`k8s/${name}:v${KUBE_VERSION}`] = multi('docker', name)
  images[ARGOCD_IMAGES[0]] = multi('oci', 'argocd')
  images[ARGOCD_IMAGES[1]] = multi('docker', 'redis')
  images[LOCAL_PATH_HELPER] = multi('docker', 'busybox')
  images[CHART_IMAGE] = multi('oci', 'csr-approver')
  files.set(CHART_ARCHIVE_PATH, await serveChartRepository(nginx.root, nginx.url('/files'), registryHost, images[CHART_IMAGE].index.digest))
  for (const [name, image] of Object.entries(images)) {
    const [repo, tag] = name.split(':')
    await pushFixture(registry.host, repo, tag, image)
  }
  const treeDir = tempDir('kb-tree-')
  writeTree(treeDir, nginx.url('/files'), registryHost, kubelet, etcd, argocdChecksums)
  const github = await startGitHubStandIn()
  await github.addRepository('kubernetes-sigs/kubespray', treeDir, ['v2.29.0', 'v2.29.1', 'v2.30.0', 'v2.30.1-rc.1'])
  const log = (): string[] => readFileSync(nginx.accessLog, 'utf8').split('\n')
  let upgradeLine: Promise<void> | undefined
  const nextTreeDir = tempDir('kb-tree-next-')
  const addUpgradeLine = async (): Promise<void> => {
    const kubeletNext: Record<string, Record<string, string>> = {}
    for (const arch of ARCHES) kubeletNext[arch] = { [KUBE_VERSION]: kubelet[arch], [NEXT_KUBE_VERSION]: sha256(serve(`release/v${NEXT_KUBE_VERSION}/bin/linux/${arch}/kubelet`, 1 << 20)) }
    for (const name of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']) {
      const image = multi('docker', `${name}-next`)
      images[`k8s/${name}:v${NEXT_KUBE_VERSION}`] = image
      await pushFixture(registry.host, `k8s/${name}`, `v${NEXT_KUBE_VERSION}`, image)
    }
    writeTree(nextTreeDir, nginx.url('/files'), registryHost, kubelet, etcd, argocdChecksums, { kubeVersion: NEXT_KUBE_VERSION, corednsTag: NEXT_COREDNS_TAG, kubeletChecksums: kubeletNext })
    await github.addTag(UPGRADE_REPOSITORY, treeDir, UPGRADE_TAGS[0])
    await github.addTag(UPGRADE_REPOSITORY, nextTreeDir, UPGRADE_TAGS[1])
  }
  return {
    nginx,
    registry,
    registryHost,
    github,
    treeDir,
    files,
    images,
    logLength: () => log().length - 1,
    fileGets: (from = 0) =>
      log()
        .slice(from)
        .flatMap((l) => {
          const m = /"GET \/files\/(\S+) [^"]*" 20[06] /.exec(l)
          return m ? [m[1]] : []
        }),
    blobGets: (from = 0) =>
      log()
        .slice(from)
        .flatMap((l) => {
          const m = /"GET \/v2\/\S+\/blobs\/(sha256:[0-9a-f]{64}) [^"]*" 20[06] /.exec(l)
          return m ? [m[1]] : []
        }),
    addUpgradeLine() {
      upgradeLine ??= addUpgradeLine()
      return upgradeLine
    },
    async stop() {
      await github.stop()
      await nginx.stop()
      await registry.stop()
      rmSync(storage, { recursive: true, force: true })
      rmSync(treeDir, { recursive: true, force: true })
      rmSync(nextTreeDir, { recursive: true, force: true })
    }
  }
}

/** The chart's archive (Chart.yaml, values.yaml, a template) and its repository's index, on nginx; returns the archive. */
async function serveChartRepository(root: string, filesBase: string, registryHost: string, pinnedDigest: string): Promise<Buffer> {
  const src = tempDir('kb-chart-')
  const dir = join(src, CHART_NAME)
  mkdirSync(join(dir, 'templates'), { recursive: true })
  writeFileSync(join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${CHART_NAME}\nversion: ${CHART_VERSION}\nappVersion: v${CHART_VERSION}\n`)
  // The image by the chart's appVersion, and again pinned to its index digest as Cilium's values pin theirs.
  const [repository, tag] = CHART_IMAGE.split(':')
  writeFileSync(
    join(dir, 'values.yaml'),
    `image:\n  repository: ${registryHost}/${repository}\n  pullPolicy: IfNotPresent\n  tag: ""\nreplicas: 1\npinned:\n  image:\n    repository: ${registryHost}/${repository}\n    tag: ${tag}\n    digest: ${pinnedDigest}\n    useDigest: true\n`
  )
  writeFileSync(join(dir, 'templates/deployment.yaml'), 'image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"\n')
  const archive = join(root, CHART_ARCHIVE_PATH)
  mkdirSync(dirname(archive), { recursive: true })
  await createTar({ gzip: true, file: archive, cwd: src, portable: true }, [CHART_NAME])
  rmSync(src, { recursive: true, force: true })
  const bytes = readFileSync(archive)
  mkdirSync(join(root, CHART_REPOSITORY_PATH), { recursive: true })
  writeFileSync(join(root, CHART_REPOSITORY_PATH, `${CHART_NAME}-${CHART_BAD_VERSION}.tgz`), 'not the bytes the index vouches for\n')
  writeFileSync(join(root, CHART_REPOSITORY_PATH, `${CHART_NAME}-${CHART_UNDIGESTED_VERSION}.tgz`), readFileSync(archive))
  writeFileSync(
    join(root, CHART_REPOSITORY_PATH, 'index.yaml'),
    `apiVersion: v1\nentries:\n  ${CHART_NAME}:\n` +
      `  - apiVersion: v2\n    appVersion: v${CHART_VERSION}\n    created: "2025-01-02T03:04:05Z"\n    digest: ${sha256(bytes)}\n    name: ${CHART_NAME}\n    urls:\n    - ${filesBase}/${CHART_ARCHIVE_PATH}\n    version: ${CHART_VERSION}\n` +
      `  - apiVersion: v2\n    appVersion: v${CHART_BAD_VERSION}\n    created: 2024-01-02T03:04:05Z\n    digest: ${'0'.repeat(64)}\n    name: ${CHART_NAME}\n    urls:\n    - ${CHART_NAME}-${CHART_BAD_VERSION}.tgz\n    version: ${CHART_BAD_VERSION}\n` +
      `  - name: ${CHART_NAME}\n    version: ${CHART_GONE_VERSION}\n    digest: ${'1'.repeat(64)}\n    urls: [${CHART_NAME}-${CHART_GONE_VERSION}.tgz]\n` +
      `  - name: ${CHART_NAME}\n    version: ${CHART_UNDIGESTED_VERSION}\n    urls: [${CHART_NAME}-${CHART_UNDIGESTED_VERSION}.tgz]\n` +
      `  other-chart:\n  - name: other-chart\n    version: 0.1.0\n    urls: [other-chart-0.1.0.tgz]\ngenerated: "2025-01-02T03:04:05Z"\n`
  )
  return bytes
}

/** Argo CD's install manifest in small: several documents, images in Deployments and a StatefulSet. */
function argocdManifest(registryHost: string): Buffer {
  return Buffer.from(
    [
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: argocd-server\n',
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-redis\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: secret-init\n        image: ${registryHost}/argoproj/argocd:${ARGOCD_VERSION}\n      containers:\n      - name: redis\n        image: ${registryHost}/library/redis:7.0.15-alpine\n`,
      `apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: argocd-application-controller\nspec:\n  template:\n    spec:\n      containers:\n      - image: ${registryHost}/argoproj/argocd:${ARGOCD_VERSION}\n        name: argocd-application-controller\n`
    ].join('---\n')
  )
}

/** Another release of the tree: another kube_version (with its kubelet checksums) and CoreDNS tag. */
interface TreeVariant {
  kubeVersion: string
  corednsTag: string
  /** arch → kube version → sha256 */
  kubeletChecksums: Record<string, Record<string, string>>
}

function writeTree(
  dir: string,
  filesBase: string,
  registryHost: string,
  kubelet: Record<string, string>,
  etcd: Record<string, Record<string, string>>,
  argocd: Record<string, string>,
  variant?: TreeVariant
): void {
  const role = join(dir, 'roles/kubespray_defaults')
  mkdirSync(join(role, 'defaults/main'), { recursive: true })
  mkdirSync(join(role, 'vars'), { recursive: true })
  writeFileSync(
    join(role, 'defaults/main/main.yml'),
    `---\nkube_version: ${variant?.kubeVersion ?? KUBE_VERSION}\nkube_version_min_required: 1.31.0\nimage_arch: amd64\netcd_version: ${ETCD_VERSIONS[0]}\nkube_image_repo: "${registryHost}/k8s"\nfiles_base: "${filesBase}"\nkubelet_rotate_server_certificates: false\n`
  )
  writeFileSync(
    join(role, 'defaults/main/download.yml'),
    `---
kubelet_download_url: "{{ files_base }}/release/v{{ kube_version }}/bin/linux/{{ image_arch }}/kubelet"
etcd_download_url: "{{ files_base }}/etcd/{{ etcd_version }}/etcd-{{ etcd_version }}-linux-{{ image_arch }}.tar.gz"
pause_image_repo: "{{ kube_image_repo }}/pause"
pause_image_tag: "3.10"
coredns_image_repo: "{{ kube_image_repo }}/coredns"
coredns_image_tag: "${variant?.corednsTag ?? 'v1.12.0'}"
argocd_enabled: false
argocd_version: "${ARGOCD_VERSION}"
argocd_install_url: "${filesBase}/argocd/{{ argocd_version }}/install.yaml"

downloads:
  etcd:
    file: true
    url: "{{ etcd_download_url }}"
    checksum: "sha256:{{ etcd_binary_checksums[image_arch][etcd_version] }}"
  kubelet:
    file: true
    url: "{{ kubelet_download_url }}"
    checksum: "sha256:{{ kubelet_checksums[image_arch][kube_version] }}"
  pause:
    container: true
    repo: "{{ pause_image_repo }}"
    tag: "{{ pause_image_tag }}"
  coredns:
    container: true
    repo: "{{ coredns_image_repo }}"
    tag: "{{ coredns_image_tag }}"
  argocd_install:
    enabled: "{{ argocd_enabled }}"
    file: true
    url: "{{ argocd_install_url }}"
    checksum: "sha256:{{ argocd_install_checksums[argocd_version] }}"

download_defaults:
  container: false
`
  )
  const table = (name: string, rows: Record<string, Record<string, string>>): string =>
    `${name}:\n` + Object.entries(rows).map(([arch, versions]) => `  ${arch}:\n` + Object.entries(versions).map(([v, hex]) => `    ${v}: ${hex}\n`).join('')).join('')
  writeFileSync(
    join(role, 'defaults/main/checksums.yml'),
    '---\n' +
      table('kubelet_checksums', variant?.kubeletChecksums ?? Object.fromEntries(Object.entries(kubelet).map(([a, h]) => [a, { [KUBE_VERSION]: h }]))) +
      table('etcd_binary_checksums', etcd) +
      `argocd_install_checksums:\n${Object.entries(argocd).map(([v, h]) => `  ${v}: ${h}\n`).join('')}`
  )
  writeFileSync(join(role, 'vars/main.yml'), '---\nkubespray_bundle_test_tree: true\n')
  const argocdRole = join(dir, 'roles/kubernetes-apps/argocd/defaults')
  mkdirSync(argocdRole, { recursive: true })
  writeFileSync(join(argocdRole, 'main.yml'), `---\nargocd_enabled: false\nargocd_version: ${ARGOCD_ROLE_VERSION}\n`)
  // A role outside the download role that pulls an image of its own, and the play that runs it.
  const localPath = join(dir, 'roles/kubernetes-apps/external_provisioner/local_path_provisioner')
  mkdirSync(join(localPath, 'defaults'), { recursive: true })
  mkdirSync(join(localPath, 'templates'), { recursive: true })
  writeFileSync(
    join(localPath, 'defaults/main.yml'),
    `---\nlocal_path_provisioner_enabled: false\nlocal_path_provisioner_helper_image_repo: "${registryHost}/${LOCAL_PATH_HELPER.split(':')[0]}"\nlocal_path_provisioner_helper_image_tag: "${LOCAL_PATH_HELPER.split(':')[1]}"\n`
  )
  writeFileSync(join(localPath, 'templates/local-path-storage-cm.yml.j2'), 'helperPod:\n  containers:\n    - name: helper-pod\n      image: "{{ local_path_provisioner_helper_image_repo }}:{{ local_path_provisioner_helper_image_tag }}"\n')
  // A chart installed through helm-apps, as Kubespray's kubelet-csr-approver role does it.
  const helmApps = join(dir, 'roles/helm-apps')
  mkdirSync(join(helmApps, 'tasks'), { recursive: true })
  writeFileSync(join(helmApps, 'tasks/main.yml'), '---\n- name: Install Helm Applications\n  debug:\n    msg: "{{ releases }}"\n')
  const csr = join(dir, 'roles/kubernetes-apps/kubelet-csr-approver')
  mkdirSync(join(csr, 'defaults'), { recursive: true })
  mkdirSync(join(csr, 'meta'), { recursive: true })
  writeFileSync(
    join(csr, 'defaults/main.yml'),
    `---\nkubelet_csr_approver_enabled: "{{ kubelet_rotate_server_certificates }}"\nkubelet_csr_approver_repository_name: ${CHART_NAME}\nkubelet_csr_approver_repository_url: ${filesBase}/${CHART_REPOSITORY_PATH}\nkubelet_csr_approver_chart_ref: "{{ kubelet_csr_approver_repository_name }}/${CHART_NAME}"\nkubelet_csr_approver_chart_version: ${CHART_VERSION}\nkubelet_csr_approver_values: {}\n`
  )
  writeFileSync(
    join(csr, 'meta/main.yml'),
    `---\ndependencies:\n  - role: helm-apps\n    when:\n      - inventory_hostname == groups['kube_control_plane'][0]\n      - kubelet_csr_approver_enabled\n    release_common_opts: {}\n    releases:\n      - name: ${CHART_NAME}\n        namespace: kube-system\n        chart_ref: "{{ kubelet_csr_approver_chart_ref }}"\n        chart_version: "{{ kubelet_csr_approver_chart_version }}"\n        values: "{{ kubelet_csr_approver_values }}"\n    repositories:\n      - name: "{{ kubelet_csr_approver_repository_name }}"\n        url: "{{ kubelet_csr_approver_repository_url }}"\n`
  )
  writeFileSync(
    join(dir, 'cluster.yml'),
    '---\n- name: Install Kubernetes apps\n  hosts: kube_control_plane\n  roles:\n    - { role: kubespray_defaults }\n    - { role: kubernetes-apps/external_provisioner/local_path_provisioner, when: local_path_provisioner_enabled }\n    - { role: kubernetes-apps/kubelet-csr-approver }\n'
  )
  mkdirSync(join(dir, 'docs'), { recursive: true })
  writeFileSync(join(dir, 'docs/README.md'), 'Not needed for the lists; left out of the extracted tree.\n')
}

// ---- the GitHub REST stand-in ----

export interface StoredAsset {
  id: number
  name: string
  size: number
  state: 'uploaded' | 'starter'
  digest: string
  path: string
  /** When it was made or renamed (ms since the epoch): GitHub's updated_at. */
  updated?: number
}

export interface StoredRelease {
  id: number
  tag_name: string
  draft: boolean
  /** The release notes, as created or last updated. */
  body?: string
  assets: StoredAsset[]
}

export interface GitHubStandIn {
  apiUrl: string
  releases: Map<string, StoredRelease[]>
  /** The next N uploads leave a 'starter' asset behind and answer 502 (as a failed upload does). */
  failUploads(count: number): void
  /**
   * Uploads whose name passes `match` fail (502), `count` times in all (default 1): as
   * failUploads, or with `leave: false` without leaving an asset (the connection cut before
   * GitHub made one). `then` runs after each failure is answered (another publisher acting
   * meanwhile). A later call replaces an earlier one.
   */
  failUploadsWhere(options: { match?: (name: string) => boolean; count?: number; leave?: boolean; then?: (release: StoredRelease) => void }): void
  /** Calls `listener` after every change to a release's assets (upload, rename, delete); returns its removal. */
  watchAssets(listener: (release: StoredRelease) => void): () => void
  /** Asset bytes served from storage (after the API's redirect), Range requests included. */
  storageRequests: Array<{ path: string; range?: string }>
  /** Storage answers 404 for assets of these names (an outage of one download). */
  unavailable: Set<string>
  /** A workflow artifact (its zip), downloadable through the artifacts API; returns its id. */
  addArtifact(fullName: string, name: string, zip: Buffer): number
  /** Every request: method, path, whether a token came. */
  requests: Array<{ method: string; path: string; authorization?: string; origin: 'api' | 'codeload' }>
  tarballs: Map<string, Buffer>
  /** Answer the next N API requests with a rate-limit 403 that resets in `seconds`. */
  rateLimit(count: number, seconds: number): void
  addRepository(fullName: string, tree: string, tags: string[]): Promise<void>
  /** One more tag (and its commit, a tarball of `tree`) in a repository, made if it is new; the newest tag last. */
  addTag(fullName: string, tree: string, tag: string): Promise<void>
  /** A tarball of an arbitrary directory under a new commit (for hostile archives). */
  addCommit(fullName: string, tarball: Buffer): string
  stop(): Promise<void>
}

interface RepoData {
  tags: Array<{ name: string; sha: string }>
  branches: Map<string, string>
  commits: Set<string>
  releases: Array<{ tag_name: string; prerelease: boolean; draft: boolean }>
}

export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  const repos = new Map<string, RepoData>()
  const tarballs = new Map<string, Buffer>()
  const requests: GitHubStandIn['requests'] = []
  let limited = 0
  let resetSeconds = 1
  let failing = 0
  let failure: { match: (name: string) => boolean; count: number; leave: boolean; then?: (release: StoredRelease) => void } | undefined
  const watchers = new Set<(release: StoredRelease) => void>()
  const changed = (release: StoredRelease): void => {
    for (const w of watchers) w(release)
  }
  let nextId = 1
  const releases = new Map<string, StoredRelease[]>()
  const storageRequests: GitHubStandIn['storageRequests'] = []
  const unavailable = new Set<string>()
  const artifacts = new Map<number, StoredAsset & { repo: string }>()
  const assetDir = mkdtempSync(join(tmpdir(), 'kb-assets-'))
  const allAssets = (): StoredAsset[] => [...releases.values()].flatMap((rs) => rs.flatMap((r) => r.assets))
  // Storage: where asset downloads are redirected, with Range support as S3 and Azure have.
  const storage = createServer((req, res) => {
    storageRequests.push({ path: req.url ?? '', range: req.headers.range })
    const asset = [...allAssets(), ...artifacts.values()].find((a) => req.url === `/asset/${a.id}`)
    if (!asset || unavailable.has(asset.name)) return void res.writeHead(404).end()
    const data = readFileSync(asset.path)
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    if (!range) return void res.writeHead(200, { 'content-length': String(data.length), etag: `"${asset.digest}"` }).end(data)
    const start = Number(range[1])
    const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1
    if (start >= data.length) return void res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end()
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${data.length}`, 'content-length': String(end - start + 1), etag: `"${asset.digest}"` }).end(data.subarray(start, end + 1))
  })
  await listen(storage)
  const storageUrl = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`
  const uploads = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, origin: 'api' })
    const url = new URL(req.url ?? '/', 'http://x')
    const m = /^\/repos\/([^/]+\/[^/]+)\/releases\/(\d+)\/assets$/.exec(url.pathname)
    const release = m ? releases.get(m[1])?.find((r) => r.id === Number(m[2])) : undefined
    const name = url.searchParams.get('name') ?? ''
    if (!release || !name) return void req.resume().on('end', () => res.writeHead(404).end('{"message":"Not Found"}'))
    if (release.assets.some((a) => a.name === name)) {
      return void req.resume().on('end', () => res.writeHead(422, { 'content-type': 'application/json' }).end('{"message":"Validation Failed","errors":[{"code":"already_exists"}]}'))
    }
    const injected = failure && failure.count > 0 && failure.match(name) ? failure : undefined
    if (injected) injected.count--
    if (injected && !injected.leave) {
      return void req.resume().on('end', () => {
        res.writeHead(502, { 'content-type': 'application/json' }).end('{"message":"Bad Gateway"}')
        injected.then?.(release)
      })
    }
    const id = nextId++
    const path = join(assetDir, String(id))
    const hash = createHash('sha256')
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => {
      hash.update(c)
      chunks.push(c)
    })
    req.on('end', () => {
      const data = Buffer.concat(chunks)
      writeFileSync(path, data)
      const fails = failing > 0 || injected !== undefined
      const asset: StoredAsset = { id, name, size: data.length, state: fails ? 'starter' : 'uploaded', digest: `sha256:${hash.digest('hex')}`, path, updated: Date.now() }
      release.assets.push(asset)
      changed(release)
      if (fails) {
        if (!injected) failing--
        res.writeHead(502, { 'content-type': 'application/json' }).end('{"message":"Bad Gateway"}')
        injected?.then?.(release)
        return
      }
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(assetJson(m?.[1] ?? '', asset)))
    })
  })
  await listen(uploads)
  const uploadsUrl = `http://127.0.0.1:${(uploads.address() as AddressInfo).port}`
  const codeload = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, origin: 'codeload' })
    const sha = /\/legacy\.tar\.gz\/([0-9a-f]{40})$/.exec(req.url ?? '')?.[1]
    const body = sha && tarballs.get(sha)
    if (!body) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': String(body.length) }).end(body)
  })
  await listen(codeload)
  const codeloadUrl = `http://127.0.0.1:${(codeload.address() as AddressInfo).port}`
  const api = createServer((req, res) => handleApi(req, res))
  await listen(api)
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
  const assetJson = (fullName: string, a: StoredAsset): object => ({
    id: a.id,
    name: a.name,
    size: a.size,
    state: a.state,
    digest: a.digest,
    url: `${apiUrl}/repos/${fullName}/releases/assets/${a.id}`,
    updated_at: new Date(a.updated ?? Date.now()).toISOString()
  })
  const releaseJson = (fullName: string, r: StoredRelease): object => ({
    id: r.id,
    tag_name: r.tag_name,
    draft: r.draft,
    html_url: `https://github.example/${fullName}/releases/tag/${r.tag_name}`,
    upload_url: `${uploadsUrl}/repos/${fullName}/releases/${r.id}/assets{?name,label}`
  })
  /** The release endpoints; true when it answered. */
  function handleReleases(req: IncomingMessage, res: ServerResponse, fullName: string, rest: string, body: string): boolean {
    const list = releases.get(fullName) ?? []
    releases.set(fullName, list)
    let m: RegExpExecArray | null
    if (req.method === 'GET' && (m = /^tags\/(.+)$/.exec(rest))) {
      const r = list.find((x) => x.tag_name === decodeURIComponent(m?.[1] ?? '') && !x.draft)
      r ? json(res, 200, releaseJson(fullName, r)) : json(res, 404, { message: 'Not Found' })
      return true
    }
    if (req.method === 'POST' && rest === '') {
      const input = JSON.parse(body) as { tag_name: string; draft?: boolean; body?: string }
      // As GitHub: one release per tag (another publisher got there first).
      if (list.some((x) => x.tag_name === input.tag_name)) {
        json(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }] })
        return true
      }
      const r: StoredRelease = { id: nextId++, tag_name: input.tag_name, draft: Boolean(input.draft), body: input.body, assets: [] }
      list.push(r)
      json(res, 201, releaseJson(fullName, r))
      return true
    }
    if ((m = /^(\d+)$/.exec(rest)) && req.method === 'PATCH') {
      const r = list.find((x) => x.id === Number(m?.[1]))
      if (!r) return (json(res, 404, { message: 'Not Found' }), true)
      Object.assign(r, JSON.parse(body))
      json(res, 200, releaseJson(fullName, r))
      return true
    }
    if ((m = /^(\d+)\/assets$/.exec(rest)) && req.method === 'GET') {
      const r = list.find((x) => x.id === Number(m?.[1]))
      r ? page(req, res, r.assets.map((a) => assetJson(fullName, a))) : json(res, 404, { message: 'Not Found' })
      return true
    }
    if ((m = /^assets\/(\d+)$/.exec(rest))) {
      const id = Number(m[1])
      const owner = list.find((x) => x.assets.some((a) => a.id === id))
      const asset = owner?.assets.find((a) => a.id === id)
      if (!owner || !asset) return (json(res, 404, { message: 'Not Found' }), true)
      if (req.method === 'DELETE') {
        owner.assets = owner.assets.filter((a) => a.id !== id)
        changed(owner)
        res.writeHead(204).end()
      } else if (req.method === 'PATCH') {
        // As GitHub: a rename to a name another asset of the release has is refused.
        const name = (JSON.parse(body) as { name?: string }).name ?? asset.name
        if (owner.assets.some((a) => a.name === name && a.id !== id)) return (json(res, 422, { message: 'Validation Failed', errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }] }), true)
        Object.assign(asset, { name, updated: Date.now() })
        changed(owner)
        json(res, 200, assetJson(fullName, asset))
      } else if (req.headers.accept === 'application/octet-stream') res.writeHead(302, { location: `${storageUrl}/asset/${id}` }).end()
      else json(res, 200, assetJson(fullName, asset))
      return true
    }
    return false
  }

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-ratelimit-remaining': '59', ...headers }).end(JSON.stringify(body))
  }
  const page = <T>(req: IncomingMessage, res: ServerResponse, items: T[]): void => {
    const url = new URL(req.url ?? '/', apiUrl)
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100)
    // Small pages on purpose for short lists: the client must follow Link headers. Long lists
    // (a release crowded with assets) come in the page size asked for, as GitHub's do.
    const size = items.length > 50 ? perPage : Math.min(perPage, 2)
    const n = Number(url.searchParams.get('page') ?? 1)
    const headers: Record<string, string> = {}
    if (n * size < items.length) {
      url.searchParams.set('page', String(n + 1))
      headers.link = `<${url.toString()}>; rel="next"`
    }
    json(res, 200, items.slice((n - 1) * size, n * size), headers)
  }
  function handleApi(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => answerApi(req, res, Buffer.concat(chunks).toString()))
  }
  function answerApi(req: IncomingMessage, res: ServerResponse, body: string): void {
    requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, origin: 'api' })
    const art = /^\/repos\/([^/]+\/[^/]+)\/actions\/artifacts\/(\d+)(\/zip)?$/.exec(new URL(req.url ?? '/', 'http://x').pathname)
    if (art) {
      const a = artifacts.get(Number(art[2]))
      if (!a || a.repo !== art[1] || !req.headers.authorization) return json(res, 404, { message: 'Not Found' })
      if (art[3]) return void res.writeHead(302, { location: `${storageUrl}/asset/${a.id}` }).end()
      return json(res, 200, { id: a.id, name: a.name, size_in_bytes: a.size, expired: false, digest: a.digest })
    }
    const rel = /^\/repos\/([^/]+\/[^/]+)\/releases\/?(.*)$/.exec(new URL(req.url ?? '/', 'http://x').pathname)
    if (rel && rel[2] !== '' && handleReleases(req, res, rel[1], rel[2], body)) return
    if (rel && req.method === 'POST' && handleReleases(req, res, rel[1], '', body)) return
    if (limited > 0) {
      limited--
      return json(res, 403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + resetSeconds) })
    }
    const url = new URL(req.url ?? '/', apiUrl)
    const m = /^\/repos\/([^/]+\/[^/]+)\/(releases|tags|commits|branches|tarball)(?:\/(.+))?$/.exec(url.pathname)
    const repo = m && repos.get(m[1])
    if (!m || !repo) return json(res, 404, { message: 'Not Found' })
    const [, fullName, kind, rest] = m
    const ref = rest ? decodeURIComponent(rest) : undefined
    const commitOf = (r: string): string | undefined =>
      repo.branches.get(r) ?? repo.tags.find((t) => t.name === r)?.sha ?? (/^[0-9a-f]{7,40}$/.test(r) ? [...repo.commits].find((c) => c.startsWith(r)) : undefined)
    if (kind === 'releases') return page(req, res, repo.releases)
    if (kind === 'tags') return page(req, res, repo.tags.map((t) => ({ name: t.name, commit: { sha: t.sha, url: '' } })))
    if (kind === 'commits' && ref) {
      const sha = commitOf(ref)
      return sha ? json(res, 200, { sha }) : json(res, 422, { message: `No commit found for SHA: ${ref}` })
    }
    if (kind === 'tarball' && ref) {
      const sha = commitOf(ref)
      if (!sha) return json(res, 404, { message: 'Not Found' })
      res.writeHead(302, { location: `${codeloadUrl}/${fullName}/legacy.tar.gz/${sha}` }).end()
      return
    }
    json(res, 404, { message: 'Not Found' })
  }

  return {
    apiUrl,
    releases,
    storageRequests,
    unavailable,
    failUploads(count) {
      failing = count
    },
    failUploadsWhere({ match = () => true, count = 1, leave = true, then }) {
      failure = { match, count, leave, then }
    },
    watchAssets(listener) {
      watchers.add(listener)
      return () => watchers.delete(listener)
    },
    addArtifact(fullName, name, zip) {
      const id = nextId++
      const path = join(assetDir, `artifact-${id}`)
      writeFileSync(path, zip)
      artifacts.set(id, { id, name, size: zip.length, state: 'uploaded', digest: `sha256:${createHash('sha256').update(zip).digest('hex')}`, path, repo: fullName })
      return id
    },
    requests,
    tarballs,
    rateLimit(count, seconds) {
      limited = count
      resetSeconds = seconds
    },
    async addRepository(fullName, tree, tags) {
      const data: RepoData = { tags: [], branches: new Map(), commits: new Set(), releases: [] }
      repos.set(fullName, data)
      // One commit per tag (the same tree), newest tag last; master at the last one.
      for (const tag of tags) {
        const sha = createHash('sha1').update(`${fullName}@${tag}`).digest('hex')
        const top = `${fullName.replace('/', '-')}-${sha.slice(0, 7)}`
        tarballs.set(sha, await tarOf(tree, top))
        data.commits.add(sha)
        data.tags.unshift({ name: tag, sha })
        data.releases.unshift({ tag_name: tag, prerelease: tag.includes('-'), draft: false })
        data.branches.set('master', sha)
      }
    },
    async addTag(fullName, tree, tag) {
      const data: RepoData = repos.get(fullName) ?? { tags: [], branches: new Map(), commits: new Set(), releases: [] }
      repos.set(fullName, data)
      const sha = createHash('sha1').update(`${fullName}@${tag}`).digest('hex')
      tarballs.set(sha, await tarOf(tree, `${fullName.replace('/', '-')}-${sha.slice(0, 7)}`))
      data.commits.add(sha)
      data.tags.unshift({ name: tag, sha })
      data.releases.unshift({ tag_name: tag, prerelease: tag.includes('-'), draft: false })
      data.branches.set('master', sha)
    },
    addCommit(fullName, tarball) {
      const sha = createHash('sha1').update(tarball).digest('hex')
      tarballs.set(sha, tarball)
      repos.get(fullName)?.commits.add(sha)
      return sha
    },
    async stop() {
      await Promise.all([api, codeload, storage, uploads].map((server) => new Promise((r) => server.close(r))))
      rmSync(assetDir, { recursive: true, force: true })
    }
  }
}

function listen(server: Server): Promise<void> {
  return new Promise((r) => server.listen(0, '127.0.0.1', r))
}

/** A gzipped tar of `dir` under the top directory `top`, as GitHub's tarball endpoint shapes it. */
export async function tarOf(dir: string, top: string): Promise<Buffer> {
  const stage = mkdtempSync(join(tmpdir(), 'kb-tar-'))
  try {
    const { cpSync } = await import('node:fs')
    cpSync(dir, join(stage, top), { recursive: true })
    const out = join(stage, 'out.tar.gz')
    await createTar({ gzip: true, file: out, cwd: stage, portable: true }, [top])
    return readFileSync(out)
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}
