// The world of bench/upgrade.sh: two Kubespray releases, v2.30.0 and v2.31.0, that differ the way
// a minor upgrade does, and a GitHub stand-in serving both (tags, commits, tarballs) plus the
// releases API that publish and fetch call (bench/releases-stand-in.mjs).
//
// v2.30.0 is shaped like Kubespray v2.30.0's default amd64 lists, as bench/build.sh's world: the
// 24 files of the conformance files.list (sizes after the real ones, bench/lib.sh size_of) and 48
// images, two thirds multi-arch OCI indexes, one third Docker manifests, sharing four base layers,
// the last four k8s/kube-*:v<kube_version>. v2.31.0 pins another Kubernetes (kubelet, kubeadm,
// kubectl and the four kube-* images new), bumps a few others (etcd, containerd, runc, crictl;
// four images get a new tag and a new own layer over the same base), and shares the rest,
// byte for byte: same url and checksum, same tag and digest.
//
// Usage: node bench/upgrade-world.mjs WORK SIZES REGISTRY FILES_BASE UNIT
//   SIZES       lines "URL MIB" (the conformance files.list with bench/lib.sh size_of)
//   REGISTRY    host:port of the registry (pushed to, and named by the lists)
//   FILES_BASE  http://host:port serving WORK/root (the files, by url path without https://)
//   UNIT        bytes per MiB of the real sizes: 1048576 for the bench, 1024 for SCALE=small
// Prints the API url once everything is generated, then serves until killed.
import { createHash, randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { startStandIn } from './releases-stand-in.mjs'
import { layer, registry as registryOf, writeDefaultsRole } from './fixtures.mjs'

const [work, sizesFile, registry, filesBase, unitArg] = process.argv.slice(2)
const unit = Number(unitArg)
if (!work || !sizesFile || !registry || !filesBase || !(unit > 0)) {
  console.error('usage: node bench/upgrade-world.mjs WORK SIZES REGISTRY FILES_BASE UNIT')
  process.exit(2)
}
const OLD = { tag: 'v2.30.0', kube: '1.34.3' }
const NEW = { tag: 'v2.31.0', kube: '1.35.0' }
// What a minor upgrade bumps beside Kubernetes: [in the url, becomes]. Every other file is shared.
const FILE_BUMPS = [
  ['v3.5.26', 'v3.5.27'], // etcd
  ['containerd/releases/download/v2.2.1/containerd-2.2.1-', 'containerd/releases/download/v2.2.2/containerd-2.2.2-'], // (nerdctl 2.2.1 stays)
  ['runc/releases/download/v1.3.4', 'runc/releases/download/v1.3.5'],
  ['v1.34.0', 'v1.35.0'] // crictl
]
const KUBE = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']
const IMAGES = 48
/** Images other than kube-* that v2.31.0 bumps (a new tag, a new own layer, the same base). */
const BUMPED_IMAGES = new Set([0, 5, 10, 15])
const bytes = (mib) => Math.max(1, Math.round(mib * unit))

// ---- files ----------------------------------------------------------------------------------
function writeRandom(path, size) {
  mkdirSync(dirname(path), { recursive: true })
  const hash = createHash('sha256')
  const out = createWriteStream(path)
  return new Promise((resolve, reject) => {
    let left = size
    const pump = () => {
      while (left > 0) {
        const chunk = randomBytes(Math.min(left, 1 << 20))
        left -= chunk.length
        hash.update(chunk)
        if (!out.write(chunk)) return void out.once('drain', pump)
      }
      out.end(() => resolve(hash.digest('hex')))
    }
    out.on('error', reject)
    pump()
  })
}

async function fileAt(url, mib) {
  const path = url.replace(/^https:\/\//, '')
  const checksum = await writeRandom(join(work, 'root', path), bytes(mib))
  return { url: `${filesBase}/${path}`, checksum: `sha256:${checksum}` }
}

const real = readFileSync(sizesFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '))
const oldFiles = []
const newFiles = []
for (const [url, mib] of real) {
  const old = await fileAt(url, Number(mib))
  oldFiles.push(old)
  let next = url.includes('dl.k8s.io') ? url.replaceAll(`v${OLD.kube}`, `v${NEW.kube}`) : url
  for (const [from, to] of FILE_BUMPS) next = next.replaceAll(from, to)
  newFiles.push(next === url ? old : await fileAt(next, Number(mib)))
}
process.stderr.write(`files: ${oldFiles.length} per version, ${newFiles.filter((f, i) => f !== oldFiles[i]).length} new in ${NEW.tag}\n`)

// ---- images (as bench/images-fixture.mjs, sizes scaled, two versions) -----------------------
let seed = 7
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648

const { putManifest, image, multiArch } = registryOf(registry)

const bases = [40, 60, 80, 120].map((mib) => layer(bytes(mib)))
const armBase = layer(bytes(2))

/** Image i at a tag: its own layers drawn fresh (a new version of it has new ones). */
async function pushImage(i, repo, tag) {
  const own = [layer(bytes(4 + rand() * 36)), ...(i % 3 === 0 ? [layer(bytes(rand() * 8))] : [])]
  const amd = await image(repo, i % 3 === 2 ? 'docker' : 'oci', 'amd64', [bases[i % bases.length], ...own])
  if (i % 3 === 2) return putManifest(repo, tag, amd.manifest, amd.mediaType)
  const arm = await image(repo, 'oci', 'arm64', [armBase, layer(bytes(0.25))])
  await multiArch(repo, tag, amd, arm)
}

const oldImages = []
const newImages = []
for (let i = 0; i < IMAGES; i++) {
  const kube = i >= IMAGES - KUBE.length ? KUBE[i - (IMAGES - KUBE.length)] : undefined
  const repo = kube ? `k8s/${kube}` : `kubespray-like/image-${String(i).padStart(2, '0')}`
  const oldTag = kube ? `v${OLD.kube}` : 'v1.0'
  await pushImage(i, repo, oldTag)
  oldImages.push(`${registry}/${repo}:${oldTag}`)
  const newTag = kube ? `v${NEW.kube}` : BUMPED_IMAGES.has(i) ? 'v1.1' : undefined
  if (newTag) await pushImage(i, repo, newTag)
  newImages.push(`${registry}/${repo}:${newTag ?? oldTag}`)
  process.stderr.write(`\rpushed ${i + 1}/${IMAGES} images`)
}
process.stderr.write(`, ${newImages.filter((l, i) => l !== oldImages[i]).length} new in ${NEW.tag}\n`)

// ---- the two Kubespray trees (as bench/build-world.mjs writes one) ---------------------------
function tarball(release, files, images) {
  const commit = createHash('sha1').update(`bench-upgrade-${release.tag}-${Date.now()}`).digest('hex')
  const top = `kubernetes-sigs-kubespray-${commit.slice(0, 7)}`
  const src = join(work, 'src', release.tag)
  writeDefaultsRole(join(src, top, 'roles/kubespray_defaults'), { kubeVersion: release.kube, kubeImageRepo: `${registry}/k8s`, files, images })
  const out = join(work, `kubespray-${release.tag}.tar.gz`)
  execFileSync('tar', ['-czf', out, '-C', src, top])
  return { name: release.tag, commit, tarball: readFileSync(out) }
}

const tags = [tarball(NEW, newFiles, newImages), tarball(OLD, oldFiles, oldImages)]
const standIn = await startStandIn({ kubespray: 'kubernetes-sigs/kubespray', tags, assetDir: join(work, 'assets') })
console.log(standIn.url)
