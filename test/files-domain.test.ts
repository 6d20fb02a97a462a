/** Pure parts of `files`: layouts on Kubespray's real url list, list parsing, mirrors, checksums. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { relativePathFor } from '../src/domain/files/layout.js'
import { parseFileList } from '../src/domain/files/list.js'
import { applyMirrors, parseMirror } from '../src/domain/files/mirror.js'
import { formatSha256Sums, parseChecksum } from '../src/domain/files/checksum.js'
import { CONFORMANCE_DIR } from './helpers/conformance.js'

const kubesprayUrls = readFileSync(join(CONFORMANCE_DIR, 'v2.30.0/a_default/files.list'), 'utf8').trim().split('\n')
const urlEnding = (suffix: string): string => kubesprayUrls.find((u) => u.endsWith(suffix)) ?? `(no url ending ${suffix})`

describe('layouts', () => {
  it('original-host is what wget -x makes: host then path', () => {
    expect(relativePathFor(urlEnding('/kubelet'), 'original-host')).toBe('dl.k8s.io/release/v1.34.3/bin/linux/amd64/kubelet')
    expect(relativePathFor('http://127.0.0.1:8080/a/b%20c', 'original-host')).toBe('127.0.0.1:8080/a/b c')
  })

  it.each([
    ['/kubelet', 'kubernetes/v1.34.3/kubelet'],
    ['/kubeadm', 'kubernetes/v1.34.3/kubeadm'],
    ['etcd-v3.5.26-linux-amd64.tar.gz', 'kubernetes/etcd/etcd-v3.5.26-linux-amd64.tar.gz'],
    ['cni-plugins-linux-amd64-v1.8.0.tgz', 'kubernetes/cni/cni-plugins-linux-amd64-v1.8.0.tgz'],
    ['crictl-v1.34.0-linux-amd64.tar.gz', 'kubernetes/cri-tools/crictl-v1.34.0-linux-amd64.tar.gz'],
    ['calicoctl-linux-amd64', 'kubernetes/calico/v3.30.6/calicoctl-linux-amd64'],
    ['archive/v3.30.6.tar.gz', 'kubernetes/calico/v3.30.6.tar.gz'],
    ['runc.amd64', 'runc/v1.3.4/runc.amd64'],
    ['cilium-linux-amd64.tar.gz', 'cilium-cli/v0.18.9/cilium-linux-amd64.tar.gz'],
    ['x86_64/runsc', 'gvisor/20260112.0/x86_64/runsc'],
    ['containerd-shim-runsc-v1', 'gvisor/20260112.0/x86_64/containerd-shim-runsc-v1'],
    ['skopeo-linux-amd64', 'skopeo/v1.16.1/skopeo-linux-amd64'],
    ['yq_linux_amd64', 'yq/v4.42.1/yq_linux_amd64'],
    ['containerd-2.2.1-linux-amd64.tar.gz', 'containerd-2.2.1-linux-amd64.tar.gz'],
    ['nerdctl-2.2.1-linux-amd64.tar.gz', 'nerdctl-2.2.1-linux-amd64.tar.gz']
  ])('kubespray-offline puts …%s at %s', (suffix, path) => {
    expect(relativePathFor(urlEnding(suffix), 'kubespray-offline')).toBe(path)
  })

  it("stores every url of Kubespray's list at a distinct path in both layouts", () => {
    for (const layout of ['original-host', 'kubespray-offline'] as const) {
      expect(new Set(kubesprayUrls.map((u) => relativePathFor(u, layout))).size).toBe(kubesprayUrls.length)
    }
  })

  it('refuses urls that would escape files/', () => {
    expect(() => relativePathFor('http://h/a/%2F..%2F..%2Fetc%2Fpasswd', 'original-host')).toThrow(/'\.\.' path segments/)
  })
})

describe('list parsing', () => {
  it('reads files.json with sha256 and sha512 checksums and null', () => {
    const list = parseFileList(
      JSON.stringify({ files: [{ url: 'https://a/x', checksum: `sha512:${'a'.repeat(128)}` }, { url: 'https://a/y', checksum: null }] }),
      'f.json'
    )
    expect(list.unverified).toBe(false)
    expect(list.files.map((f) => f.checksum?.algorithm ?? null)).toEqual(['sha512', null])
  })

  it('reads a plain files.list, skipping blank lines, naming the line of a bad url', () => {
    expect(parseFileList('https://a/x\n\nhttps://a/y\n', 'files.list')).toMatchObject({ unverified: true, files: [{ url: 'https://a/x' }, { url: 'https://a/y' }] })
    expect(() => parseFileList('https://a/x\nnot a url\n', 'files.list')).toThrow("files.list:2: 'not a url' is not an http(s) url")
  })

  it('fetches a url listed twice once, and refuses two different checksums for it', () => {
    const sum = (c: string): string => `sha256:${c.repeat(64)}`
    expect(parseFileList(JSON.stringify({ files: [{ url: 'https://a/x', checksum: null }, { url: 'https://a/x', checksum: sum('a') }] }), 'f').files).toHaveLength(1)
    expect(() => parseFileList(JSON.stringify({ files: [{ url: 'https://a/x', checksum: sum('a') }, { url: 'https://a/x', checksum: sum('b') }] }), 'f')).toThrow(
      'listed twice with different checksums'
    )
  })
})

describe('mirrors and checksums', () => {
  it('rewrites the longest matching prefix', () => {
    const mirrors = [parseMirror('https://github.com=http://m/gh'), parseMirror('https://github.com/etcd-io=http://m/etcd')]
    expect(applyMirrors('https://github.com/etcd-io/etcd/x', mirrors)).toBe('http://m/etcd/etcd/x')
    expect(applyMirrors('https://github.com/other/x', mirrors)).toBe('http://m/gh/other/x')
    expect(applyMirrors('https://dl.k8s.io/x', mirrors)).toBe('https://dl.k8s.io/x')
  })

  it('parses checksums strictly and writes sha256sum format sorted by path', () => {
    expect(parseChecksum(`sha256:${'A'.repeat(64)}`)).toEqual({ algorithm: 'sha256', hex: 'a'.repeat(64) })
    expect(() => parseChecksum('md5:abc')).toThrow('expected sha256:<hex> or sha512:<hex>')
    expect(formatSha256Sums([{ path: 'b', sha256: '2' }, { path: 'a', sha256: '1' }])).toBe('1  a\n2  b\n')
  })
})
