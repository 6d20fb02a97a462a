/**
 * files.list / images.list as generate_list.sh renders them, plus the checksum Kubespray
 * itself verifies for every file (files.json).
 */
import { Templar, VariableTemplatingError, type VariableMap } from '../ansible/templar.js'
import { TemplateRuntimeError } from '../jinja/render.js'
import { TemplateSyntaxError } from '../jinja/lexer.js'
import { versionCompare } from '../ansible/version.js'
import { Undefined, UndefinedError, dictGet, pyStr, type Value } from '../python/values.js'
import { scrapeFileLines, scrapeImageLines, templateText, KUBE_IMAGES, type TemplateLine } from './templates.js'
import { collectSecretStrings, isSecretName } from '../secrets.js'
import { toJson } from '../bundle.js'
import { DownloadEntryError, roleDownloads, type RoleDownloads, type RoleFile } from './downloads.js'

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
  const role = downloadRoleView(templar, input)
  // The download role's own entries (not another role's second fetch in its own scope).
  const entries = role.files.filter((f) => f.wantedBy.role === 'download')
  const warnings: string[] = []
  const files = describeFiles(entries, filesList, fileLines, warnings)
  const images = zipLines(imagesList, imageLines).map(([ref, line]) => ({ ref, component: line?.component ?? 'image' }))
  const downloads = entries.map((f) => ({ component: f.component, url: f.url, ...(f.urlVariable ? { urlVariable: f.urlVariable } : {}) }))
  return { filesList, imagesList, files, images, warnings, kubeVersion, downloads, role, secretValues: secretValues(templar) }
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
 * url renders to it (the first such entry), from the download role's view. Older releases
 * give bare hex under `sha256:` (0 meaning none), newer ones `checksum: <algo>:<hex>`.
 */
function describeFiles(entries: readonly RoleFile[], filesList: string, lines: TemplateLine[], warnings: string[]): FileEntry[] {
  const byUrl = new Map<string, RoleFile>()
  for (const entry of entries) if (!byUrl.has(entry.url)) byUrl.set(entry.url, entry)
  return zipLines(filesList, lines).map(([url, line]) => {
    const entry = byUrl.get(url)
    const component = entry?.component ?? line?.component ?? 'file'
    if (!entry) warnings.push(`${url}: no Kubespray downloads entry has this url, so there is no checksum to verify it against`)
    else if (!entry.checksum) warnings.push(`${url}: ${entry.checksumProblem ?? 'Kubespray gives no checksum for it'}`)
    return { url, checksum: entry?.checksum ?? null, component }
  })
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
