/**
 * What Kubespray fetches beyond generate_list.sh's lists goes into the bundle (`build --extras`):
 * a `downloads` entry with `file: true` that no *_download_url line names (Argo CD's install
 * manifest, as in Kubespray's own download.yml), against the local world's nginx and registry.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { tempDir } from './helpers/temp.js'
import { freePort } from './helpers/nginx.js'
import { startRegistry } from './helpers/registry.js'
import {
  ARGOCD_IMAGES,
  ARGOCD_INSTALL_PATH,
  ARGOCD_ROLE_INSTALL_PATH,
  CHART_ARCHIVE_PATH,
  CHART_BAD_VERSION,
  CHART_GONE_VERSION,
  CHART_UNDIGESTED_VERSION,
  CHART_IMAGE,
  CHART_NAME,
  CHART_REPOSITORY_PATH,
  CHART_VERSION,
  LOCAL_PATH_HELPER,
  startWorld,
  type World
} from './helpers/world.js'
import jsYaml from 'js-yaml'
import type { BundleManifest } from '../src/domain/bundle.js'

let world: World
let work: string
let cache: string

beforeAll(async () => {
  world = await startWorld()
  work = tempDir('kb-extras-')
  cache = tempDir('kb-extras-cache-')
}, 60_000)

afterAll(async () => {
  await world?.stop()
  for (const d of [work, cache]) if (d) rmSync(d, { recursive: true, force: true })
})

const cli = (args: string[]): Promise<CliResult> =>
  spawnCli(args, work, { KUBESPRAY_API_URL: world.github.apiUrl, XDG_CACHE_HOME: cache }).done
const build = (out: string, ...args: string[]): Promise<CliResult> =>
  cli(['build', '--kubespray', 'v2.30.0', '--out', join(work, out), '--insecure-registry', world.registryHost, ...args])
const manifestOf = (out: string): BundleManifest => JSON.parse(readFileSync(join(work, out, 'bundle.json'), 'utf8')) as BundleManifest
const argocdIn = (m: BundleManifest) => m.files.find((f) => f.url.endsWith(ARGOCD_INSTALL_PATH))

describe('downloads entries beyond the lists', () => {
  it('an enabled entry files.list lacks is downloaded, verified against its checksum, and says who wants it', async () => {
    const before = world.logLength()
    const r = await build('argocd', '-e', 'argocd_enabled=true')
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    const argocd = argocdIn(manifestOf('argocd'))
    expect(argocd?.wantedBy).toEqual({ role: 'download', variable: 'downloads.argocd_install' })
    expect(argocd?.checksum).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(argocd?.sha256).toBe(argocd?.checksum?.slice('sha256:'.length))
    expect(world.fileGets(before)).toContain(ARGOCD_INSTALL_PATH)
    // The argocd role fetches the entry again with its own defaults' version: that file is held too.
    const byRole = manifestOf('argocd').files.find((f) => f.url.endsWith(ARGOCD_ROLE_INSTALL_PATH))
    expect(byRole?.wantedBy).toEqual({ role: 'kubernetes-apps/argocd', variable: 'downloads.argocd_install' })
    expect(byRole?.sha256).toBe(createHash('sha256').update(world.files.get(ARGOCD_ROLE_INSTALL_PATH) ?? '').digest('hex'))
    // files.list stays generate_list.sh's own: the extra is in the bundle, not in the list.
    expect(readFileSync(join(work, 'argocd/lists/amd64/files.list'), 'utf8')).not.toContain('install.yaml')
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: join(work, 'argocd'), encoding: 'utf8' })).toBe('')
  })

  it('the images the Argo CD manifest names are saved too (parsed from the verified manifest), with the role that applies it', async () => {
    const images = manifestOf('argocd').images
    for (const name of ARGOCD_IMAGES) {
      const image = images.find((i) => i.line === `${world.registryHost}/${name}`)
      expect(image?.wantedBy).toEqual({ role: 'kubernetes-apps/argocd', variable: 'argocd_install_url (an image its manifest names)' })
      expect(image?.digest).toMatch(/^sha256:/)
    }
    // The lists' own images are unchanged and carry no wantedBy.
    expect(images.filter((i) => !i.wantedBy).length).toBe(6)
    expect(readFileSync(join(work, 'argocd/lists/amd64/images.list'), 'utf8')).not.toContain('argoproj')
    // Without Argo CD, none of its images.
    const plain = await build('plain-images', '--extras', 'enabled')
    expect(plain.status).toBe(0)
    expect(manifestOf('plain-images').images.some((i) => i.line.includes('argoproj'))).toBe(false)
  })

  it('offline-yml points the entry\'s url variable at the bundle, and its closed loop counts it', async () => {
    const out = join(work, 'argocd-offline.yml')
    const r = await cli(['offline-yml', '--bundle', join(work, 'argocd'), '--files-url', 'http://192.0.2.10:8080', '--registry', '192.0.2.10:35000', '--out', out])
    expect(r.stderr).not.toContain('argocd_install (')
    expect(r.status).toBe(0)
    const text = readFileSync(out, 'utf8')
    // The default's literal origin under files_repo, {{ argocd_version }} kept: the download role
    // and the argocd role (its own defaults pin another version) each find their own file.
    expect(text).toContain(`argocd_install_url: "{{ files_repo }}/127.0.0.1:${world.nginx.port}/files/argocd/{{ argocd_version }}/install.yaml"`)
    expect(r.stderr).toMatch(/checked \d+ file urls/)
    // CRI-O does not read containerd's mirrors: said, with the registries to mirror there.
    const crio = join(work, 'argocd-crio')
    execFileSync('cp', ['-a', join(work, 'argocd'), crio])
    const m = JSON.parse(readFileSync(join(crio, 'bundle.json'), 'utf8')) as BundleManifest
    writeFileSync(join(crio, 'bundle.json'), JSON.stringify({ ...m, extraVars: { ...m.extraVars, container_manager: 'crio' } }))
    const c = await cli(['offline-yml', '--bundle', crio, '--files-url', 'http://192.0.2.10:8080', '--registry', '192.0.2.10:35000', '--out', join(work, 'crio-offline.yml')])
    expect(c.status).toBe(0)
    expect(readFileSync(join(work, 'crio-offline.yml'), 'utf8')).toContain(`# container_manager is crio: containerd_registries_mirrors does not reach it; mirror ${world.registryHost} to the bundle's registry`)
    // Argo CD's pods pull by upstream name: containerd mirrors that registry to the bundle's.
    expect(text).toContain(`containerd_registries_mirrors: [{"prefix":"${world.registryHost}","mirrors":[{"host":"http://{{ registry_host }}","capabilities":["pull","resolve"],"skip_verify":true}]}]`)
  })

  it('--extras none leaves it out; --extras all takes it even when disabled; the default takes nothing disabled', async () => {
    const none = await build('none', '-e', 'argocd_enabled=true', '--no-images', '--extras', 'none')
    expect(none.status).toBe(0)
    expect(argocdIn(manifestOf('none'))).toBeUndefined()
    const all = await build('all', '--no-images', '--extras', 'all')
    expect(all.status).toBe(0)
    expect(argocdIn(manifestOf('all'))?.wantedBy?.variable).toBe('downloads.argocd_install')
    const plain = await build('plain', '--no-images')
    expect(plain.status).toBe(0)
    expect(argocdIn(manifestOf('plain'))).toBeUndefined()
    // As Ansible reads it: -e x=false is the string "false", which `when:` takes as true (Kubespray
    // would fetch it), while JSON's false is off.
    const asString = await build('false-string', '-e', 'argocd_enabled=false', '--no-images')
    expect(asString.status).toBe(0)
    expect(argocdIn(manifestOf('false-string'))).toBeDefined()
    const asBool = await build('false-bool', '-e', '{"argocd_enabled": false}', '--no-images')
    expect(asBool.status).toBe(0)
    expect(argocdIn(manifestOf('false-bool'))).toBeUndefined()
    const bad = await build('bad', '--extras', 'some')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--extras some: expected enabled, all, none')
  })

  it('an enabled entry whose url renders with an undefined variable fails before any download, naming the entry and the variable', async () => {
    const before = world.logLength()
    const r = await build('undefined', '-e', 'argocd_enabled=true', '-e', 'argocd_install_url={{no_such_root}}/install.yaml')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('downloads.argocd_install.url')
    expect(r.stderr).toContain("'no_such_root' is undefined")
    expect(world.fileGets(before)).toEqual([])
    expect(existsSync(join(work, 'undefined/bundle.json'))).toBe(false)
    // Disabled, the same entry is no error: the role would not fetch it.
    const disabled = await build('undefined-off', '-e', 'argocd_install_url={{no_such_root}}/install.yaml', '--no-images')
    expect(disabled.status).toBe(0)
  })
})

describe('build --kubespray-image', () => {
  it('adds Kubespray\'s runtime image of the resolved tag to the plan; a local tree has no tag and is refused by name', async () => {
    // No internet here: the image is asked of quay.io, whose name does not resolve: one quick failure naming it.
    const started = Date.now()
    const r = await build('runtime', '--kubespray-image', '--no-files')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('quay.io/kubespray/kubespray:v2.30.0')
    expect(Date.now() - started).toBeLessThan(10_000)
    const local = await cli(['build', '--kubespray-dir', world.treeDir, '--out', join(work, 'runtime-local'), '--kubespray-image'])
    expect(local.status).toBe(1)
    expect(local.stderr).toContain(`--kubespray-image needs a Kubespray release`)
    expect(local.stderr).toContain(world.treeDir)
  })
})

describe('digest pins hold when only some platforms were saved', () => {
  it('serve answers the upstream index at its own digest (a client of a kept platform pulls through it); the tag is the kept platforms\' index', async () => {
    // The argocd bundle is amd64 only; the world's images are amd64 + arm64: every image is a subset.
    const bundle = join(work, 'argocd')
    const coredns = world.images['k8s/coredns:v1.12.0']
    const upstream = 'children' in coredns ? coredns.index.digest : ''
    const [filesPort, registryPort] = [await freePort(), await freePort()]
    const server = spawnCli(['serve', '--bundle', bundle, '--files-port', String(filesPort), '--registry-port', String(registryPort)], work)
    try {
      const registry = `127.0.0.1:${registryPort}`
      for (let i = 0; i < 200 && !(await fetch(`http://${registry}/v2/`).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 25))
      const pinned = execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${registry}/k8s/coredns@${upstream}`])
      expect(`sha256:${createHash('sha256').update(pinned).digest('hex')}`).toBe(upstream)
      execFileSync('skopeo', ['copy', '-q', '--src-tls-verify=false', '--override-arch', 'amd64', `docker://${registry}/k8s/coredns@${upstream}`, `oci:${join(work, 'pinned')}:coredns`])
      // arm64 was not saved: asked for through the pin, it is absent, said as such.
      expect(() => execFileSync('skopeo', ['copy', '-q', '--src-tls-verify=false', '--override-arch', 'arm64', `docker://${registry}/k8s/coredns@${upstream}`, `oci:${join(work, 'pinned')}:coredns-arm`], { stdio: 'pipe' })).toThrow(/manifest unknown|not found|MANIFEST_UNKNOWN/i)
      // The tag is the index of what was kept: one platform.
      const tagged = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${registry}/k8s/coredns:v1.12.0`], { encoding: 'utf8' })) as { manifests: Array<{ platform: { architecture: string } }> }
      expect(tagged.manifests.map((m) => m.platform.architecture)).toEqual(['amd64'])
    } finally {
      server.child.kill('SIGTERM')
      await server.done
    }
    // The bundle still verifies with the upstream index among its blobs.
    expect((await cli(['verify', '--bundle', bundle])).status).toBe(0)
  })

  it('push --bundle to Distribution 2.8, which refuses such an index: tags pushed, one warning naming the pins that will miss', async () => {
    const target = await startRegistry({ storage: tempDir('kb-extras-reg-') })
    try {
      const r = await cli(['push', '--bundle', join(work, 'argocd'), '--registry', target.host, '--insecure'])
      expect(r.status).toBe(0)
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'))
      expect(warnings).toHaveLength(1)
      const coredns = world.images['k8s/coredns:v1.12.0']
      expect(warnings[0]).toContain(`k8s/coredns@${'children' in coredns ? coredns.index.digest : ''}`)
      expect(warnings[0]).toContain('references pinned to them will miss (tags work)')
      execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${target.host}/k8s/coredns:v1.12.0`])
    } finally {
      await target.stop()
    }
  })
})

describe('images other roles pull (found in the tree, as audit finds them)', () => {
  it('local-path-provisioner\'s helper joins the bundle when the role runs, with its role and variable; the audit after the build finds nothing missing', async () => {
    const r = await build('local-path', '-e', '{"local_path_provisioner_enabled": true}')
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    const helper = manifestOf('local-path').images.find((i) => i.line === `${world.registryHost}/${LOCAL_PATH_HELPER}`)
    expect(helper?.wantedBy).toEqual({ role: 'kubernetes-apps/external_provisioner/local_path_provisioner', variable: 'local_path_provisioner_helper_image_repo' })
    expect(r.stdout).toContain('audit: every reference enabled components fetch is in the bundle')
    // offline-yml points the role's own variable at the bundle's registry.
    const offline = join(work, 'local-path-offline.yml')
    const y = await cli(['offline-yml', '--bundle', join(work, 'local-path'), '--files-url', 'http://192.0.2.10:8080', '--registry', '192.0.2.10:35000', '--out', offline])
    expect(y.status).toBe(0)
    expect(readFileSync(offline, 'utf8')).toContain('local_path_provisioner_helper_image_repo: "{{ registry_host }}/library/busybox"')
    // Off: not carried, and the audit says it is missing for a component that is off.
    const off = await build('local-path-off', '--no-files')
    expect(off.status).toBe(0)
    expect(manifestOf('local-path-off').images.some((i) => i.line.includes('busybox'))).toBe(false)
    expect(off.stdout).toMatch(/audit: every reference enabled components fetch is in the bundle \(.* \d+ missing for components that are off\)/)
    expect(off.stderr).not.toContain('audit: missing')
    // --extras none: the lists only; the audit names the helper as missing for an enabled component.
    const none = await build('local-path-none', '-e', '{"local_path_provisioner_enabled": true}', '--no-files', '--extras', 'none')
    expect(none.status).toBe(0)
    expect(none.stderr).toContain(`audit: missing image ${world.registryHost}/${LOCAL_PATH_HELPER}: kubernetes-apps/external_provisioner/local_path_provisioner (local_path_provisioner_helper_image_repo), enabled: yes`)
  })
})

describe('Helm charts (helm-apps, as kubelet-csr-approver installs its chart)', () => {
  const CSR_ON = '{"kubelet_rotate_server_certificates": true}'
  const pinned = (): string => {
    const image = world.images[CHART_IMAGE]
    return 'children' in image ? image.index.digest : image.manifest.digest
  }
  const servedDir = (): string => `charts/${new URL(world.nginx.url('/files')).host}/files/${CHART_REPOSITORY_PATH}`

  it('carries the pinned version verified by the index digest, beside a served index of just it, with the image its values name', async () => {
    const before = world.logLength()
    const r = await build('chart', '-e', CSR_ON)
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    const m = manifestOf('chart')
    const dir = `files/${servedDir()}`
    expect(m.charts).toEqual([
      {
        repository: world.nginx.url(`/files/${CHART_REPOSITORY_PATH}`),
        name: CHART_NAME,
        version: CHART_VERSION,
        path: `${dir}/${CHART_NAME}-${CHART_VERSION}.tgz`,
        index: `${dir}/index.yaml`,
        sha256: createHash('sha256').update(world.files.get(CHART_ARCHIVE_PATH) ?? '').digest('hex'),
        movedBy: { variable: 'kubelet_csr_approver_repository_url', form: 'url' },
        images: [`${world.registryHost}/${CHART_IMAGE}`, `${world.registryHost}/${CHART_IMAGE}@${pinned()}`],
        wantedBy: { role: 'kubernetes-apps/kubelet-csr-approver', variable: `kubelet_csr_approver_repository_url (Helm chart ${CHART_NAME} ${CHART_VERSION})` },
        valuesVariable: 'kubelet_csr_approver_values'
      }
    ])
    // The archive came from where the index said (another path, by an absolute url), once.
    expect(world.fileGets(before).filter((p) => p === CHART_ARCHIVE_PATH)).toHaveLength(1)
    const archive = m.files.find((f) => f.path === m.charts?.[0].path)
    expect(archive?.checksum).toBe(`sha256:${m.charts?.[0].sha256}`)
    // The served index: only the carried version, its url relative, the upstream entry's other fields kept.
    const index = jsYaml.load(readFileSync(join(work, 'chart', dir, 'index.yaml'), 'utf8')) as { apiVersion: string; entries: Record<string, Array<Record<string, unknown>>> }
    expect(index.apiVersion).toBe('v1')
    expect(Object.keys(index.entries)).toEqual([CHART_NAME])
    expect(index.entries[CHART_NAME]).toEqual([expect.objectContaining({ version: CHART_VERSION, urls: [`${CHART_NAME}-${CHART_VERSION}.tgz`], digest: m.charts?.[0].sha256, appVersion: `v${CHART_VERSION}`, created: '2025-01-02T03:04:05Z' })])
    // The values' image (empty tag: the chart's appVersion) is saved, wanted by the chart's role.
    const image = m.images.find((i) => i.line === `${world.registryHost}/${CHART_IMAGE}`)
    expect(image?.wantedBy).toEqual({ role: 'kubernetes-apps/kubelet-csr-approver', variable: `kubelet_csr_approver_repository_url (an image chart ${CHART_NAME} ${CHART_VERSION} names)` })
    expect(r.stdout).toContain('audit: every reference enabled components fetch is in the bundle')
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: join(work, 'chart'), encoding: 'utf8' })).toBe('')
    expect((await cli(['verify', '--bundle', join(work, 'chart')])).status).toBe(0)
  })

  it('serve answers it as a Helm repository: the index, and the archive at the url Helm resolves against the repository', async () => {
    const filesPort = await freePort()
    const server = spawnCli(['serve', '--bundle', join(work, 'chart'), '--files-port', String(filesPort), '--registry-port', String(await freePort())], work)
    try {
      const repository = `http://127.0.0.1:${filesPort}/${servedDir()}`
      let indexText = ''
      for (let i = 0; i < 200 && !indexText; i++) indexText = await fetch(`${repository}/index.yaml`).then((res) => (res.ok ? res.text() : ''), () => '') || (await new Promise<string>((r) => setTimeout(() => r(''), 25)))
      const entry = (jsYaml.load(indexText) as { entries: Record<string, Array<{ urls: string[]; digest: string }>> }).entries[CHART_NAME][0]
      // Helm's ResolveReferenceURL: relative to the repository url with a trailing slash.
      const archive = Buffer.from(await (await fetch(new URL(entry.urls[0], `${repository}/`))).arrayBuffer())
      expect(createHash('sha256').update(archive).digest('hex')).toBe(entry.digest)
    } finally {
      server.child.kill('SIGTERM')
      await server.done
    }
  })

  it('offline-yml points the repository variable at the served index, and containerd at the bundle for the values image', async () => {
    const out = join(work, 'chart-offline.yml')
    const r = await cli(['offline-yml', '--bundle', join(work, 'chart'), '--files-url', 'http://192.0.2.10:8080', '--registry', '192.0.2.10:35000', '--out', out])
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    const vars = jsYaml.load(readFileSync(out, 'utf8')) as Record<string, unknown>
    expect(vars.kubelet_csr_approver_repository_url).toBe(`{{ files_repo }}/${servedDir()}`)
    expect(vars.containerd_registries_mirrors).toEqual([expect.objectContaining({ prefix: world.registryHost })])
    expect(vars.kubelet_csr_approver_values).toBeUndefined()
    // For a registry that cannot keep the pinned index: the values turn that pin (and only it) off.
    const unpinned = join(work, 'chart-offline-unpinned.yml')
    const u = await cli(['offline-yml', '--bundle', join(work, 'chart'), '--files-url', 'http://192.0.2.10:8080', '--registry', '192.0.2.10:35000', '--out', unpinned, '--no-digest-pins'])
    expect(u.status).toBe(0)
    expect((jsYaml.load(readFileSync(unpinned, 'utf8')) as Record<string, unknown>).kubelet_csr_approver_values).toEqual({ pinned: { image: { useDigest: false } } })
  })

  it('a version the index lacks, or whose archive does not match the index digest, fails naming the chart and the repository', async () => {
    const missing = await build('chart-missing', '-e', CSR_ON, '-e', 'kubelet_csr_approver_chart_version=9.9.9', '--no-images')
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain(`${world.nginx.url(`/files/${CHART_REPOSITORY_PATH}`)}/index.yaml has no version 9.9.9 of chart '${CHART_NAME}' (newest: ${CHART_VERSION}, ${CHART_BAD_VERSION}, `)
    expect(missing.stderr).toContain('kubernetes-apps/kubelet-csr-approver')
    const lying = await build('chart-lying', '-e', CSR_ON, '-e', `kubelet_csr_approver_chart_version=${CHART_BAD_VERSION}`, '--no-images')
    expect(lying.status).toBe(1)
    expect(lying.stderr).toContain(`${CHART_NAME}-${CHART_BAD_VERSION}.tgz`)
    expect(lying.stderr).toMatch(/checksum mismatch/)
    expect(existsSync(join(work, 'chart-lying', 'bundle.json'))).toBe(false)
  })

  it('an archive that cannot be fetched stops the build at the chart, naming it; an index entry with no digest is refused, not carried unverified', async () => {
    const gone = await build('chart-gone', '-e', CSR_ON, '-e', `kubelet_csr_approver_chart_version=${CHART_GONE_VERSION}`)
    expect(gone.status).toBe(1)
    expect(gone.stderr).toContain(`Helm chart ${CHART_NAME} ${CHART_GONE_VERSION} (kubernetes-apps/kubelet-csr-approver): ${world.nginx.url(`/files/${CHART_REPOSITORY_PATH}`)}/${CHART_NAME}-${CHART_GONE_VERSION}.tgz`)
    expect(existsSync(join(work, 'chart-gone', 'bundle.json'))).toBe(false)
    const undigested = await build('chart-undigested', '-e', CSR_ON, '-e', `kubelet_csr_approver_chart_version=${CHART_UNDIGESTED_VERSION}`, '--no-images')
    expect(undigested.status).toBe(1)
    expect(undigested.stderr).toContain(`chart '${CHART_NAME}' ${CHART_UNDIGESTED_VERSION} has no digest, so its archive cannot be verified`)
  })

  it('credentials in the repository url never reach the output, and the audit still holds the chart', async () => {
    const secret = 'S3CRETPW'
    const repository = world.nginx.url(`/files/${CHART_REPOSITORY_PATH}`).replace('http://', `http://alice:${secret}@`)
    const missing = await build('chart-cred-missing', '-e', CSR_ON, '-e', `kubelet_csr_approver_repository_url=${repository}?token=QTOKEN`, '-e', 'kubelet_csr_approver_chart_version=9.9.9', '--no-images')
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain('has no version 9.9.9')
    expect(missing.stderr + missing.stdout).not.toMatch(/S3CRETPW|QTOKEN/)
    const ok = await build('chart-cred', '-e', CSR_ON, '-e', `kubelet_csr_approver_repository_url=${repository}`, '--no-images')
    expect(ok.status).toBe(0)
    expect(ok.stderr + ok.stdout).not.toContain(secret)
    // The audit compares the redacted repository it renders with bundle.json's: the chart is held.
    expect(ok.stderr).not.toContain('missing chart')
    expect(ok.stdout).toMatch(/audit: \d+ reference/)
    expect(readFileSync(join(work, 'chart-cred', 'bundle.json'), 'utf8')).not.toContain(secret)
  })

  it('--no-files still carries the images the chart\'s values name (the chart read from a scratch directory), and no chart', async () => {
    const r = await build('chart-images-only', '-e', CSR_ON, '--no-files')
    expect(r.status).toBe(0)
    const m = manifestOf('chart-images-only')
    expect(m.charts).toBeUndefined()
    expect(m.images.some((i) => i.line === `${world.registryHost}/${CHART_IMAGE}`)).toBe(true)
    expect(existsSync(join(work, 'chart-images-only', 'files'))).toBe(false)
  })

  it('--extras none carries no chart, and the audit names the chart the enabled role installs', async () => {
    const none = await build('chart-none', '-e', CSR_ON, '--extras', 'none')
    expect(none.status).toBe(0)
    expect(manifestOf('chart-none').charts).toBeUndefined()
    expect(existsSync(join(work, 'chart-none', 'files', 'charts'))).toBe(false)
    expect(none.stderr).toContain(`audit: missing chart ${CHART_NAME} ${CHART_VERSION} from ${world.nginx.url(`/files/${CHART_REPOSITORY_PATH}`)}: kubernetes-apps/kubelet-csr-approver (kubelet_csr_approver_repository_url), enabled: yes`)
    // offline-yml says so too (a note: Kubespray fetches it upstream), as for other extras left out.
    const y = await cli(['offline-yml', '--bundle', join(work, 'chart-none'), '--files-url', 'http://192.0.2.10:8080', '--registry', '192.0.2.10:35000', '--out', join(work, 'chart-none.yml')])
    expect(y.status).toBe(0)
    expect(y.stderr).toContain(`note: chart ${CHART_NAME} ${CHART_VERSION} from ${world.nginx.url(`/files/${CHART_REPOSITORY_PATH}`)} (kubernetes-apps/kubelet-csr-approver): this bundle does not hold it`)
  })
})

describe('--json', () => {
  it('build and verify print their result objects; verify says ok false and exits 1 for a corrupt bundle', async () => {
    const r = await build('json', '--no-images', '--json')
    expect(r.status).toBe(0)
    const built = JSON.parse(r.stdout) as { ok: boolean; files: Array<{ status: string }>; totals: { files: number }; audit: { failed: boolean } | null }
    expect(built.ok).toBe(true)
    expect(built.totals.files).toBe(built.files.length)
    expect(built.audit).not.toBeNull()
    const v = await cli(['verify', '--bundle', join(work, 'json'), '--json'])
    expect(v.status).toBe(0)
    expect((JSON.parse(v.stdout) as { ok: boolean; checked: number }).ok).toBe(true)
    writeFileSync(join(work, 'json/lists/amd64/files.list'), 'changed\n')
    const bad = await cli(['verify', '--bundle', join(work, 'json'), '--json'])
    expect(bad.status).toBe(1)
    const result = JSON.parse(bad.stdout) as { ok: boolean; problems: string[] }
    expect(result.ok).toBe(false)
    expect(result.problems.join('\n')).toContain('lists/amd64/files.list')
  })
})

