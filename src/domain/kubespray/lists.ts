/**
 * files.list / images.list as generate_list.sh renders them, plus the checksum Kubespray
 * itself verifies for every file (files.json).
 */
import { Templar, VariableTemplatingError, type VariableMap } from '../ansible/templar.js'
import { TemplateRuntimeError } from '../jinja/render.js'
import { TemplateSyntaxError } from '../jinja/lexer.js'
import { toBool } from '../jinja/filters.js'
import { versionCompare } from '../ansible/version.js'
import { Undefined, UndefinedError, dictGet, pyStr, truthy, type Value } from '../python/values.js'
import { scrapeFileLines, scrapeImageLines, templateText, KUBE_IMAGES, type TemplateLine } from './templates.js'
import { collectSecretStrings, isSecretName } from '../secrets.js'
import { toJson } from '../bundle.js'
import { DownloadEntryError, normalizeChecksum, roleDownloads, type RoleDownloads } from './downloads.js'

export interface FileEntry {
  url: string
  /** `sha256:<hex>` / `sha512:<hex>`, or null when Kubespray verifies nothing. */
  checksum: string | null
  component: string
}

export interface ImageEntry {
  ref: string
  component: string
}

export interface GeneratedLists {
  filesList: string
  imagesList: string
  files: FileEntry[]
  images: ImageEntry[]
  /** Things a user should know that do not stop the lists (a file with no checksum). */
  warnings: string[]
  /** The kube_version the lists were made for. */
  kubeVersion: string
  /**
   * What Kubespray's download role fetches: each `downloads` entry with `file: true`, its `url`
   * templated (so `*_download_url` overrides count, which the scraped files.list never shows).
   */
  downloads: DownloadEntry[]
  /** The download role's view: every entry it would fetch or skip, and kubeadm's images. */
  role: RoleDownloads
  /** The rendered values of the variables whose names say secret (domain/secrets.ts). */
  secretValues: Array<{ name: string; value: string }>
}

export interface DownloadEntry {
  component: string
  url: string
  /** X when the entry's url is exactly "{{ X }}" (the variable that moves it). */
  urlVariable?: string
}

export interface GenerateInput {
  downloadYml: { text: string; path: string }
  /** The script's kube-* line, `$i` standing for the image name. */
  kubeImageLine: string
  kubeImages?: string[]
  variables: VariableMap
  environment?: Readonly<Record<string, string | undefined>>
  /** The variables in the scope of a role that fetches a downloads entry itself (ENTRY_ROLE_SCOPES). */
  roleScopes?: ReadonlyMap<string, VariableMap>
}

/** A user-facing failure: the message says what is wrong and what to do. */
export class ListGenerationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ListGenerationError'
  }
}

export function generateLists(input: GenerateInput): GeneratedLists {
  const templar = new Templar(input.variables, { environment: input.environment })
  const kubeVersion = guardKubeVersion(templar)
  const fileLines = scrapeFileLines(input.downloadYml.text)
  const imageLines = scrapeImageLines(input.downloadYml.text, input.kubeImageLine, input.kubeImages)
  const filesList = renderList(templar, 'files.list', fileLines, input.downloadYml.path)
  const imagesList = renderList(templar, 'images.list', imageLines, input.downloadYml.path)
  const warnings: string[] = []
  const files = describeFiles(templar, filesList, fileLines, warnings)
  const images = zipLines(imagesList, imageLines).map(([ref, line]) => ({ ref, component: line?.component ?? 'image' }))
  const role = downloadRoleView(templar, input)
  return { filesList, imagesList, files, images, warnings, kubeVersion, downloads: fileDownloads(templar), role, secretValues: secretValues(templar) }
}

/**
 * What each secret-named variable renders to (its secret strings: domain/secrets.ts), wherever
 * it was defined (inventory, -e, a role default), so a copy of it in a url can be found. A
 * variable that does not render is no value to look for.
 */
