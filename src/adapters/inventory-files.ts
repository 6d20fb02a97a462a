/**
 * Reads `-i` inventories (INI or YAML files, or directories of them) with their
 * group_vars/ and host_vars/, and orders the variables as ansible-core 2.14's
 * VariableManager does for one host (DEFAULT_VARIABLE_PRECEDENCE):
 * all (file) < groups (file) < group_vars/all (inventory, then playbook dir)
 * < group_vars/<group> (inventory, then playbook dir) < host (file) < host_vars.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, extname, join } from 'node:path'
import { loadYaml } from '../domain/yaml11.js'
import type { VarLayer } from '../domain/ansible/layers.js'
import { emptyInventory, hostGroups, parseIniInventory, parseYamlInventory, type Inventory } from '../domain/ansible/inventory.js'
import { findVarsFiles, loadVarsFile } from './kubespray-tree.js'

/** Ansible's INVENTORY_IGNORE_EXTS for files inside an inventory directory. */
const IGNORED_IN_DIR = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry']
const YAML_EXTS = ['.yml', '.yaml', '.json']

export class InventoryFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InventoryFileError'
  }
}

function parseInventoryFile(inv: Inventory, path: string): void {
  const text = readFileSync(path, 'utf8')
  if (YAML_EXTS.includes(extname(path))) parseYamlInventory(inv, loadYaml(text, path), path)
  else parseIniInventory(inv, text, path)
}

function inventorySourceFiles(path: string): string[] {
  if (!existsSync(path)) throw new InventoryFileError(`-i ${path}: no such file or directory`)
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path)
    .sort()
    .filter((name) => !name.startsWith('.') && name !== 'group_vars' && name !== 'host_vars')
    .filter((name) => !IGNORED_IN_DIR.some((ext) => name.endsWith(ext)))
    .map((name) => join(path, name))
    .filter((full) => statSync(full).isFile())
}

/** host_group_vars: `<dir>/group_vars/<name>` as a file (.yml/.yaml/.json/none) or directory. */
function entityVars(baseDir: string, kind: 'group_vars' | 'host_vars', name: string, root: string): VarLayer[] {
  const dir = join(baseDir, kind)
  if (!existsSync(dir)) return []
  return findVarsFiles(dir, name).map((file) => loadVarsFile(file, root))
}

export interface InventoryVars {
  layers: VarLayer[]
  /** The groups the host is in (for the magic variable group_names). */
  groupNames: string[]
  inventory: Inventory
}

/**
 * Variables of `host` from the given inventories. `playbookDir` is where generate_list.yml
 * runs (the Kubespray root): its group_vars/ and host_vars/ count too.
 */
export function readInventoryVars(paths: readonly string[], playbookDir: string, host = 'localhost', cwd = process.cwd()): InventoryVars {
  const inv = emptyInventory()
  const baseDirs: string[] = []
  for (const path of paths) {
    for (const file of inventorySourceFiles(path)) parseInventoryFile(inv, file)
    baseDirs.push(existsSync(path) && statSync(path).isDirectory() ? path : dirname(path))
  }
  const groups = hostGroups(inv, host)
  const fileGroupLayer = (name: string): VarLayer => ({
    origin: inv.origins.get(`group:${name}`) ?? 'inventory',
    vars: inv.groups.get(name)?.vars ?? new Map()
  })
  const pluginLayers = (kind: 'group_vars' | 'host_vars', name: string): VarLayer[] => [
    ...baseDirs.flatMap((d) => entityVars(d, kind, name, cwd)),
    ...entityVars(playbookDir, kind, name, cwd)
  ]
  const layers: VarLayer[] = [
    fileGroupLayer('all'),
    ...groups.map(fileGroupLayer),
    ...pluginLayers('group_vars', 'all'),
    ...groups.flatMap((g) => pluginLayers('group_vars', g)),
    { origin: inv.origins.get(`host:${host}`) ?? 'inventory', vars: inv.hostVars.get(host) ?? new Map() },
    ...pluginLayers('host_vars', host)
  ]
  return { layers, groupNames: groups, inventory: inv }
}
