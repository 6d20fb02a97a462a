/**
 * The `lists` job: Kubespray tree + inventories + extra vars -> files.list, images.list,
 * files.json under one output directory. Shared by the CLI and the action.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { findVarsFiles, loadVarsFile, readKubesprayTree, type KubesprayTree } from '../adapters/kubespray-tree.js'
import { readInventoryVars } from '../adapters/inventory-files.js'
import { ensureDirUnder, writeFileAtomic } from '../adapters/fs-atomic.js'
import { mergeLayers, type VarLayer } from '../domain/ansible/layers.js'
import { extraVarsLayer } from '../domain/ansible/extra-vars.js'
import { hostFacts, MACHINE_OF_ARCH, type ImageArch } from '../domain/kubespray/facts.js'
import { generateLists, type DownloadEntry, type FileEntry, type GeneratedLists, type ImageEntry } from '../domain/kubespray/lists.js'
import type { PyDict, PyKey, Value } from '../domain/python/values.js'
import { ENTRY_ROLE_SCOPES, type RoleDownloads } from '../domain/kubespray/downloads.js'
import { findLeaks } from '../domain/secrets.js'
import { markSecrets } from '../domain/kubespray/secret-marks.js'
import { redactText } from '../domain/redact.js'
import { InputError } from '../domain/errors.js'

export interface ListsRequest {
  kubesprayDir: string
  outDir: string
  /** `-e` arguments in the order given. */
  extraVars: readonly string[]
  inventories: readonly string[]
  /** --arch: image_arch and the control host's facts; otherwise the machine's own. */
  arch?: ImageArch
  /** `uname -m` of this machine, for when no --arch is given. */
  hostMachine: string
  /** Where relative `-e @file` and `-i` paths are read from. */
  cwd: string
  environment?: Readonly<Record<string, string | undefined>>
  /** Applied to each list's text before it is written (a bundle's lists are published: no secrets). */
  redact?: (text: string) => string
  /**
   * Refuse, before writing anything, when a secret variable's value is in a url or image the
   * lists or the download role name (a bundle publishes them, and the files' paths).
   */
  refuseLeaks?: boolean
}

export interface ListsResult {
  outDir: string
  files: FileEntry[]
  images: ImageEntry[]
  warnings: string[]
  kubesprayRole: string
  kubeVersion: string
  downloads: DownloadEntry[]
  /** What Kubespray's download role fetches (domain/kubespray/downloads.ts). */
  role: RoleDownloads
  /** The rendered values of secret-named variables. */
  secretValues: Array<{ name: string; value: string }>
}

export const LIST_FILES = { files: 'files.list', images: 'images.list', manifest: 'files.json' } as const

function magicVariables(tree: KubesprayTree, groupNames: string[], groups: Map<string, string[]>): VarLayer {
  const groupsDict: PyDict = new Map<PyKey, Value>([...groups.entries()].map(([g, hosts]) => [g, hosts]))
  return {
    origin: 'magic variables',
    vars: new Map<PyKey, Value>([
      ['inventory_hostname', 'localhost'],
      ['inventory_hostname_short', 'localhost'],
      ['group_names', groupNames],
      ['groups', groupsDict],
      ['playbook_dir', tree.root],
      ['ansible_check_mode', false],
      ['ansible_play_hosts', ['localhost']],
      ['ansible_play_hosts_all', ['localhost']],
      ['omit', '__omit_place_holder__kubespray_bundle']
    ])
  }
}

/**
 * Variables in the scope of each role that fetches a downloads entry itself
 * (ENTRY_ROLE_SCOPES): that role's defaults over kubespray_defaults', as Ansible loads them
 * when the role runs. Roles the tree lacks are left out.
 */
function roleScopes(request: ListsRequest, tree: KubesprayTree): Map<string, ReturnType<typeof mergeLayers>> {
  const scopes = new Map<string, ReturnType<typeof mergeLayers>>()
  for (const role of new Set(Object.values(ENTRY_ROLE_SCOPES))) {
    const files = findVarsFiles(join(tree.root, 'roles', role, 'defaults'))
    if (files.length) scopes.set(role, composeVariables(request, tree, files.map((f) => loadVarsFile(f, tree.root))))
  }
  return scopes
}

