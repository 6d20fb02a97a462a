/**
 * What Kubespray's download role fetches, read the way its tasks read it
 * (roles/download/tasks/main.yml), so the bundle holds what the role asks for and not only what
 * generate_list.sh scrapes:
 *   - every `downloads` entry, combined over `download_defaults` (so a missing `enabled`,
 *     `file` or `container` is false), fetched when `enabled` renders true;
 *   - a file by its `url`, checked by `get_url` against `checksum` (`sha256` in older trees);
 *   - a container by `repo:tag`, or `repo@sha256:<sha256>` when the entry gives a `sha256`
 *     (set_container_facts.yml), pulled only when `download_container` holds;
 *   - kubeadm's images (prep_kubeadm_images.yml: `kubeadm config images list` without coredns
 *     and pause): kube-apiserver, -controller-manager, -scheduler and -proxy under
 *     `kubeadm_image_repo`, and etcd's image when `etcd_deployment_type` is kubeadm.
 * An enabled entry whose url, checksum or image cannot be rendered is an error naming the entry
 * and the variable: the role would fail there, on the far side. Pure: a templar in, entries out.
 */
import type { Templar } from '../ansible/templar.js'
import { TemplateRuntimeError } from '../jinja/render.js'
import { Undefined, UndefinedError, dictGet, pyStr, truthy, type PyDict, type Value } from '../python/values.js'

/** Which role and variable make Kubespray fetch something the lists do not name. */
export interface WantedBy {
  role: string
  variable: string
}

export interface RoleFile {
  component: string
  url: string
  /** X when the entry's url is exactly "{{ X }}" (the variable that moves it). */
  urlVariable?: string
  /** `sha256:<hex>` (or another algorithm), null when Kubespray checks nothing. */
  checksum: string | null
  /** Why a disabled entry has no checksum here (its version is not in Kubespray's tables). */
  checksumProblem?: string
  enabled: boolean
  wantedBy: WantedBy
}

export interface RoleImage {
  component: string
  ref: string
  enabled: boolean
  wantedBy: WantedBy
}

export interface RoleDownloads {
  files: RoleFile[]
  images: RoleImage[]
}

/** `--extras`: what beyond the lists goes into a bundle. */
export type ExtrasPolicy = 'enabled' | 'all' | 'none'
export const EXTRAS_POLICIES: readonly ExtrasPolicy[] = ['enabled', 'all', 'none']

export class DownloadEntryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DownloadEntryError'
  }
}

type Rendered = { ok: true; value: Value } | { ok: false; why: string }

function render(templar: Templar, raw: Value): Rendered {
  try {
    const value = templar.template(raw)
    return value instanceof Undefined ? { ok: false, why: value.hint } : { ok: true, value }
  } catch (e) {
    const cause = e instanceof TemplateRuntimeError ? e.original : e
    if (cause instanceof UndefinedError) return { ok: false, why: cause.undefinedValue.hint }
    if (cause instanceof Error) return { ok: false, why: cause.message }
    throw e
  }
}

/**
 * `downloads` entries a role fetches again itself, in its own scope: roles/kubernetes-apps/argocd
 * includes download_file.yml with downloads.argocd_install while its defaults are loaded, and
 * its `argocd_version` (2.14.5 in v2.31.0) overrides kubespray_defaults' (2.14.21, what the
 * download role fetches). Kubespray fetches both: the bundle holds both.
 */
export const ENTRY_ROLE_SCOPES: Readonly<Record<string, string>> = {
  argocd_install: 'kubernetes-apps/argocd'
}

