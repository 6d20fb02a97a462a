/**
 * The `lists` job: Kubespray tree + inventories + extra vars -> files.list, images.list,
 * files.json under one output directory. Shared by the CLI and the action.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { readKubesprayTree, type KubesprayTree } from '../adapters/kubespray-tree.js'
import { readInventoryVars } from '../adapters/inventory-files.js'
import { ensureDirUnder, writeFileAtomic } from '../adapters/fs-atomic.js'
import { mergeLayers, type VarLayer } from '../domain/ansible/layers.js'
import { extraVarsLayer } from '../domain/ansible/extra-vars.js'
import { hostFacts, MACHINE_OF_ARCH, type ImageArch } from '../domain/kubespray/facts.js'
import { generateLists, type DownloadEntry, type FileEntry, type ImageEntry } from '../domain/kubespray/lists.js'
import type { PyDict, PyKey, Value } from '../domain/python/values.js'
import type { RoleDownloads } from '../domain/kubespray/downloads.js'

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

export function composeVariables(request: ListsRequest, tree: KubesprayTree): ReturnType<typeof mergeLayers> {
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
  const lists = generateLists({
    downloadYml: tree.downloadYml,
    kubeImageLine: tree.kubeImageLine,
    kubeImages: tree.kubeImages,
    variables,
    environment: request.environment
  })
  const outDir = resolve(request.cwd, request.outDir)
  const manifest = `${JSON.stringify({ files: lists.files, images: lists.images, downloads: lists.downloads, role: lists.role }, null, 2)}\n`
  await ensureDirUnder(outDir, '.')
  const written = request.redact ?? ((text: string) => text)
  await writeFileAtomic(join(outDir, LIST_FILES.files), written(lists.filesList))
  await writeFileAtomic(join(outDir, LIST_FILES.images), written(lists.imagesList))
  await writeFileAtomic(join(outDir, LIST_FILES.manifest), written(manifest))
  return { outDir, files: lists.files, images: lists.images, warnings: lists.warnings, kubesprayRole: tree.defaultsRole, kubeVersion: lists.kubeVersion, downloads: lists.downloads, role: lists.role }
}
