/**
 * The upstream world for the download-role proof (test/kubespray-role.test.ts), on 127.0.0.1:
 *   - the GitHub REST stand-in (world.ts) serving the real Kubespray v2.31.0 tarball
 *     (../shared/kubespray) as tag v2.31.0, byte for byte;
 *   - an nginx serving a stand-in of every url Kubespray names (files.list and the `downloads`
 *     entries beyond it), under /files/<upstream host>/<upstream path>, for `build --mirror`;
 *   - Debian's docker-registry holding a stand-in of every image, under
 *     <upstream registry host>/<path>:<tag>, for `build -e <root>_image_repo=…`.
 * Stand-ins are small but valid of their kind, because Kubespray's download role handles them
 * as the real thing: archives unpack (with the role's own extra_opts: every archive has one top
 * directory, so `--strip=1` leaves a file), YAML manifests parse, binaries are executables
 * (kubeadm is run, see KUBEADM_STAND_IN), images have real gzipped tar layers containerd unpacks.
 * Kubespray's checksum tables name the real upstream binaries, so the build is given the
 * stand-ins' checksums as variables (checksumVarsYaml): those -e vars travel in the bundle and
 * offline-yml writes them into offline.yml, so the far side checks the same checksums.
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { spawnCli } from './cli.js'
import { REPO_ROOT } from './conformance.js'
import { startNginx, type Nginx } from './nginx.js'
import { makeImage, makeIndex, makeLayer, pushFixture, startRegistry, type Registry } from './registry.js'
import { tempDir } from './temp.js'
import { c as createTar } from 'tar'
import { startGitHubStandIn, type GitHubStandIn } from './world.js'

export const KUBESPRAY_TAG = 'v2.31.0'
export const KUBESPRAY_TARBALL = process.env.KUBESPRAY_TARBALL ?? resolve(REPO_ROOT, '../shared/kubespray/kubespray-v2.31.0.tar.gz')

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')

/** Each command the proof runs, with the Debian package that brings it. */
const TOOLS: Array<[string, string]> = [
  ['ansible-playbook', 'ansible'],
  ['containerd', 'containerd'],
  ['ctr', 'containerd'],
  ['runc', 'runc'],
  ['unshare', 'util-linux'],
  ['ip', 'iproute2'],
  ['nginx', 'nginx'],
  ['docker-registry', 'docker-registry'],
  ['xz', 'xz-utils']
]

/** What is missing, as "COMMAND (apt-get install PACKAGE)"; empty when the machine can run the proof. */
export function missingTools(): string[] {
  const path = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']
  const found = (cmd: string): boolean =>
    path.some((dir) => {
      try {
        accessSync(join(dir, cmd), constants.X_OK)
        return true
      } catch {
        return false
      }
    })
  return TOOLS.filter(([cmd]) => !found(cmd)).map(([cmd, pkg]) => `${cmd} (apt-get install ${pkg})`)
}

/** Kubespray's image roots (roles/kubespray_defaults/defaults/main/download.yml) by upstream registry. */
const IMAGE_ROOTS: Record<string, string> = {
  'registry.k8s.io': 'kube_image_repo',
  'docker.io': 'docker_image_repo',
  'quay.io': 'quay_image_repo',
  'ghcr.io': 'github_image_repo',
  'gcr.io': 'gcr_image_repo'
}

/** What Kubespray fetches with one variable set, as our `lists` renders it from the real tree. */
export interface Wanted {
  /** url → the checksum Kubespray verifies (sha256:…), null where it gives none here. */
  files: Map<string, string | null>
  /** Upstream references (quay.io/calico/node:v3.31.5). */
  images: Set<string>
  /** Images other roles pull (qualified reference → the *_image_repo variable that names it). */
  treeImages: Map<string, string>
  /** Helm charts enabled roles install (kubelet-csr-approver's, Cilium's), as the audit names them. */
  charts: StandInChart[]
}