function secretValues(templar: Templar): Array<{ name: string; value: string }> {
  const found: Array<{ name: string; value: string }> = []
  for (const name of templar.variableNames()) {
    if (!isSecretName(name)) continue
    let resolved: Value
    try {
      resolved = templar.resolve(name)
    } catch {
      continue
    }
    if (resolved instanceof Undefined) continue
    const value = toJson(resolved)
    const strings: string[] = []
    collectSecretStrings(value, strings)
    for (const v of strings) found.push({ name, value: v })
  }
  return found
}

function downloadRoleView(templar: Templar, input: GenerateInput): RoleDownloads {
  try {
    const scopes = new Map([...(input.roleScopes ?? new Map<string, VariableMap>())].map(([role, vars]) => [role, new Templar(vars, { environment: input.environment })]))
    return roleDownloads(templar, input.kubeImageLine, input.kubeImages ?? KUBE_IMAGES, input.downloadYml.path, scopes)
  } catch (e) {
    if (e instanceof DownloadEntryError) throw new ListGenerationError(e.message)
    throw e
  }
}

function renderList(templar: Templar, name: string, lines: TemplateLine[], downloadYmlPath: string): string {
  const text = templateText(lines)
  try {
    return pyStr(templar.render(text, { convertData: false, escapeBackslashes: false }))
  } catch (e) {
    throw explainTemplateFailure(e, name, lines, downloadYmlPath)
  }
}

function explainTemplateFailure(e: unknown, name: string, lines: TemplateLine[], downloadYmlPath: string): Error {
  const line = e instanceof TemplateRuntimeError || e instanceof TemplateSyntaxError ? e.line : undefined
  const cause = e instanceof TemplateRuntimeError ? e.original : (e as Error)
  const where = line ? `${name} template line ${line} (${lines[line - 1]?.template ?? '?'}, scraped from ${downloadYmlPath})` : `${name} template`
  if (cause instanceof UndefinedError) {
    return new ListGenerationError(
      `${where}: undefined variable: ${cause.message}\n` +
        'Define it with -e NAME=VALUE, in a vars file (-e @vars.yml) or in the inventory (-i), or check the Kubespray tree is complete.'
    )
  }
  if (cause instanceof VariableTemplatingError) return new ListGenerationError(`${where}: ${cause.message}`)
  return new ListGenerationError(`${where}: ${cause.name}: ${cause.message}`)
}

