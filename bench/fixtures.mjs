// What the bench worlds share (images-fixture.mjs, build-world.mjs, upgrade-world.mjs): image
// layers and their push to a registry through the distribution API, and the Kubespray-shaped
// defaults role whose lists name a world's files and images.
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

export const sha = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** A layer of `size` random bytes: one file in a ustar archive is enough for a registry and for skopeo. */
export function layer(size) {
  const header = Buffer.alloc(512)
  header.write('data', 0)
  header.write('0000644\0', 100)
  header.write(size.toString(8).padStart(11, '0') + '\0', 124)
  header.write('ustar\0' + '00', 257)
  header.write('        ', 148)
  let sum = 0
  for (const b of header) sum += b
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
  const tar = Buffer.concat([header, randomBytes(size), Buffer.alloc(((512 - (size % 512)) % 512) + 1024)])
  const gz = gzipSync(tar, { level: 0 })
  return { data: gz, digest: sha(gz), size: gz.length, diffId: sha(tar) }
}

const MEDIA = {
  oci: ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.layer.v1.tar+gzip'],
  docker: ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.container.image.v1+json', 'application/vnd.docker.image.rootfs.diff.tar.gzip']
}

/** Pushes blobs, manifests and single-platform images to the registry at `host` (plain HTTP). */
export function registry(host) {
  async function putBlob(repo, blob) {
    const head = await fetch(`http://${host}/v2/${repo}/blobs/${blob.digest}`, { method: 'HEAD' })
    if (head.status === 200) return
    const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' })
    const url = new URL(start.headers.get('location'), `http://${host}`)
    url.searchParams.set('digest', blob.digest)
    const put = await fetch(url, { method: 'PUT', body: blob.data })
    if (put.status !== 201) throw new Error(`upload ${repo}: ${put.status}`)
  }
  async function putManifest(repo, ref, body, mediaType) {
    const res = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, { method: 'PUT', body, headers: { 'content-type': mediaType } })
    if (res.status !== 201) throw new Error(`manifest ${repo}:${ref}: ${res.status} ${await res.text()}`)
  }
  async function image(repo, kind, arch, layers) {
    const config = Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }))
    const cfg = { data: config, digest: sha(config), size: config.length }
    const t = MEDIA[kind]
    for (const b of [cfg, ...layers]) await putBlob(repo, b)
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: t[0], config: { mediaType: t[1], digest: cfg.digest, size: cfg.size }, layers: layers.map((l) => ({ mediaType: t[2], digest: l.digest, size: l.size })) }))
    await putManifest(repo, sha(manifest), manifest, t[0])
    return { mediaType: t[0], digest: sha(manifest), size: manifest.length, blobs: [cfg, ...layers], manifest }
  }
  /** Tags an OCI index of an amd64 and an arm64 manifest (as image() returned them); returns its bytes. */
  async function multiArch(repo, tag, amd, arm) {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: amd.mediaType, digest: amd.digest, size: amd.size, platform: { architecture: 'amd64', os: 'linux' } },
          { mediaType: arm.mediaType, digest: arm.digest, size: arm.size, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } }
        ]
      })
    )
    await putManifest(repo, tag, index, 'application/vnd.oci.image.index.v1+json')
    return index
  }
  return { putBlob, putManifest, image, multiArch }
}

/**
 * roles/kubespray_defaults of a Kubespray-shaped tree whose lists name exactly these files (each
 * a downloads entry with its checksum) and images (container entries; the kube-* images come
 * from kube_image_repo and kube_version, as generate_list.sh appends them).
 */
export function writeDefaultsRole(role, { kubeVersion, kubeImageRepo, files, images }) {
  mkdirSync(join(role, 'defaults/main'), { recursive: true })
  mkdirSync(join(role, 'vars'), { recursive: true })
  const kubelet = files.find((f) => f.url.endsWith('/kubelet'))
  writeFileSync(join(role, 'defaults/main/main.yml'), `---\nkube_version: ${kubeVersion}\nkube_version_min_required: 1.31.0\nimage_arch: amd64\nkube_image_repo: "${kubeImageRepo}"\n`)
  writeFileSync(join(role, 'defaults/main/checksums.yml'), `---\nkubelet_checksums:\n  amd64:\n    ${kubeVersion}: ${kubelet.checksum.replace('sha256:', '')}\n`)
  writeFileSync(join(role, 'vars/main.yml'), '---\n{}\n')
  const name = (i) => `bench${String(i).padStart(2, '0')}`
  const yml = ['---']
  files.forEach((f, i) => yml.push(`${name(i)}_download_url: "${f.url}"`))
  yml.push('', 'downloads:')
  files.forEach((f, i) => yml.push(`  ${name(i)}:`, '    file: true', `    url: "{{ ${name(i)}_download_url }}"`, `    checksum: "${f.checksum}"`))
  images
    .filter((line) => !line.includes('/k8s/kube-'))
    .forEach((line, i) => {
      const colon = line.lastIndexOf(':')
      yml.push(`  image${String(i).padStart(2, '0')}:`, '    container: true', `    repo: "${line.slice(0, colon)}"`, `    tag: "${line.slice(colon + 1)}"`)
    })
  yml.push('', 'download_defaults:', '  container: false', '')
  writeFileSync(join(role, 'defaults/main/download.yml'), yml.join('\n'))
}
