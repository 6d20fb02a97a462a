/**
 * Reads what generate_list.sh reads from a Kubespray checkout: download.yml's text and
 * the variable files of the roles generate_list.yml loads. A tree holding only
 * roles/kubespray[-_]defaults/{defaults,vars}/main* is enough.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { loadYaml } from '../domain/yaml11.js'
import { asVarsMapping, type VarLayer } from '../domain/ansible/layers.js'
import {
  KUBE_IMAGE_LINE_PLAIN,
  KUBE_IMAGE_LINE_V_PREFIXED,
  KUBE_IMAGES,
  readGenerateListScript
} from '../domain/kubespray/templates.js'

export interface KubesprayTree {
  root: string
  /** roles/kubespray_defaults (v2.28 on) or roles/kubespray-defaults (before). */
  defaultsRole: string
  downloadYml: { text: string; path: string }
  kubeImageLine: string
  kubeImages: string[]
  roleDefaults: VarLayer[]
  roleVars: VarLayer[]
}

export class TreeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TreeError'
  }
}

const VARS_EXTENSIONS = ['', '.yml', '.yaml', '.json']

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory()
}

/** Ansible's _get_dir_vars_files: sorted, recursive, hidden files and other extensions skipped. */
function dirVarsFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      if (name.startsWith('.')) return []
      const full = join(dir, name)
      if (isDir(full)) return dirVarsFiles(full)
      const dot = name.lastIndexOf('.')
      const ext = dot > 0 ? name.slice(dot) : ''
      return VARS_EXTENSIONS.includes(ext) ? [full] : []
    })
}

/** DataLoader.find_vars_files(path, 'main'): the first of main, main.yml, main.yaml, main.json. */
export function findVarsFiles(dir: string, name = 'main'): string[] {
  for (const ext of VARS_EXTENSIONS) {
    const full = join(dir, name + ext)
    if (!existsSync(full)) continue
    return isDir(full) ? dirVarsFiles(full) : [full]
  }
  return []
}

export function loadVarsFile(path: string, root: string): VarLayer {
  const origin = relative(root, path) || path
  return { origin, vars: asVarsMapping(loadYaml(readFileSync(path, 'utf8'), origin), origin) }
}

function chooseDefaultsRole(root: string, playbook: string | undefined): string {
  const named = playbook ? /role:\s*(kubespray[-_]defaults)/.exec(playbook)?.[1] : undefined
  const candidates = named ? [named] : ['kubespray_defaults', 'kubespray-defaults']
  for (const role of candidates) {
    const dir = join(root, 'roles', role)
    if (findVarsFiles(join(dir, 'defaults')).length || findVarsFiles(join(dir, 'vars')).length) return role
  }
  throw new TreeError(
    `${root} is not a Kubespray tree: found no roles/${candidates.join(' or roles/')}/defaults/main*. ` +
      'Point --kubespray-dir at the root of a Kubespray checkout (the directory holding roles/).'
  )
}

function readOptional(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined
}

export function readKubesprayTree(root: string): KubesprayTree {
  if (!isDir(root)) throw new TreeError(`--kubespray-dir ${root}: no such directory`)
  const script = readOptional(join(root, 'contrib/offline/generate_list.sh'))
  const playbook = readOptional(join(root, 'contrib/offline/generate_list.yml'))
  const defaultsRole = chooseDefaultsRole(root, playbook)
  const fromScript = script ? readGenerateListScript(script) : {}
  const downloadRel = fromScript.downloadYml ?? `roles/${defaultsRole}/defaults/main/download.yml`
  const downloadPath = join(root, downloadRel)
  if (!existsSync(downloadPath)) {
    throw new TreeError(`${downloadRel} is missing from ${root}: generate_list.sh scrapes the list templates from it`)
  }
  // Kubespray v2.28 dropped the v from kube_version and moved it into the script's line.
  const kubeImageLine =
    fromScript.kubeImageLine ?? (defaultsRole === 'kubespray_defaults' ? KUBE_IMAGE_LINE_V_PREFIXED : KUBE_IMAGE_LINE_PLAIN)
  const roles = [join(root, 'roles', defaultsRole), join(root, 'roles', 'download')]
  const load = (sub: string): VarLayer[] => roles.flatMap((role) => findVarsFiles(join(role, sub)).map((f) => loadVarsFile(f, root)))
  return {
    root,
    defaultsRole,
    downloadYml: { text: readFileSync(downloadPath, 'utf8'), path: downloadRel },
    kubeImageLine,
    kubeImages: fromScript.kubeImages?.length ? fromScript.kubeImages : KUBE_IMAGES,
    roleDefaults: load('defaults'),
    roleVars: load('vars')
  }
}
