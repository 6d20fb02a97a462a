/**
 * offline-yml closes the loop on every conformance release, for both layouts and both arches:
 * the lists Kubespray would make with the generated file name only files and images of the
 * bundle. The bundles here are made from the lists alone (paths and index entries, no bytes),
 * which is all the check reads; the test checks the result again with the lists command itself.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from './helpers/cli.js'
import { CONFORMANCE_DIR } from './helpers/conformance.js'
import { tempDir } from './helpers/temp.js'
import { relativePathFor, type Layout } from '../src/domain/files/layout.js'
import { parseReference } from '../src/domain/images/reference.js'

const FILES_URL = 'http://192.0.2.10:8080'
const REGISTRY = '192.0.2.10:35000'
const releases = readdirSync(CONFORMANCE_DIR).filter((d) => d.startsWith('v')).sort()
let work: string

beforeAll(() => {
  work = tempDir('kb-offline-')
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A bundle directory as build would leave it, minus the bytes: lists, bundle.json, index.json. */
function bundleOf(release: string, layout: Layout, arches: string[], extraVars: Record<string, string> = {}): { dir: string; tree: string } {
  const tree = join(CONFORMANCE_DIR, release, 'inputs')
  const dir = join(work, `${release}-${layout}-${arches.join('+')}${Object.keys(extraVars).length ? '-vars' : ''}`)
  const extra = Object.entries(extraVars).flatMap(([k, v]) => ['-e', `${k}=${v}`])
  const files = new Map<string, string>()
  const images = new Set<string>()
  let kubeVersion = ''
  for (const arch of arches) {
    const r = runCli(['lists', '--kubespray-dir', tree, '--out', join(dir, 'lists', arch), '--arch', arch, ...extra], work)
    if (r.status !== 0) throw new Error(r.stderr)
    const list = JSON.parse(readFileSync(join(dir, 'lists', arch, 'files.json'), 'utf8')) as { files: Array<{ url: string }>; images: Array<{ ref: string }> }
    for (const f of list.files) files.set(f.url, `files/${relativePathFor(f.url, layout)}`)
    for (const i of list.images) images.add(i.ref)
    // v2.28 dropped the v from kube_version (and put it in the image line instead).
    const tag = /kube-apiserver:(v?[\d.]+)/.exec(list.images.map((i) => i.ref).join('\n'))?.[1] ?? ''
    kubeVersion = existsSync(join(tree, 'roles/kubespray_defaults')) ? tag.replace(/^v/, '') : tag
  }
  const manifest = {
    schema: 'kubespray-bundle/v1',
    kubespray: { repository: null, spec: tree, tag: null, commit: null, tarball: null },
    kubeVersion,
    arches,
    layout,
    extraVars,
    files: [...files].map(([url, path]) => ({ url, path, size: 1, sha256: '0'.repeat(64), checksum: null, arches })),
    images: [...images].map((line) => ({ line, digest: '', platforms: [], size: 0, arches })),
    totals: { files: files.size, fileBytes: 0, images: images.size, imageBytes: 0, bytes: 0 }
  }
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify(manifest))
  mkdirSync(join(dir, 'images'), { recursive: true })
  const index = [...images].map((line) => ({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 1, annotations: { 'org.opencontainers.image.ref.name': line } }))
  writeFileSync(join(dir, 'images/index.json'), JSON.stringify({ schemaVersion: 2, manifests: index }))
  return { dir, tree }
}