/** The download role's view of every `downloads` entry and of kubeadm's images. */
export function roleDownloads(
  templar: Templar,
  kubeImageLine: string,
  kubeImages: readonly string[],
  downloadYmlPath: string,
  /** A templar per role of ENTRY_ROLE_SCOPES whose defaults the tree has. */
  roleScopes: ReadonlyMap<string, Templar> = new Map()
): RoleDownloads {
  const out: RoleDownloads = { files: [], images: [] }
  const raw = templar.rawValue('downloads')
  if (!(raw instanceof Map)) return out
  const pullsContainers = flag(templar, templar.rawValue('download_container') ?? true, 'download_container', downloadYmlPath)
  for (const [key, spec] of raw) {
    if (!(spec instanceof Map)) continue
    const component = pyStr(key as Value)
    const entry = new EntryReader(templar, spec, component, downloadYmlPath)
    const enabled = entry.flag('enabled')
    const wantedBy = { role: 'download', variable: `downloads.${component}` }
    if (entry.flag('file')) {
      const url = entry.text('url', enabled)
      if (url === undefined) continue
      out.files.push({ component, url, ...entry.urlVariable(), ...entry.checksum(enabled), enabled, wantedBy })
      const role = Object.hasOwn(ENTRY_ROLE_SCOPES, component) ? ENTRY_ROLE_SCOPES[component] : undefined
      const scope = role === undefined ? undefined : roleScopes.get(role)
      if (role !== undefined && scope !== undefined) {
        const inRole = new EntryReader(scope, spec, component, downloadYmlPath)
        const roleEnabled = inRole.flag('enabled')
        const roleUrl = inRole.text('url', roleEnabled)
        if (roleUrl !== undefined && roleUrl !== url) {
          out.files.push({ component, url: roleUrl, ...inRole.urlVariable(), ...inRole.checksum(roleEnabled), enabled: roleEnabled, wantedBy: { role, variable: `downloads.${component}` } })
        }
      }
    } else if (entry.flag('container')) {
      const ref = entry.image(enabled)
      if (ref !== undefined) out.images.push({ component, ref, enabled: enabled && pullsContainers, wantedBy })
    }
  }
  out.images.push(...kubeadmImages(templar, kubeImageLine, kubeImages, downloadYmlPath))
  return out
}

/** Reads one `downloads` entry's fields, failing loudly only where the role would. */
class EntryReader {
  constructor(
    private readonly templar: Templar,
    private readonly spec: PyDict,
    private readonly component: string,
    private readonly path: string
  ) {}

  flag(name: string): boolean {
    const raw = dictGet(this.spec, name)
    return raw === undefined ? false : flag(this.templar, raw, `downloads.${this.component}.${name}`, this.path)
  }

  /** A field's text; an undefined one fails an enabled entry and drops a disabled one. */
  text(name: string, enabled: boolean): string | undefined {
    const raw = dictGet(this.spec, name)
    if (raw === undefined || raw === null) return this.missing(name, 'is not set', enabled)
    const r = render(this.templar, raw)
    if (!r.ok) return this.missing(name, `renders with an undefined variable: ${r.why}`, enabled)
    const text = pyStr(r.value).trim()
    return text === '' || text === 'None' ? this.missing(name, 'renders empty', enabled) : text
  }

  /** `checksum` (or older trees' `sha256`), and for a disabled entry whose value does not render, why. */
  checksum(enabled: boolean): { checksum: string | null; checksumProblem?: string } {
    const field = dictGet(this.spec, 'checksum') !== undefined ? 'checksum' : 'sha256'
    const raw = dictGet(this.spec, field)
    const r: Rendered = raw === undefined ? { ok: false, why: `no ${field}` } : render(this.templar, raw)
    if (!r.ok) {
      if (enabled && raw !== undefined) this.fail(field, `renders with an undefined variable: ${r.why} (Kubespray has no checksum for this version: choose one it knows, or give the checksum)`)
      return { checksum: null, checksumProblem: `its checksum is not in Kubespray's tables (${r.why}); the version is probably not one this Kubespray release knows` }
    }
    return { checksum: normalizeChecksum(r.value, field === 'sha256' ? 'sha256' : null) }
  }

  /** The variable a url of exactly "{{ X }}" names. */
  urlVariable(): { urlVariable?: string } {
    const raw = dictGet(this.spec, 'url')
    const variable = typeof raw === 'string' ? /^\{\{\s*(\w+)\s*\}\}$/.exec(raw)?.[1] : undefined
    return variable ? { urlVariable: variable } : {}
  }

  image(enabled: boolean): string | undefined {
    const repo = this.text('repo', enabled)
    if (repo === undefined) return undefined
    const digest = dictGet(this.spec, 'sha256')
    if (digest !== undefined) {
      const r = render(this.templar, digest)
      if (r.ok && truthy(r.value) && pyStr(r.value).trim() !== 'None') return `${repo}@sha256:${pyStr(r.value).trim().replace(/^sha256:/, '')}`
    }
    const tag = this.text('tag', enabled)
    return tag === undefined ? undefined : `${repo}:${tag}`
  }

