/** The `lists` command contract: arguments, precedence through -i/-e, and its error cases. */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli, scratchTree } from './helpers/cli.js'
import { CONFORMANCE_DIR } from './helpers/conformance.js'

const DEFAULTS = 'roles/kubespray_defaults/defaults/main'

function lists(tree: string, ...extra: string[]) {
  return runCli(['lists', '--kubespray-dir', '.', '--out', 'out', ...extra], tree)
}

function firstLine(tree: string, list = 'files.list'): string {
  return readFileSync(join(tree, 'out', list), 'utf8').split('\n')[0]
}

describe('lists: variables from -e and -i', () => {
  it('-e key=value, @file and inline JSON apply in order, the last one winning', () => {
    const tree = scratchTree()
    writeFileSync(join(tree, 'v.yml'), 'dl_k8s_io_url: http://from-file\n')
    const r = lists(tree, '-e', 'dl_k8s_io_url=http://from-kv', '-e', '@v.yml', '-e', '{"image_arch": "arm64"}')
    expect(r.status).toBe(0)
    expect(firstLine(tree)).toBe('http://from-file/release/v1.34.3/bin/linux/arm64/kubelet')
  })

  it('an INI inventory with group_vars/ beside it: all < group_vars/all < -e', () => {
    const tree = scratchTree()
    mkdirSync(join(tree, 'inv/group_vars/all'), { recursive: true })
    writeFileSync(join(tree, 'inv/hosts.ini'), '[all:vars]\ndl_k8s_io_url=http://ini-all\ngithub_url="http://ini-gh"\n[kube_control_plane]\nnode1\n')
    writeFileSync(join(tree, 'inv/group_vars/all/mirror.yml'), 'dl_k8s_io_url: http://group-vars-all\n')
    const r = lists(tree, '-i', 'inv/hosts.ini')
    expect(r.status).toBe(0)
    const files = readFileSync(join(tree, 'out/files.list'), 'utf8')
    expect(files).toContain('http://group-vars-all/release/v1.34.3/bin/linux/amd64/kubelet')
    expect(files).toContain('http://ini-gh/etcd-io/etcd/releases/download/')
    expect(lists(tree, '-i', 'inv/hosts.ini', '-e', 'dl_k8s_io_url=http://extra').status).toBe(0)
    expect(firstLine(tree)).toBe('http://extra/release/v1.34.3/bin/linux/amd64/kubelet')
  })

  it('a YAML inventory is read too', () => {
    const tree = scratchTree()
    writeFileSync(join(tree, 'hosts.yml'), 'all:\n  vars:\n    kube_image_repo: registry.local:5000\n  children:\n    kube_node:\n      hosts:\n        n1:\n')
    expect(lists(tree, '-i', 'hosts.yml').status).toBe(0)
    expect(readFileSync(join(tree, 'out/images.list'), 'utf8')).toContain('registry.local:5000/kube-apiserver:v1.34.3\n')
  })

  it('an inventory cannot override role vars (the v2.28+ checksums); -e can', () => {
    const tree = scratchTree()
    writeFileSync(join(tree, 'hosts.yml'), "all:\n  vars:\n    kubelet_checksums: {}\n")
    expect(lists(tree, '-i', 'hosts.yml').status).toBe(0)
    const manifest = JSON.parse(readFileSync(join(tree, 'out/files.json'), 'utf8'))
    expect(manifest.files[0].checksum).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('files.json lists every url with its checksum and component, every image with its component', () => {
    const tree = scratchTree()
    expect(lists(tree).status).toBe(0)
    const manifest = JSON.parse(readFileSync(join(tree, 'out/files.json'), 'utf8'))
    const urls = readFileSync(join(tree, 'out/files.list'), 'utf8').trim().split('\n')
    expect(manifest.files.map((f: { url: string }) => f.url)).toEqual(urls)
    expect(manifest.files[0]).toEqual({ url: urls[0], checksum: expect.stringMatching(/^sha256:/), component: 'kubelet' })
    expect(manifest.files.find((f: { component: string }) => f.component === 'gvisor_runsc').checksum).toMatch(/^sha512:[0-9a-f]{128}$/)
    expect(manifest.images).toContainEqual({ ref: expect.stringMatching(/^quay\.io\/calico\/node:v/), component: 'calico_node' })
  })
})

describe('lists: errors name the culprit and write nothing', () => {
  it('an unsupported kube_version fails with Kubespray message and the supported range', () => {
    const tree = scratchTree()
    const r = lists(tree, '-e', 'kube_version=1.20.0')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('only support newer version of Kubernetes than 1.32.0 - You are trying to apply 1.20.0')
    expect(r.stderr).toMatch(/supported: 1\.32\.0 to 1\.34\.3/)
    expect(existsSync(join(tree, 'out'))).toBe(false)
  })

  it('a kube_version newer than the tree knows fails too, and a v prefix gets a hint', () => {
    const tree = scratchTree()
    const r = lists(tree, '-e', 'kube_version=1.35.0')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('kube_version 1.35.0 is not supported by this Kubespray tree')
    expect(lists(tree, '-e', 'kube_version=v1.34.3').stderr).toContain("without the leading 'v'")
  })

  it('an undefined variable names itself and the template line; earlier outputs stay untouched', () => {
    const tree = scratchTree()
    expect(lists(tree).status).toBe(0)
    const before = readFileSync(join(tree, 'out/files.list'), 'utf8')
    appendFileSync(join(tree, DEFAULTS, 'download.yml'), '\nextra_download_url: "{{ no_such_mirror }}/x"\n')
    const r = lists(tree)
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/files\.list template line 25 \(\{\{ no_such_mirror \}\}\/x.*\): undefined variable: 'no_such_mirror' is undefined/)
    expect(readFileSync(join(tree, 'out/files.list'), 'utf8')).toBe(before)
    expect(readdirSync(join(tree, 'out')).sort()).toEqual(['files.json', 'files.list', 'images.list'])
  })

  it('a YAML error names the file and line', () => {
    const tree = scratchTree()
    appendFileSync(join(tree, DEFAULTS, 'main.yml'), '\nbroken: [1, 2\nnext: 3\n')
    const r = lists(tree)
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/roles\/kubespray_defaults\/defaults\/main\/main\.yml:\d+:\d+: YAML error/)
  })

  it('a missing -e @file, a bad --arch, a missing option and a non-Kubespray dir are named', () => {
    const tree = scratchTree()
    expect(lists(tree, '-e', '@nope.yml').stderr).toContain('-e @nope.yml: cannot read the file (ENOENT)')
    const arch = lists(tree, '--arch', 'riscv')
    expect(arch.status).toBe(2)
    expect(arch.stderr).toContain('--arch riscv: expected amd64 or arm64')
    expect(runCli(['lists', '--out', 'o'], tree).stderr).toContain('--kubespray-dir DIR is required')
    const notTree = runCli(['lists', '--kubespray-dir', CONFORMANCE_DIR, '--out', 'o'], tree)
    expect(notTree.status).toBe(1)
    expect(notTree.stderr).toContain('is not a Kubespray tree')
  })

  it('an INI inventory error names file and line', () => {
    const tree = scratchTree()
    writeFileSync(join(tree, 'bad.ini'), '[k8s_cluster:children]\nmissing_group\n')
    const r = lists(tree, '-i', 'bad.ini')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('bad.ini:2: Section [k8s_cluster:children] includes undefined group: missing_group')
  })
})