describe('offline-yml closes the loop', () => {
  for (const release of releases) {
    for (const layout of ['original-host', 'kubespray-offline'] as const) {
      // The kubespray-offline layout keeps one arch per bundle (kubelet of both would share a path).
      const arches = layout === 'kubespray-offline' ? ['amd64'] : ['amd64', 'arm64']
      it(`${release}, ${layout} layout, ${arches.join(' + ')}: every url and image the lists name is in the bundle`, () => {
        const { dir, tree } = bundleOf(release, layout, arches)
        const out = join(dir, 'offline.yml')
        const r = runCli(['offline-yml', '--bundle', dir, '--kubespray-dir', tree, '--files-url', FILES_URL, '--registry', REGISTRY, '--out', out], work)
        expect(r.stderr).toMatch(/checked \d+ file urls and \d+ images, all in the bundle/)
        expect(r.status).toBe(0)
        const text = readFileSync(out, 'utf8')
        expect(text).toContain(`files_repo: "${FILES_URL}"`)
        expect(text).toContain(`registry_host: "${REGISTRY}"`)
        // Checked again, independently: the lists command with the file, per arch.
        const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as { files: Array<{ path: string }> }
        const held = new Set(manifest.files.map((f) => f.path.slice('files/'.length)))
        const lines = new Set((JSON.parse(readFileSync(join(dir, 'images/index.json'), 'utf8')) as { manifests: Array<{ annotations: Record<string, string> }> }).manifests.map((m) => {
          const ref = parseReference(m.annotations['org.opencontainers.image.ref.name'])
          return `${ref.repository}:${ref.tag}`
        }))
        for (const arch of arches) {
          const listsRun = runCli(['lists', '--kubespray-dir', tree, '--out', join(dir, 'check', arch), '--arch', arch, '-e', `@${out}`], work)
          expect(listsRun.status).toBe(0)
          // What the download role fetches: each downloads entry's url (overrides included), of
          // the entries generate_list.sh lists (the bundle's own lists name their components).
          const listed = new Set((JSON.parse(readFileSync(join(dir, 'lists', arch, 'files.json'), 'utf8')) as { files: Array<{ component: string }> }).files.map((f) => f.component))
          const check = JSON.parse(readFileSync(join(dir, 'check', arch, 'files.json'), 'utf8')) as { downloads: Array<{ url: string; component: string }> }
          const urls = check.downloads.filter((d) => listed.has(d.component)).map((d) => d.url)
          expect(urls.length).toBeGreaterThan(10)
          for (const url of urls) {
            expect(url.startsWith(`${FILES_URL}/`)).toBe(true)
            expect(held.has(url.slice(FILES_URL.length + 1))).toBe(true)
          }
          for (const image of readFileSync(join(dir, 'check', arch, 'images.list'), 'utf8').trim().split('\n')) {
            const ref = parseReference(image)
            expect(ref.registry).toBe(REGISTRY)
            expect(lines.has(`${ref.repository}:${ref.tag}`)).toBe(true)
          }
        }
      })
    }
  }

  it('url roots follow the values the bundle was built with: -e dl_k8s_io_url=https://mirror.corp/dl', () => {
    const { dir, tree } = bundleOf('v2.30.0', 'original-host', ['amd64'], { dl_k8s_io_url: 'https://mirror.corp/dl' })
    const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as { files: Array<{ url: string; path: string }> }
    const kubelet = manifest.files.find((f) => f.url.endsWith('/kubelet'))
    expect(kubelet?.path).toMatch(/^files\/mirror\.corp\/dl\/release\/v[\d.]+\/bin\/linux\/amd64\/kubelet$/)
    const out = join(dir, 'offline.yml')
    const r = runCli(['offline-yml', '--bundle', dir, '--kubespray-dir', tree, '--files-url', FILES_URL, '--registry', REGISTRY, '--out', out], work)
    expect(r.stderr).toMatch(/checked \d+ file urls and \d+ images, all in the bundle/)
    expect(r.status).toBe(0)
    expect(readFileSync(out, 'utf8')).toContain('dl_k8s_io_url: "{{ files_repo }}/mirror.corp/dl"')
    // generate_list.sh's view with the file as the last -e: kubelet's url is the one the bundle holds.
    const check = runCli(['lists', '--kubespray-dir', tree, '--out', join(dir, 'check'), '--arch', 'amd64', '-e', 'dl_k8s_io_url=https://mirror.corp/dl', '-e', `@${out}`], work)
    expect(check.status).toBe(0)
    const urls = readFileSync(join(dir, 'check', 'files.list'), 'utf8').trim().split('\n')
    expect(urls).toContain(`${FILES_URL}/${kubelet?.path.slice('files/'.length)}`)
    const held = new Set(manifest.files.map((f) => `${FILES_URL}/${f.path.slice('files/'.length)}`))
    expect(urls.filter((u) => !held.has(u))).toEqual([])
  })

  it('fails naming the gaps when the bundle lacks something, and writes nothing', () => {
    const { dir, tree } = bundleOf('v2.30.0', 'original-host', ['amd64'])
    const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as { files: Array<{ url: string }> }
    const dropped = manifest.files.pop()
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(manifest))
    const out = join(dir, 'offline.yml')
    const r = runCli(['offline-yml', '--bundle', dir, '--kubespray-dir', tree, '--files-url', FILES_URL, '--registry', REGISTRY, '--out', out], work)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('Kubespray would still fetch')
    expect(r.stderr).toContain(`not in the bundle)`)
    expect(r.stderr).toContain(new URL(dropped?.url ?? 'http://x').pathname.split('/').pop())
    expect(() => readFileSync(out)).toThrow()
  })
})
