/**
 * The group_vars a bundle implies: where Kubespray must fetch each file and image so that it
 * asks for exactly what the bundle holds. Pure: the tree's defaults and the bundle's lists in,
 * variables out; pipeline/offline-yml.ts closes the loop by generating the lists with them.
 *
 *   url roots        a default whose value is a bare origin (github_url: https://github.com,
 *                    dl_k8s_io_url, storage_googleapis_url, get_helm_url, …) becomes
 *                    "{{ files_repo }}/<host>", where the original-host layout keeps that host's files
 *   registry roots   an *_image_repo whose value is a literal registry host, maybe with a path
 *                    (kube_image_repo: registry.k8s.io, quay_image_repo, docker_image_repo, …)
 *                    becomes the registry (plus that path), where push and serve put
 *                    <repository path without its registry host>
 *   per-file urls    where no root fits (a release without root variables, the kubespray-offline
 *                    layout), <component>_download_url points at the file's own path
 */

export interface RootVariable {
  name: string
  value: string
}

/** Defaults whose value is a bare http(s) origin. */
export function urlRoots(defaults: ReadonlyArray<[string, unknown]>): Array<RootVariable & { host: string }> {
  return defaults.flatMap(([name, value]) => {
    const m = typeof value === 'string' ? /^https?:\/\/([a-z0-9.-]+(?::\d+)?)\/?$/i.exec(value) : null
    return m && name.endsWith('_url') ? [{ name, value: value as string, host: m[1] }] : []
  })
}

/**
 * Where the original-host layout keeps the files under a url root, relative to files_repo: the
 * host (and port) and path of the value the bundle was built with (`-e dl_k8s_io_url=
 * https://mirror.corp/dl` → mirror.corp/dl), never its userinfo; the default's host when that
 * value is not a literal http(s) url (a template is left to the closed loop to judge).
 */
export function rootPathOf(effective: unknown, defaultHost: string): string {
  if (typeof effective !== 'string' || /\{[{%]/.test(effective)) return defaultHost
  let url: URL
  try {
    url = new URL(effective)
  } catch {
    return defaultHost
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return defaultHost
  return `${url.host}${decodeURIComponent(url.pathname).replace(/\/+$/, '')}`
}

/** A literal registry host (with a dot, or localhost; maybe a port), then maybe a path. */
const REGISTRY_VALUE = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)+|localhost)(?::\d+)?((?:\/[a-z0-9._-]+)*)$/i

/**
 * *_image_repo defaults with a literal registry value: a host (quay_image_repo: quay.io) or a
 * host and a path (…: quay.io/metallb/controller). Each becomes the registry plus the same path,
 * since push and serve keep the repository path and drop only the host.
 */
export function registryRoots(defaults: ReadonlyArray<[string, unknown]>): Array<RootVariable & { path: string }> {
  return defaults.flatMap(([name, value]) => {
    const m = typeof value === 'string' ? REGISTRY_VALUE.exec(value) : null
    return m && name.endsWith('_image_repo') ? [{ name, value: value as string, path: m[1] }] : []
  })
}

/**
 * The repository path a registry root's images are served under: the path of the value the
 * bundle was built with (`-e quay_image_repo=mirror.corp:5000/quay` → /quay, since push and serve
 * drop only the registry host), the default's path when that value is not a literal registry.
 */
export function registryPathOf(effective: unknown, defaultPath: string): string {
  if (typeof effective !== 'string') return defaultPath
  const m = REGISTRY_VALUE.exec(effective)
  return m ? m[1] : defaultPath
}

/**
 * One `<component>_download_url` for every arch: the same path, or one where the arch name can
 * stand as {{ image_arch }}; undefined when neither holds.
 */
export function perFileUrl(filesRepoPath: ReadonlyMap<string, string>): string | undefined {
  const paths = [...filesRepoPath.entries()]
  if (!paths.length) return undefined
  const [firstArch, firstPath] = paths[0]
  if (paths.every(([, p]) => p === firstPath)) return `{{ files_repo }}/${firstPath}`
  const template = firstPath.split(firstArch).join('{{ image_arch }}')
  return paths.every(([arch, p]) => template.split('{{ image_arch }}').join(arch) === p) ? `{{ files_repo }}/${template}` : undefined
}

/** A YAML document of plain JSON values (JSON is YAML), keys in the order given. */
export function renderOfflineYml(header: string[], sections: Array<{ comment: string; vars: Record<string, unknown> }>): string {
  const lines = [...header.map((h) => `# ${h}`), '---']
  for (const section of sections) {
    const entries = Object.entries(section.vars)
    if (!entries.length) continue
    lines.push('', `# ${section.comment}`)
    for (const [k, v] of entries) lines.push(`${k}: ${JSON.stringify(v)}`)
  }
  return `${lines.join('\n')}\n`
}