export interface StandInChart {
  repository: string
  name: string
  version: string
  /** Whether its values name its image (helm-apps charts), or Kubespray's downloads do (Cilium). */
  imagesFrom: string
}

export interface StandInFile {
  url: string
  /** Where nginx serves it (/files/<host>/<path>). */
  servedAt: string
  sha256: string
  /** Some tables (gVisor's) hold sha512. */
  sha512: string
  kind: 'tar.gz' | 'tar.xz' | 'yaml' | 'executable'
}

export interface RoleWorld {
  github: GitHubStandIn
  nginx: Nginx
  registry: Registry
  /** The extracted Kubespray tree (for lists, and to read its checksum tables). */
  tree: string
  files: Map<string, StandInFile>
  /** upstream reference → the digest of the stand-in pushed for it. */
  images: Map<string, string>
  /** `build` arguments that fetch from this world: --mirror per upstream origin, -e per image root, the checksums file. */
  buildArgs: string[]
  stop(): Promise<void>
}

/** Kubespray's tree from the real tarball, extracted once per test file. */
export function extractKubespray(): string {
  const dir = tempDir('kb-role-tree-')
  execFileSync('tar', ['-xzf', KUBESPRAY_TARBALL, '-C', dir, '--strip-components=1'])
  return dir
}

/**
 * Runs our `lists` on the tree with `vars` (as -e arguments) for amd64, and `audit` on a bundle
 * of just those lists: the images other roles pull (build --extras adds them: local-path's
 * helper, …) are stood in too, each moved by its own variable.
 */
export async function wantedBy(tree: string, vars: string[]): Promise<Wanted> {
  const out = tempDir('kb-role-lists-')
  const extra = vars.flatMap((v) => ['-e', v])
  const r = await spawnCli(['lists', '--kubespray-dir', tree, '--out', out, '--arch', 'amd64', ...extra], out).done
  if (r.status !== 0) throw new Error(`lists ${vars.join(' ')} failed:\n${r.stderr}`)
  const json = JSON.parse(readFileSync(join(out, 'files.json'), 'utf8')) as {
    files: Array<{ url: string; checksum: string | null }>
    images: Array<{ ref: string }>
    downloads?: Array<{ url: string }>
    role?: { files: Array<{ url: string; checksum: string | null; enabled: boolean }> }
  }
  const files = new Map<string, string | null>(json.files.map((f) => [f.url, f.checksum]))
  // What roles fetch beyond files.list, with the checksum each verifies (the argocd role's own
  // version of downloads.argocd_install among them): served too, their table values replaced.
  for (const f of json.role?.files ?? []) if (f.enabled && !files.has(f.url)) files.set(f.url, f.checksum)
  // `downloads` entries beyond files.list (argocd_install, for one): served too, checksum from their table.
  for (const d of json.downloads ?? []) if (!files.has(d.url)) files.set(d.url, null)
  return { files, images: new Set(json.images.map((i) => i.ref)), ...(await treeExtrasOf(tree, out, json, extra)) }
}