export function composeVariables(request: ListsRequest, tree: KubesprayTree, roleDefaults: VarLayer[] = []): ReturnType<typeof mergeLayers> {
  const at = (p: string): string => (isAbsolute(p) ? p : join(request.cwd, p))
  const inventory = readInventoryVars(request.inventories.map(at), tree.root, 'localhost', request.cwd)
  const machine = request.arch ? MACHINE_OF_ARCH[request.arch] : request.hostMachine
  const archLayer: VarLayer[] = request.arch ? [{ origin: '--arch', vars: new Map([['image_arch', request.arch]]) }] : []
  const extra = request.extraVars.map((arg) => extraVarsLayer(arg, (p) => readFileSync(at(p), 'utf8')))
  const groups = new Map<string, string[]>(
    [...inventory.inventory.groups.values()].map((g) => [g.name, [...g.hosts]])
  )
  groups.set('all', [...new Set([...inventory.inventory.groups.values()].flatMap((g) => [...g.hosts]))])
  return mergeLayers([
    ...tree.roleDefaults,
    ...roleDefaults,
    ...inventory.layers,
    { origin: 'facts', vars: hostFacts(machine) },
    ...tree.roleVars,
    ...archLayer,
    ...extra,
    magicVariables(tree, inventory.groupNames, groups)
  ])
}

/** Generates everything in memory first, so a failure writes nothing under outDir. */
export async function runLists(request: ListsRequest): Promise<ListsResult> {
  const tree = readKubesprayTree(resolve(request.cwd, request.kubesprayDir))
  const variables = composeVariables(request, tree)
  const input = {
    downloadYml: tree.downloadYml,
    kubeImageLine: tree.kubeImageLine,
    kubeImages: tree.kubeImages,
    variables,
    environment: request.environment,
    roleScopes: roleScopes(request, tree)
  }
  const lists = generateLists(input)
  if (request.refuseLeaks) {
    const marking = markSecrets(variables)
    refuseLeaks(lists, () => generateLists({ ...input, variables: marking.variables }), marking.marks)
  }
  const outDir = resolve(request.cwd, request.outDir)
  const manifest = `${JSON.stringify({ files: lists.files, images: lists.images, downloads: lists.downloads, role: lists.role }, null, 2)}\n`
  await ensureDirUnder(outDir, '.')
  const written = request.redact ?? ((text: string) => text)
  await writeFileAtomic(join(outDir, LIST_FILES.files), written(lists.filesList))
  await writeFileAtomic(join(outDir, LIST_FILES.images), written(lists.imagesList))
  await writeFileAtomic(join(outDir, LIST_FILES.manifest), written(manifest))
  return { outDir, files: lists.files, images: lists.images, warnings: lists.warnings, kubesprayRole: tree.defaultsRole, kubeVersion: lists.kubeVersion, downloads: lists.downloads, role: lists.role, secretValues: lists.secretValues }
}

/**
 * A secret that a template put into a url or an image reference stops the lists, named: the
 * lists are made again with each secret replaced by a mark (domain/kubespray/secret-marks.ts),
 * and any mark in a url (userinfo aside: it is redacted) or an image is a copy. Where the marked
 * variables do not render (a secret a template parses), the rendered values are looked for instead.
 */
function refuseLeaks(lists: GeneratedLists, marked: () => GeneratedLists, marks: Map<string, string>): void {
  if (!marks.size) return
  const placesOf = (l: GeneratedLists): Array<[string, string]> => [
    ...l.files.map((f): [string, string] => [`the url of ${f.component}`, redactText(f.url)]),
    ...l.role.files.map((f): [string, string] => [`the url of ${f.component}`, redactText(f.url)]),
    ...l.images.map((i): [string, string] => [`the image of ${i.component}`, i.ref]),
    ...l.role.images.map((i): [string, string] => [`the image of ${i.component}`, i.ref])
  ]
  let leaks: Array<{ secret: string; where: string }>
  try {
    const places = placesOf(marked())
    leaks = [...marks].flatMap(([mark, secret]) => places.filter(([, text]) => text.includes(mark)).map(([where]) => ({ secret: secret.split(/[.[]/)[0], where })))
  } catch {
    leaks = findLeaks(lists.secretValues, placesOf(lists))
  }
  if (!leaks.length) return
  const named = [...new Set(leaks.map((l) => `the value of ${l.secret} is in ${l.where}`))]
  throw new InputError(
    `${named.join('; ')}: a bundle publishes its urls (and its files' paths), so the secret would leave with it. ` +
      'Keep credentials out of url paths and image names: as userinfo (https://user:pass@host/, which is redacted), ' +
      'through --mirror FROM=TO with userinfo in TO, or in REGISTRY_AUTH_FILE for registries'
  )
}
