// Pushes a generated image set shaped like Kubespray's default images.list into a registry:
// 48 images, two thirds multi-arch OCI indexes (amd64 + a small arm64), one third single
// Docker manifests, sharing four base layers, ~1.5 GB of unique compressed amd64 blobs.
// Layers are real gzip streams (stored blocks: random data does not compress anyway).
// Usage: node bench/images-fixture.mjs PUSH_HOST LIST_HOST OUT_DIR [KUBE_VERSION] (push straight to
// the registry; the lists name LIST_HOST, the capped door). Writes OUT_DIR/images.list and
// OUT_DIR/blobs.list (for curl, the path of every object a pull of the amd64 images stores: the
// indexes the tags name, the amd64 manifests, their configs and layers, each once). With
// KUBE_VERSION the last four are k8s/kube-{apiserver,controller-manager,scheduler,proxy}:v<KUBE_VERSION>,
// as Kubespray's generate_list.sh appends them.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { layer, registry, sha } from './fixtures.mjs'

const [host, listHost, out, kubeVersion] = process.argv.slice(2)
const KUBE = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']
const MiB = 1 << 20
let seed = 7
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)

const { putManifest, image, multiArch } = registry(host)

const bases = [40, 60, 80, 120].map((mib) => layer(mib * MiB))
const armBase = layer(2 * MiB)
const lines = []
const unique = new Map()
let total = 0
for (let i = 0; i < 48; i++) {
  const kube = kubeVersion && i >= 48 - KUBE.length ? KUBE[i - (48 - KUBE.length)] : undefined
  const repo = kube ? `k8s/${kube}` : `kubespray-like/image-${String(i).padStart(2, '0')}`
  const tag = kube ? `v${kubeVersion}` : 'v1.0'
  const base = bases[i % bases.length]
  const own = [layer(Math.round((4 + rand() * 36) * MiB)), ...(i % 3 === 0 ? [layer(Math.round(rand() * 8 * MiB))] : [])]
  const amd = await image(repo, i % 3 === 2 ? 'docker' : 'oci', 'amd64', [base, ...own])
  for (const b of amd.blobs) if (!unique.has(b.digest)) unique.set(b.digest, `${repo}/blobs/${b.digest}`), (total += b.size)
  unique.set(amd.digest, `${repo}/manifests/${amd.digest}`)
  if (i % 3 === 2) {
    await putManifest(repo, tag, amd.manifest, amd.mediaType)
  } else {
    const arm = await image(repo, 'oci', 'arm64', [armBase, layer(256 * 1024)])
    const index = await multiArch(repo, tag, amd, arm)
    unique.set(sha(index), `${repo}/manifests/${sha(index)}`)
  }
  lines.push(`${listHost}/${repo}:${tag}`)
  process.stderr.write(`\rpushed ${i + 1}/48`)
}
process.stderr.write('\n')
writeFileSync(join(out, 'images.list'), lines.join('\n') + '\n')
writeFileSync(join(out, 'blobs.list'), [...unique.values()].join('\n') + '\n')
console.log(`${lines.length} images, ${unique.size} unique amd64 objects, ${(total / MiB).toFixed(0)} MiB`)