/** Docker's implicit names made explicit: busybox:latest → docker.io/library/busybox:latest. */
function qualified(ref: string): string {
  const first = ref.split('/')[0]
  if (ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return ref
  return `docker.io/${ref.includes('/') ? ref : `library/${ref}`}`
}

async function treeExtrasOf(tree: string, out: string, lists: { files: Array<{ url: string }>; images: Array<{ ref: string }> }, extra: string[]): Promise<Pick<Wanted, 'treeImages' | 'charts'>> {
  const bundle = join(out, 'bundle')
  mkdirSync(bundle, { recursive: true })
  const manifest = {
    schema: 'kubespray-bundle/v1',
    kubespray: { repository: null, spec: tree, tag: null, commit: null, tarball: null },
    // The audit renders with the bundle's kube_version: the one the lists were made for (v2.28+ write it without the v).
    kubeVersion: /kube-apiserver:v([\d.]+)/.exec(lists.images.map((i) => i.ref).join('\n'))?.[1] ?? '',
    arches: ['amd64'],
    layout: 'original-host',
    extraVars: {},
    files: lists.files.map((f) => ({ url: f.url, path: 'files/x', size: 1, sha256: '0'.repeat(64), checksum: null, arches: ['amd64'] })),
    images: lists.images.map((i) => ({ line: i.ref, digest: '', platforms: [], size: 0, arches: ['amd64'] })),
    totals: { files: 0, fileBytes: 0, images: 0, imageBytes: 0, bytes: 0 }
  }
  writeFileSync(join(bundle, 'bundle.json'), JSON.stringify(manifest))
  const audit = await spawnCli(['audit', '--bundle', bundle, '--kubespray-dir', tree, '--json', ...extra], out).done
  const result = JSON.parse(audit.stdout) as {
    missing: Array<{ kind: string; reference: string; rendered: boolean; enabled: string; sources: Array<{ variable: string }>; chart?: StandInChart }>
  }
  const images = new Map<string, string>()
  for (const m of result.missing) if (m.kind === 'image' && m.rendered && m.enabled === 'yes') images.set(qualified(m.reference), m.sources[0].variable)
  const charts = result.missing.flatMap((m) => (m.kind === 'chart' && m.enabled === 'yes' && m.chart ? [m.chart] : []))
  return { treeImages: images, charts }
}

/**
 * A chart repository at its upstream url's place on nginx (the build reaches it by --mirror):
 * an index with the pinned version (its archive beside it, relative, with its digest) and a
 * small valid chart; a helm-apps chart's values name its image (empty tag: appVersion) in the
 * registry, which is pushed. Returns the repository's origin.
 */
async function serveStandInChart(root: string, registry: string, chart: StandInChart, base: ReturnType<typeof makeLayer>, i: number): Promise<string> {
  const url = new URL(chart.repository)
  const dir = join(root, url.host, url.pathname)
  const src = tempDir('kb-role-chart-')
  mkdirSync(join(src, chart.name, 'templates'), { recursive: true })
  const appVersion = `v${chart.version}`
  writeFileSync(join(src, chart.name, 'Chart.yaml'), `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\nappVersion: ${appVersion}\n`)
  const imageRepository = `ghcr.io/stand-in/${chart.name}`
  writeFileSync(join(src, chart.name, 'values.yaml'), chart.imagesFrom === 'values' ? `image:\n  repository: ${registry}/${imageRepository}\n  tag: ""\n` : 'image:\n  override: ~\n')
  writeFileSync(join(src, chart.name, 'templates/NOTES.txt'), `A stand-in of ${chart.name} ${chart.version}.\n`)
  mkdirSync(dir, { recursive: true })
  const archive = join(dir, `${chart.name}-${chart.version}.tgz`)
  await createTar({ gzip: true, file: archive, cwd: src, portable: true }, [chart.name])
  const digest = createHash('sha256').update(readFileSync(archive)).digest('hex')
  writeFileSync(join(dir, 'index.yaml'), `apiVersion: v1\nentries:\n  ${chart.name}:\n  - name: ${chart.name}\n    version: ${chart.version}\n    appVersion: ${appVersion}\n    digest: ${digest}\n    urls:\n    - ${chart.name}-${chart.version}.tgz\n`)
  if (chart.imagesFrom === 'values') await pushStandInImage(registry, `${imageRepository}:${appVersion}`, base, i)
  return url.origin
}

export async function startRoleWorld(tree: string, wanted: Wanted[]): Promise<RoleWorld> {
  const storage = tempDir('kb-role-registry-')
  const registry = await startRegistry({ storage })
  const nginx = await startNginx()
  const github = await startGitHubStandIn()
  // The real tarball under tag v2.31.0: the stand-in tars an empty tree, then its bytes are
  // replaced by Kubespray's own (the build strips the top directory, whatever its name).
  const empty = tempDir('kb-role-empty-')
  await github.addRepository('kubernetes-sigs/kubespray', empty, [KUBESPRAY_TAG])
  const tarball = readFileSync(KUBESPRAY_TARBALL)
  for (const sha of [...github.tarballs.keys()]) github.tarballs.set(sha, tarball)

  const urls = new Map<string, string | null>()
  for (const w of wanted) for (const [url, checksum] of w.files) urls.set(url, urls.get(url) ?? checksum)
  const files = new Map<string, StandInFile>()
  for (const url of urls.keys()) files.set(url, serveStandIn(nginx.root, url))

  const images = new Map<string, string>()
  const base = makeLayer('etc/stand-in-base', Buffer.from('the shared base layer of every stand-in image\n'))
  const treeImages = new Map(wanted.flatMap((w) => [...w.treeImages]))
  const refs = [...new Set(wanted.flatMap((w) => [...w.images, ...w.treeImages.keys()]))]
  for (const [i, ref] of refs.entries()) images.set(ref, await pushStandInImage(registry.host, ref, base, i))

  const charts = [...new Map(wanted.flatMap((w) => w.charts).map((c) => [`${c.repository} ${c.name} ${c.version}`, c])).values()]
  const chartOrigins: string[] = []
  for (const [i, chart] of charts.entries()) chartOrigins.push(await serveStandInChart(nginx.root, registry.host, chart, base, refs.length + i))
  const origins = [...new Set([...[...urls.keys()].map((u) => new URL(u).origin), ...chartOrigins])]
  const roots = [...new Set(refs.map((r) => r.split('/')[0]))].map((host) => {
    const variable = IMAGE_ROOTS[host]
    if (!variable) throw new Error(`image registry ${host} has no image root variable in role-world.ts IMAGE_ROOTS: add it`)
    return `${variable}=${registry.host}/${host}`
  })
  const checksums = join(tempDir('kb-role-vars-'), 'stand-in-checksums.yml')
  writeFileSync(checksums, checksumVarsYaml(tree, urls, files))
  return {
    github,
    nginx,
    registry,
    tree,
    files,
    images,
    buildArgs: [
      ...origins.flatMap((o) => ['--mirror', `${o}=${nginx.url(`/files/${new URL(o).host}`)}`]),
      ...roots.flatMap((r) => ['-e', r]),
      // An image another role pulls is moved by that role's own variable, to where it was stood in.
      ...[...treeImages].filter(([, v]) => /_image_repo$/.test(v)).flatMap(([ref, v]) => ['-e', `${v}=${registry.host}/${ref.slice(0, ref.lastIndexOf(':'))}`]),
      '-e',
      `@${checksums}`,
      '--insecure-registry',
      registry.host
    ],
    async stop() {
      await github.stop()
      await nginx.stop()
      await registry.stop()
    }
  }
}

/**
 * Stand-in for kubeadm. The download role runs `kubeadm config validate --config F` (the
 * template module's validate) and `kubeadm config images list --config=F`; this answers both
 * as kubeadm does, from the config's own imageRepository, kubernetesVersion and dns image
 * (etcd only when the config has a local etcd), so the role pulls what kubeadm would name.
 */
export const KUBEADM_STAND_IN = `#!/bin/sh
# kubeadm stand-in (kubespray-bundle's download-role test): config validate / config images list only.
set -eu
config=""
for arg in "$@"; do case "$arg" in --config=*) config="\${arg#--config=}";; esac; done
prev=""
for arg in "$@"; do [ "$prev" = "--config" ] && config="$arg"; prev="$arg"; done
case "$*" in
  "config validate"*)
    grep -q '^kind: ClusterConfiguration' "$config" || { echo "kubeadm stand-in: $config has no ClusterConfiguration" >&2; exit 1; }
    exit 0 ;;
  "config images list"*) ;;
  version*) echo 'kubeadm version: &version.Info{GitVersion:"stand-in"}'; exit 0 ;;
  *) echo "kubeadm stand-in: not a call the download role makes: $*" >&2; exit 2 ;;
esac
value() { sed -n "s/^$1: *//p" "$config" | tr -d '"' | head -n 1; }
repo=$(value imageRepository)
version=$(value kubernetesVersion)
for c in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do echo "$repo/$c:$version"; done
dns_repo=$(sed -n '/^dns:/,/^[a-z]/s/^  imageRepository: *//p' "$config" | head -n 1)
dns_tag=$(sed -n '/^dns:/,/^[a-z]/s/^  imageTag: *//p' "$config" | head -n 1)
echo "$dns_repo/coredns:$dns_tag"
echo "$repo/pause:3.10"
if grep -q '^  local:' "$config"; then
  etcd_repo=$(sed -n '/^  local:/,/^[a-z]/s/^    imageRepository: *//p' "$config" | tr -d '"' | head -n 1)
  etcd_tag=$(sed -n '/^  local:/,/^[a-z]/s/^    imageTag: *//p' "$config" | tr -d '"' | head -n 1)
  echo "$etcd_repo/etcd:$etcd_tag"
fi
`

/** Writes a valid stand-in for `url` under nginx's root; its kind follows the url's name. */
function serveStandIn(root: string, url: string): StandInFile {
  const u = new URL(url)
  const servedAt = `/files/${u.host}${u.pathname}`
  const path = join(root, u.host, decodeURIComponent(u.pathname))
  mkdirSync(dirname(path), { recursive: true })
  const name = u.pathname.split('/').pop() ?? 'file'
  const kind: StandInFile['kind'] = /\.(tar\.gz|tgz)$/.test(name) ? 'tar.gz' : name.endsWith('.tar.xz') ? 'tar.xz' : /\.ya?ml$/.test(name) ? 'yaml' : 'executable'
  if (kind === 'yaml') writeFileSync(path, standInManifest(url))
  else if (kind === 'executable') {
    writeFileSync(path, name === 'kubeadm' ? KUBEADM_STAND_IN : `#!/bin/sh\n# stand-in for ${url}\necho "stand-in: ${name} $*"\n`)
    chmodSync(path, 0o755)
  } else writeFileSync(path, standInArchive(name, url, kind))
  const data = readFileSync(path)
  return { url, servedAt, sha256: sha256(data), sha512: createHash('sha512').update(data).digest('hex'), kind }
}

/** A manifest that parses as YAML and as Kubernetes objects (a List of one ConfigMap), naming its url. */
function standInManifest(url: string): string {
  return `# stand-in for ${url}\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: stand-in\n      namespace: kube-system\n    data:\n      url: "${url}"\n`
}

/** A real archive with one top directory (so the role's --strip=1 keeps a file) holding an executable. */
function standInArchive(name: string, url: string, kind: 'tar.gz' | 'tar.xz'): Buffer {
  const stage = tempDir('kb-role-archive-')
  const top = name.replace(/\.(tar\.gz|tgz|tar\.xz)$/, '')
  const tool = top.split(/[-_.]/)[0]
  mkdirSync(join(stage, top))
  writeFileSync(join(stage, top, tool), `#!/bin/sh\n# stand-in from ${url}\necho "stand-in: ${tool} $*"\n`, { mode: 0o755 })
  writeFileSync(join(stage, top, 'README'), `A stand-in of ${url} for kubespray-bundle's download-role test.\n`)
  const out = join(stage, 'out')
  execFileSync('tar', [kind === 'tar.gz' ? '-czf' : '-cJf', out, '--owner=0', '--group=0', '-C', stage, top])
  return readFileSync(out)
}

/**
 * A stand-in image for `ref` in the world registry at <host>/<path>:<tag>: the shared base
 * layer and a layer of its own (real gzipped tars). Every other one is a single-platform
 * index (as most upstream images are), the rest plain manifests, Docker and OCI alternating.
 */
async function pushStandInImage(registry: string, ref: string, base: ReturnType<typeof makeLayer>, i: number): Promise<string> {
  const at = ref.lastIndexOf(':')
  const [repository, tag] = [ref.slice(0, at), ref.slice(at + 1)]
  const own = makeLayer(`etc/stand-in/${repository.replace(/\//g, '_')}`, Buffer.concat([Buffer.from(`${ref}\n`), randomBytes(64)]))
  const kind = i % 4 < 2 ? 'docker' : 'oci'
  const image = makeImage(kind, 'amd64', [base, own])
  const built = i % 2 === 0 ? makeIndex(kind, [['amd64', image]]) : image
  await pushFixture(registry, repository, tag, built)
  return 'children' in built ? built.index.digest : built.manifest.digest
}

/**
 * The checksum variables of the stand-ins: each of Kubespray's `*_checksums` tables
 * (roles/kubespray_defaults/vars/main/checksums.yml) that holds the checksum of a url we
 * serve, with that value replaced by the stand-in's sha256. The tables are copied as text with
 * only those values changed, so their keys (the versions Kubespray derives from a table's
 * first key, YAML 1.1 floats such as 1.17 included) stay exactly what Kubespray reads.
 * A url without a checksum of its own in files.json (a `downloads` entry beyond files.list,
 * such as argocd_install) gets every value of its table (TABLE_OF_DOWNLOAD) replaced.
 */
export function checksumVarsYaml(tree: string, urls: ReadonlyMap<string, string | null>, files: ReadonlyMap<string, StandInFile>): string {
  const text = readFileSync(join(tree, 'roles/kubespray_defaults/vars/main/checksums.yml'), 'utf8')
  const replace = new Map<string, string>()
  for (const [url, checksum] of urls) {
    const m = /^(sha256|sha512):([0-9a-f]+)$/.exec(checksum ?? '')
    const file = files.get(url)
    if (m && file) replace.set(m[2], m[1] === 'sha256' ? file.sha256 : file.sha512)
  }
  const wholeTables = new Map<string, string>()
  for (const table of Object.values(TABLE_OF_DOWNLOAD)) {
    // Only for a url whose checksum files.json does not give (the others are replaced value by value).
    const match = [...urls].find(([u, checksum]) => table.url.test(u) && checksum === null)?.[0]
    const file = match ? files.get(match) : undefined
    if (file) wholeTables.set(table.name, file.sha256)
  }
  const blocks = text.split(/^(?=[a-z_]+:\s*$)/m).filter((b) => /^[a-z_]+:/.test(b))
  const out: string[] = ['---', '# Stand-ins (kubespray-bundle download-role test): the world serves small valid files in place of', "# Kubespray's upstream binaries, so its checksum tables carry the stand-ins' sha256 here."]
  for (const block of blocks) {
    const name = block.slice(0, block.indexOf(':'))
    const whole = wholeTables.get(name)
    let changed = false
    const body = block.replace(/\b(sha256:|sha512:)?([0-9a-f]{64}(?:[0-9a-f]{64})?)\b/g, (all, prefix: string | undefined, hex: string) => {
      const to = whole !== undefined && hex.length === 64 ? whole : replace.get(hex)
      if (!to) return all
      changed = true
      return `${prefix ?? ''}${to}`
    })
    if (changed) out.push(body.trimEnd())
  }
  return `${out.join('\n')}\n`
}

/** `downloads` entries beyond files.list, by url, and the table their checksum comes from. */
const TABLE_OF_DOWNLOAD: Record<string, { url: RegExp; name: string }> = {
  argocd_install: { url: /\/argoproj\/argo-cd\/v[^/]+\/manifests\/install\.yaml$/, name: 'argocd_install_checksums' }
}

/** The sha256 of a file on disk. */
export function fileSha256(path: string): string {
  return sha256(readFileSync(path))
}
