/**
 * Where a downloaded file lives under DIR/files. Both layouts are named after what people
 * already serve to Kubespray, so switching tools needs no inventory change.
 */
export type Layout = 'original-host' | 'kubespray-offline'
export const LAYOUTS: readonly Layout[] = ['original-host', 'kubespray-offline']

/**
 * kubespray-offline's decide_relative_dir, rule for rule (its download-kubespray-files.sh):
 * the directory its offline.yml points each *_download_url at. Two deliberate differences:
 * runc of any architecture goes to runc/<version> (its offline.yml expects that; its sed
 * only matches runc.amd64), and yq to yq/<version> (its sed keeps the architecture glued
 * to the version).
 */
const KUBESPRAY_OFFLINE_RULES: ReadonlyArray<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^.*\/(v[0-9.]*)\/.*\/kube(adm|ctl|let)$/, (m) => `kubernetes/${m[1]}`],
  [/^.*\/etcd-.*\.tar\.gz$/, () => 'kubernetes/etcd'],
  [/^.*\/cni-plugins.*\.tgz$/, () => 'kubernetes/cni'],
  [/^.*\/crictl-.*\.tar\.gz$/, () => 'kubernetes/cri-tools'],
  [/^.*\/(v.*)\/calicoctl-[^/]*$/, (m) => `kubernetes/calico/${m[1]}`],
  [/^.*\/(v[^/]*)\/runc\.[a-z0-9]+$/, (m) => `runc/${m[1]}`],
  [/^.*\/(v[^/]*)\/cilium-linux-[^/]*$/, (m) => `cilium-cli/${m[1]}`],
  [/^.*\/([^/]*)\/([^/]*)\/(runsc|containerd-shim-runsc-v1)$/, (m) => `gvisor/${m[1]}/${m[2]}`],
  [/^.*\/(v[^/]*)\/skopeo-linux-[^/]*$/, (m) => `skopeo/${m[1]}`],
  [/^.*\/(v[^/]*)\/yq_linux_[^/]*$/, (m) => `yq/${m[1]}`],
  [/^.*\/calico\/.*$/, () => 'kubernetes/calico']
]

function kubesprayOfflineDirectory(url: URL): string {
  const text = `${url.origin}${url.pathname}`
  for (const [pattern, directory] of KUBESPRAY_OFFLINE_RULES) {
    const match = pattern.exec(text)
    if (match) return directory(match)
  }
  return ''
}

/** Refuses paths that would leave DIR/files (a hostile or broken list). */
function safeSegments(path: string, url: string): string[] {
  const segments = path.split('/').filter((s) => s !== '')
  if (!segments.length || segments.some((s) => s === '.' || s === '..')) {
    throw new Error(`${url}: cannot store this url under files/ (empty or '..' path segments)`)
  }
  return segments
}

/** The path of `url`'s file relative to DIR/files, with '/' separators. */
export function relativePathFor(url: string, layout: Layout): string {
  const parsed = new URL(url)
  const name = decodeURIComponent(parsed.pathname.split('/').pop() ?? '')
  if (layout === 'kubespray-offline') {
    const directory = kubesprayOfflineDirectory(parsed)
    return safeSegments(directory ? `${directory}/${name}` : name, url).join('/')
  }
  // wget -x: host (with a non-default port, as host:port), then the url's path.
  return safeSegments(`${parsed.host}${decodeURIComponent(parsed.pathname)}`, url).join('/')
}