function splitLines(list: string): string[] {
  const lines = list.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** Pairs rendered lines with their template lines (1:1 unless a template spans lines). */
function zipLines(list: string, templateLines: TemplateLine[]): [string, TemplateLine | undefined][] {
  const rendered = splitLines(list)
  const aligned = rendered.length === templateLines.length
  return rendered.map((l, i) => [l, aligned ? templateLines[i] : undefined])
}

/**
 * The checksum Kubespray verifies for each url: the `downloads` entry (`file: true`) whose
 * url renders to it. Older releases give bare hex under `sha256:` (0 meaning none), newer
 * ones `checksum: <algo>:<hex>`.
 */
function describeFiles(templar: Templar, filesList: string, lines: TemplateLine[], warnings: string[]): FileEntry[] {
  const byUrl = downloadsByUrl(templar)
  return zipLines(filesList, lines).map(([url, line]) => {
    const entry = byUrl.get(url)
    const component = entry?.component ?? line?.component ?? 'file'
    if (!entry) warnings.push(`${url}: no Kubespray downloads entry has this url, so there is no checksum to verify it against`)
    else if (!entry.checksum) warnings.push(`${url}: ${entry.reason ?? 'Kubespray gives no checksum for it'}`)
    return { url, checksum: entry?.checksum ?? null, component }
  })
}

interface DownloadFile {
  component: string
  checksum: string | null
  reason?: string
}

function downloadsByUrl(templar: Templar): Map<string, DownloadFile> {
  const found = new Map<string, DownloadFile>()
  const raw = templar.rawValue('downloads')
  if (!(raw instanceof Map)) return found
  for (const [key, spec] of raw) {
    if (!(spec instanceof Map)) continue
    const field = (name: string): Value => {
      const v = dictGet(spec, name)
      return v === undefined ? new Undefined(`no ${name}`) : safeTemplate(templar, v)
    }
    const file = field('file')
    if (file instanceof Undefined || !truthy(toBool(file))) continue
    const url = field('url')
    if (typeof url !== 'string' || found.has(url)) continue
    const component = pyStr(key as Value)
    const hasChecksum = dictGet(spec, 'checksum') !== undefined
    const checksum = field(hasChecksum ? 'checksum' : 'sha256')
    if (checksum instanceof Undefined) {
      found.set(url, { component, checksum: null, reason: `its checksum is not in Kubespray's tables (${checksum.hint}); the version is probably not one this Kubespray release knows` })
    } else {
      found.set(url, { component, checksum: normalizeChecksum(checksum, hasChecksum ? null : 'sha256') })
    }
  }
  return found
}

function fileDownloads(templar: Templar): DownloadEntry[] {
  const raw = templar.rawValue('downloads')
  if (!(raw instanceof Map)) return []
  const out: DownloadEntry[] = []
  for (const [key, spec] of raw) {
    if (!(spec instanceof Map)) continue
    const file = dictGet(spec, 'file')
    if (file === undefined || !truthy(toBool(safeTemplate(templar, file)))) continue
    const rawUrl = dictGet(spec, 'url')
    const url = rawUrl === undefined ? undefined : safeTemplate(templar, rawUrl)
    if (typeof url !== 'string') continue
    const variable = typeof rawUrl === 'string' ? /^\{\{\s*(\w+)\s*\}\}$/.exec(rawUrl)?.[1] : undefined
    out.push({ component: pyStr(key as Value), url, ...(variable ? { urlVariable: variable } : {}) })
  }
  return out
}

function safeTemplate(templar: Templar, value: Value): Value {
  try {
    return templar.template(value)
  } catch (e) {
    const cause = e instanceof TemplateRuntimeError ? e.original : e
    if (cause instanceof UndefinedError) return cause.undefinedValue
    // A broken field of one downloads entry must not stop the lists: it only loses its checksum.
    if (cause instanceof Error) return new Undefined(cause.message)
    throw e
  }
}

/**
 * Kubespray's own guard (validate_inventory): kube_version must be at least
 * kube_version_min_required, and Kubespray must have checksums for it, or its downloads fail.
 */
function guardKubeVersion(templar: Templar): string {
  const kubeVersion = templar.resolve('kube_version')
  if (kubeVersion instanceof Undefined) {
    throw new ListGenerationError(`kube_version is undefined: ${kubeVersion.hint}`)
  }
  const version = pyStr(kubeVersion)
  const supported = supportedKubeVersions(templar)
  const range = supported.length ? `supported: ${supported[supported.length - 1]} to ${supported[0]} (${supported.join(', ')})` : ''
  const minimum = templar.resolve('kube_version_min_required')
  if (!(minimum instanceof Undefined)) {
    let tooOld: boolean
    try {
      tooOld = !versionCompare(version, pyStr(minimum), '>=')
    } catch {
      // Not comparable (a 'v' prefix where the tree has none): the membership check below says why.
      tooOld = false
    }
    if (tooOld) {
      throw new ListGenerationError(
        `The current release of Kubespray only support newer version of Kubernetes than ${pyStr(minimum)} - You are trying to apply ${version}\n${range}`
      )
    }
  }
  if (supported.length && !supported.includes(version)) {
    const hint = supported.includes(version.replace(/^v/, '')) ? ` (write it without the leading 'v': ${version.replace(/^v/, '')})` : ''
    throw new ListGenerationError(
      `kube_version ${version} is not supported by this Kubespray tree: it has no kubelet checksum for it${hint}\n${range}`
    )
  }
  return version
}

function supportedKubeVersions(templar: Templar): string[] {
  const table = templar.resolve('kubelet_checksums')
  if (!(table instanceof Map)) return []
  const arch = templar.resolve('image_arch')
  const forArch = dictGet(table, arch instanceof Undefined ? 'amd64' : arch) ?? dictGet(table, 'amd64')
  if (!(forArch instanceof Map)) return []
  return [...forArch.keys()].map((k) => pyStr(k as Value))
}