  private missing(name: string, why: string, enabled: boolean): undefined {
    if (enabled) this.fail(name, why)
    return undefined
  }

  private fail(name: string, why: string): never {
    throw new DownloadEntryError(
      `downloads.${this.component}.${name} (${this.path}) ${why}; the component is enabled, so Kubespray's download role would fail here. ` +
        'Define the variable (-e NAME=VALUE, a vars file or the inventory), or disable the component.'
    )
  }
}

function flag(templar: Templar, raw: Value, what: string, path: string): boolean {
  const r = render(templar, raw)
  if (!r.ok) throw new DownloadEntryError(`${what} (${path}) renders with an undefined variable: ${r.why}; define it (-e NAME=VALUE) so the download role can decide`)
  // As Ansible's `when:` reads it: a boolean as it is, any non-empty string true (-e x=false
  // gives the string "false", which Ansible runs with); the templar already made True/False booleans.
  return truthy(r.value)
}

/**
 * kubeadm's images as `kubeadm config images list` names them for the role's config: the
 * generate_list.sh kube-* line under `kubeadm_image_repo` (when the tree has it), and etcd's
 * image when kubeadm deploys etcd.
 */
function kubeadmImages(templar: Templar, kubeImageLine: string, kubeImages: readonly string[], path: string): RoleImage[] {
  const wantedBy = { role: 'download', variable: 'kubeadm_images' }
  const line = templar.rawValue('kubeadm_image_repo') === undefined ? kubeImageLine : kubeImageLine.replace(/\bkube_image_repo\b/, 'kubeadm_image_repo')
  const images: RoleImage[] = []
  for (const name of kubeImages) {
    const r = render(templar, line.replace('$i', name))
    if (!r.ok) throw new DownloadEntryError(`kubeadm's image ${name} (${line}, as ${path} names it) renders with an undefined variable: ${r.why}`)
    images.push({ component: `kubeadm_${name}`, ref: pyStr(r.value), enabled: true, wantedBy })
  }
  const etcdType = templar.resolve('etcd_deployment_type')
  if (!(etcdType instanceof Undefined) && pyStr(etcdType) === 'kubeadm') {
    const r = render(templar, '{{ etcd_image_repo }}:{{ etcd_image_tag }}')
    if (!r.ok) throw new DownloadEntryError(`kubeadm's etcd image (etcd_deployment_type: kubeadm) renders with an undefined variable: ${r.why}`)
    images.push({ component: 'kubeadm_etcd', ref: pyStr(r.value), enabled: true, wantedBy })
  }
  return images
}

/** `sha256:<hex>` from either form; 0, '' and None mean "no checksum". */
export function normalizeChecksum(value: Value, bareAlgorithm: 'sha256' | null): string | null {
  if (value === null || value === 0 || value === false) return null
  const text = pyStr(value).trim()
  if (text === '' || text === '0' || text === 'None') return null
  const prefixed = /^(sha1|sha224|sha256|sha384|sha512|md5):([0-9a-fA-F]+)$/.exec(text)
  if (prefixed) return `${prefixed[1]}:${prefixed[2].toLowerCase()}`
  if (/^[0-9a-fA-F]+$/.test(text)) {
    const algorithm = bareAlgorithm ?? ({ 64: 'sha256', 128: 'sha512', 40: 'sha1' } as Record<number, string>)[text.length]
    if (algorithm) return `${algorithm}:${text.toLowerCase()}`
  }
  return null
}

/**
 * What the role fetches that the lists do not name, under a policy: `enabled` (what the vars
 * turn on: what the role fetches), `all` (every entry that renders), `none`.
 */
export function beyondLists(role: RoleDownloads, listedUrls: ReadonlySet<string>, listedImages: ReadonlySet<string>, policy: ExtrasPolicy): RoleDownloads {
  const wanted = (enabled: boolean): boolean => policy === 'all' || (policy === 'enabled' && enabled)
  const once = <T>(items: T[], key: (item: T) => string): T[] => [...new Map(items.map((i) => [key(i), i])).values()]
  return {
    files: once(role.files.filter((f) => wanted(f.enabled) && !listedUrls.has(f.url)), (f) => f.url),
    images: once(role.images.filter((i) => wanted(i.enabled) && !listedImages.has(i.ref)), (i) => i.ref)
  }
}
