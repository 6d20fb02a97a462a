/**
 * Everything a Kubespray tree would fetch, read from its roles rather than from
 * generate_list.sh: each image reference and url, rendered with the variables, with the role,
 * file and variable that want it, and whether that role runs with these variables.
 *
 * Where references are found:
 *   downloads      each entry of the download role's `downloads` (repo/tag/sha256, url)
 *   defaults/vars  each role's `X_image_repo` with its `X_image_tag`, and its fetched urls
 *                  (`*_download_url`, `*_install_url`, a Helm `*_repository_url`)
 *   templates      each `image:` line of a role's templates (or its `repository:`/`tag:` block,
 *                  as in Cilium's Helm values)
 *
 * Whether a role runs is read the way Ansible would: from cluster.yml down through its plays'
 * roles, meta/main.yml dependencies and include_role/import_role tasks (a loop's items and a
 * task's vars included), each `when:` rendered with the templar in the scope Ansible renders it
 * in: the play's vars and the defaults of every role of the play, then the role's own. A
 * condition that picks a host (inventory_hostname, groups) counts as true: it says where, not
 * whether. A condition that cannot be rendered makes the role "unknown"; so does every role of a
 * tree without cluster.yml (role defaults only).
 * A variable defined in the defaults every play loads (kubespray_defaults, download) belongs to
 * whoever reads it: the `downloads` entries that name it (their `enabled`), else the roles whose
 * files name it.
 *
 * Pure: the tree's texts and the variables in, references out.
 */
import { Templar, type Variable, type VariableMap } from '../ansible/templar.js'
import type { TemplarOptions } from '../ansible/templar.js'
import { TemplateRuntimeError } from '../jinja/render.js'
import { toBool } from '../jinja/filters.js'
import { parseReference } from '../images/reference.js'
import { redactText } from '../redact.js'
import { loadYaml } from '../yaml11.js'
import { Undefined, UndefinedError, dictGet, pyStr, truthy, type PyDict, type Value } from '../python/values.js'

export type ReferenceKind = 'image' | 'file' | 'chart-repository' | 'chart'
export type EnabledState = 'yes' | 'no' | 'unknown'

/** Whether something runs, and the condition that decided it. */
export interface Enablement {
  state: EnabledState
  because: string
}

/** One place in the tree that wants a reference. */
export interface ReferenceSource {
  /** The role, as roles/ names it (kubernetes-apps/argocd), or `download` for a downloads entry. */
  role: string
  /** The file, relative to the tree's root. */
  file: string
  line?: number
  /** The variable (or `downloads.<entry>`) that holds it. */
  variable: string
  /** As written in the file. */
  expression: string
  enabled: Enablement
}

/**
 * A Helm chart a role installs: from which repository, which version, with which values, and
 * the variable that moves its repository (offline.yml points it at the bundle's copy).
 */
export interface ChartCoordinates {
  repository: string
  name: string
  version: string
  /** The values the role passes, rendered (Helm merges them over the chart's own). */
  values: unknown
  /**
   * `url`: the variable holds the repository's url (helm-apps' `repositories`);
   * `repository-flag`: the variable holds command-line flags, where `--repository URL` moves it
   * (the Cilium CLI's `cilium_install_extra_flags`).
   */
  movedBy: { variable: string; form: 'url' | 'repository-flag' }
  /**
   * Where its images come from: `values` (the chart's values, Kubespray's merged over them), or
   * `kubespray-downloads` (Kubespray writes the chart's images into its values from `downloads`
   * entries, as for Cilium, whose default values also name every optional image).
   */
  imagesFrom: 'values' | 'kubespray-downloads'
  /** The variable holding the values the role passes, when they are one variable. */
  valuesVariable?: string
}

export interface TreeReference {
  kind: ReferenceKind
  /** The rendered reference; absent when it could not be rendered. */
  value?: string
  /** For a chart: its coordinates, when they rendered. */
  chart?: ChartCoordinates
  /** Why it could not be rendered, or why what it renders to is no reference. */
  problem?: string
  /** The best of its sources' enablement. */
  enabled: Enablement
  sources: ReferenceSource[]
}

export interface ReferenceInput {
  /** The tree's text files (roles/**, playbooks, cluster.yml), by path relative to its root. */
  files: ReadonlyMap<string, string>
  /** The play's variables as the lists compose them (kubespray_defaults and download loaded). */
  variables: VariableMap
  /** Whether an origin of `variables` is a role's defaults (which another role's own defaults beat). */
  isDefaultsOrigin: (origin: string) => boolean
  /** Whether an origin of `variables` beats a role's vars/main (extra vars, magic variables). */
  isAboveRoleVars: (origin: string) => boolean
  templar?: TemplarOptions
}

export interface TreeReferences {
  references: TreeReference[]
  /** Every role of the tree and whether it runs. */
  roles: Map<string, Enablement>
  /** What could not be read (a file that is not YAML, a role name that names no role). */
  warnings: string[]
}

const ROLE_PARTS = new Set(['tasks', 'defaults', 'vars', 'meta', 'templates', 'handlers', 'files', 'library'])
/** The role that fetches the `downloads` entries (its source is named after it). */
const DOWNLOAD_ROLE = 'download'
const FETCHED_URL = /_(download|install|repository|chart_repository)_url$/
/** A condition naming these chooses hosts (the first control plane node), not whether a component runs. */
const HOST_SELECTION = /\b(inventory_hostname(_short)?|groups|group_names|hostvars|ansible_play_hosts(_all)?|play_hosts)\b/
const YES: Enablement = { state: 'yes', because: 'always' }

export function findReferences(input: ReferenceInput): TreeReferences {
  const tree = new Tree(input)
  const graph = new RoleGraph(tree)
  const roles = graph.enablement()
  const collector = new Collector()
  const downloads = downloadEntries(tree, roles.get(DOWNLOAD_ROLE) ?? unreachedDownload())
  for (const entry of downloads) collector.add(entry.reference, entry.source)
  const consumers = new Consumers(tree, roles, downloads)
  for (const role of tree.roles) {
    for (const found of roleVariableReferences(tree, role, consumers)) collector.add(found.reference, found.source)
    for (const found of templateReferences(tree, role, consumers)) collector.add(found.reference, found.source)
    for (const found of helmAppsCharts(tree, role, roles)) collector.add(found.reference, found.source)
    for (const found of ciliumCliCharts(tree, role, roles)) collector.add(found.reference, found.source)
  }
  return { references: withoutCoveredRepositories(collector.all()), roles, warnings: tree.warnings }
}

/**
 * A chart repository url variable a chart reference moves says nothing more than that chart
 * (which also knows the dependency's own `when:`, so whether the chart is installed at all).
 */
function withoutCoveredRepositories(references: TreeReference[]): TreeReference[] {
  const moved = new Set(references.flatMap((r) => (r.chart ? [r.chart.movedBy.variable] : [])))
  return references.filter((r) => !(r.kind === 'chart-repository' && r.sources.every((s) => moved.has(s.variable))))
}

function unreachedDownload(): Enablement {
  return { state: 'unknown', because: 'no play reaches the download role' }
}

// ---------------------------------------------------------------------------------------------
// The tree: roles, their variable files, a templar for each role's own variables

interface VarFile {
  path: string
  vars: PyDict
}

interface PlayScope {
  vars: PyDict
  roles: string[]
}

class Tree {
  readonly roles: string[]
  readonly warnings: string[] = []
  readonly base: Templar
  private readonly templars = new Map<string, Templar>()
  private readonly variableMaps = new Map<string, VariableMap>()
  private readonly varFiles = new Map<string, VarFile[]>()
  private readonly parsed = new Map<string, Value | undefined>()
  /** The files the play's variables came from. */
  private readonly loadedOrigins: Set<string>

  constructor(readonly input: ReferenceInput) {
    const roles = new Set<string>()
    for (const path of input.files.keys()) {
      const role = roleOfPath(path)
      if (role) roles.add(role)
    }
    this.roles = [...roles].sort()
    this.base = new Templar(input.variables, input.templar)
    this.loadedOrigins = new Set([...input.variables.values()].map((v) => v.origin))
  }

  text(path: string): string | undefined {
    return this.input.files.get(path)
  }

  /** A YAML file of the tree, parsed once; undefined (and a warning) when it is not YAML. */
  yaml(path: string): Value | undefined {
    if (this.parsed.has(path)) return this.parsed.get(path)
    const text = this.text(path)
    let value: Value | undefined
    if (text !== undefined) {
      try {
        value = loadYaml(text, path)
      } catch (e) {
        this.warnings.push(`${path}: not read (${(e as Error).message.split('\n')[0]})`)
      }
    }
    this.parsed.set(path, value)
    return value
  }

  /** DataLoader.find_vars_files(dir, 'main'): main[.yml|.yaml|.json], or every file under main/. */
  mainFiles(dir: string): string[] {
    for (const ext of ['', '.yml', '.yaml', '.json']) {
      if (this.input.files.has(`${dir}/main${ext}`)) return [`${dir}/main${ext}`]
    }
    const under = `${dir}/main/`
    return [...this.input.files.keys()]
      .filter((p) => p.startsWith(under) && !p.slice(under.length).split('/').some((s) => s.startsWith('.')) && /(\/[^./]+|\.ya?ml|\.json)$/.test(p))
      .sort()
  }

  /** The role's defaults/main and vars/main, as Ansible loads them for it. */
  roleVarFiles(role: string, part: 'defaults' | 'vars'): VarFile[] {
    const key = `${role}\0${part}`
    let files = this.varFiles.get(key)
    if (!files) {
      files = this.mainFiles(`roles/${role}/${part}`).flatMap((path) => {
        const value = this.yaml(path)
        return value instanceof Map ? [{ path, vars: value }] : []
      })
      this.varFiles.set(key, files)
    }
    return files
  }

  /** Whether the play's variables already hold this role's own (kubespray_defaults, download). */
  isLoadedEverywhere(role: string): boolean {
    const files = [...this.roleVarFiles(role, 'defaults'), ...this.roleVarFiles(role, 'vars')]
    return files.some((f) => this.loadedOrigins.has(f.path))
  }

  /** The role that first led to this one (its defaults are in scope too, as in the play). */
  readonly parentOf = new Map<string, string>()
  /** Plays: their vars, and the roles whose defaults they load; scope 0 is no play. */
  private readonly scopes: PlayScope[] = [{ vars: new Map(), roles: [] }]
  /** The play a role was first reached in (its templates are rendered there). */
  readonly scopeOf = new Map<string, number>()

  /**
   * The variables a role's tasks and templates see: the defaults of the roles that led to it,
   * then its own, beat the defaults every play loads (and nothing else); vars/main beat
   * everything but extra vars.
   */
  variablesOf(role: string | undefined, scope = 0): VariableMap {
    const key = `${role ?? ''}\0${scope}`
    let own = this.variableMaps.get(key)
    if (own) return own
    const chain: string[] = []
    for (let r: string | undefined = role; r !== undefined && !chain.includes(r); r = this.parentOf.get(r)) chain.unshift(r)
    const play = this.scopes[scope]
    // Ansible loads the defaults of every role of the play (and their dependencies), then the
    // task's own role's on top.
    const layered = [...play.roles.filter((r) => !chain.includes(r)), ...chain].filter((r) => !this.isLoadedEverywhere(r))
    const defaults = layered.flatMap((r) => this.roleVarFiles(r, 'defaults'))
    const vars = chain.filter((r) => !this.isLoadedEverywhere(r)).flatMap((r) => this.roleVarFiles(r, 'vars'))
    const playVars = play.vars
    if (!defaults.length && !vars.length && !playVars.size) {
      own = this.input.variables
    } else {
      const map = new Map<string, Variable>(this.input.variables)
      const roleDefaults = new Set<string>()
      for (const file of defaults) {
        roleDefaults.add(file.path)
        for (const [k, value] of file.vars) {
          const name = pyStr(k as Value)
          const current = map.get(name)
          if (!current || this.input.isDefaultsOrigin(current.origin) || roleDefaults.has(current.origin)) map.set(name, { value, origin: file.path })
        }
      }
      // Play vars beat defaults, inventory and facts; role vars beat them.
      this.layer(map, playVars, 'play vars')
      for (const file of vars) this.layer(map, file.vars, file.path)
      own = map
    }
    this.variableMaps.set(key, own)
    return own
  }

  templarOf(role: string | undefined, scope = 0): Templar {
    const key = `${role ?? ''}\0${scope}`
    let templar = this.templars.get(key)
    if (!templar) {
      const variables = this.variablesOf(role, scope)
      templar = variables === this.input.variables ? this.base : new Templar(variables, this.input.templar)
      this.templars.set(key, templar)
    }
    return templar
  }

  /** A task's templar: its role's (in its play), with the task's `vars:` (and a loop's `item`) on top. */
  templarWith(role: string | undefined, locals: PyDict, origin: string, scope = 0): Templar {
    if (!locals.size) return this.templarOf(role, scope)
    const map = new Map<string, Variable>(this.variablesOf(role, scope))
    this.layer(map, locals, origin)
    return new Templar(map, this.input.templar)
  }

  /** The vars of a play (and of the plays importing it): a scope its roles are walked in. */
  addScope(parent: number, vars: Value | undefined, roles: string[]): number {
    if (!(vars instanceof Map && vars.size) && !roles.length) return parent
    const inherited = this.scopes[parent]
    this.scopes.push({ vars: vars instanceof Map ? new Map([...inherited.vars, ...vars]) : inherited.vars, roles: [...inherited.roles, ...roles] })
    return this.scopes.length - 1
  }

  /** A play's roles and, before each, its meta dependencies (recursively), as Ansible loads them. */
  staticRoles(names: string[], from?: string, seen = new Set<string>()): string[] {
    const out: string[] = []
    for (const name of names) {
      if (name.includes('{{')) continue
      const role = this.resolveRole(name, from)
      if (!role || seen.has(role)) continue
      seen.add(role)
      const meta = this.yaml(`roles/${role}/meta/main.yml`)
      const deps = (meta instanceof Map ? asList(dictGet(meta, 'dependencies')) : []).flatMap((d) => {
        const n = d instanceof Map ? (dictGet(d, 'role') ?? dictGet(d, 'name')) : d
        return typeof n === 'string' ? [n] : []
      })
      out.push(...this.staticRoles(deps, role, seen), role)
    }
    return out
  }

  /** Variables that beat all but extra vars (play vars, a role's vars/main, a task's vars). */
  private layer(map: Map<string, Variable>, vars: PyDict, origin: string): void {
    for (const [k, value] of vars) {
      const name = pyStr(k as Value)
      const current = map.get(name)
      if (!current || !this.input.isAboveRoleVars(current.origin)) map.set(name, { value, origin })
    }
  }

  /** A role named in a playbook, a dependency or an include, as a directory of roles/. */
  resolveRole(name: string, from?: string): string | undefined {
    const plain = name.replace(/^\.\//, '').replace(/\/+$/, '')
    const candidates = [plain]
    if (from) {
      const parent = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : ''
      candidates.push(parent ? `${parent}/${plain}` : plain, `${from}/${plain}`)
    }
    return candidates.find((c) => this.roles.includes(c))
  }
}

/** roles/kubernetes-apps/argocd/templates/x.j2 → kubernetes-apps/argocd. */
export function roleOfPath(path: string): string | undefined {
  const parts = path.split('/')
  // Molecule scenarios test a role; they are not part of it.
  if (parts[0] !== 'roles' || parts.includes('molecule')) return undefined
  for (let i = 2; i < parts.length - 1; i++) {
    if (ROLE_PARTS.has(parts[i])) return parts.slice(1, i).join('/')
  }
  return undefined
}

function lineOf(text: string | undefined, pattern: RegExp): number | undefined {
  if (text === undefined) return undefined
  const m = pattern.exec(text)
  return m ? text.slice(0, m.index).split('\n').length : undefined
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

// ---------------------------------------------------------------------------------------------
// Rendering

type Rendered = { value: Value } | { problem: string }

function renderValue(templar: Templar, value: Value): Rendered {
  try {
    const out = templar.template(value)
    return out instanceof Undefined ? { problem: `undefined: ${out.hint}` } : { value: out }
  } catch (e) {
    return { problem: describeFailure(e) }
  }
}

function renderText(templar: Templar, text: string): Rendered {
  try {
    return { value: templar.render(text, { convertData: false, escapeBackslashes: false }) }
  } catch (e) {
    return { problem: describeFailure(e) }
  }
}

function describeFailure(e: unknown): string {
  const cause = e instanceof TemplateRuntimeError ? e.original : e
  if (cause instanceof UndefinedError) return `undefined: ${cause.message}`
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
}

/** Variables a template text names (those the templar knows), in order. */
function variablesIn(templar: Templar, text: string): string[] {
  const names: string[] = []
  for (const block of text.matchAll(/\{[{%]([\s\S]*?)[}%]\}/g)) {
    for (const m of block[1].matchAll(/(?<![.\w'"])([A-Za-z_]\w*)/g)) {
      if (templar.has(m[1]) && !names.includes(m[1])) names.push(m[1])
    }
  }
  return names
}

// ---------------------------------------------------------------------------------------------
// Conditions and the role graph

const RANK: Record<EnabledState, number> = { no: 0, unknown: 1, yes: 2 }

function both(a: Enablement, b: Enablement): Enablement {
  if (a.state === 'no') return a
  if (b.state === 'no') return b
  if (a.state === 'unknown') return a
  if (b.state === 'unknown') return b
  return { state: 'yes', because: [a.because, b.because].filter((x) => x !== 'always').join('; ') || 'always' }
}

function either(a: Enablement, b: Enablement): Enablement {
  return RANK[b.state] > RANK[a.state] ? b : a
}

function asConditions(when: Value | undefined): Value[] {
  if (when === undefined || when === null) return []
  return Array.isArray(when) ? when : [when]
}

/** Ansible's Conditional: `{% if <condition> %} True {% else %} False {% endif %}`. */
function evaluateCondition(templar: Templar, condition: Value): Enablement {
  if (typeof condition === 'boolean') return { state: condition ? 'yes' : 'no', because: `when: ${condition}` }
  const text = pyStr(condition).trim()
  if (HOST_SELECTION.test(text)) return { state: 'yes', because: 'always' }
  const rendered = renderText(templar, `{% if ${text} %}True{% else %}False{% endif %}`)
  if ('problem' in rendered) return { state: 'unknown', because: `when: ${text} (${rendered.problem})` }
  const yes = pyStr(rendered.value).trim() === 'True'
  return { state: yes ? 'yes' : 'no', because: `when: ${text}${yes ? '' : ' (false)'}` }
}

function evaluateConditions(templar: Templar, conditions: Value[]): Enablement {
  return conditions.reduce<Enablement>((acc, c) => (acc.state === 'no' ? acc : both(acc, evaluateCondition(templar, c))), YES)
}

interface Edge {
  to: string
  /** Undefined for a play of a playbook (always reached). */
  from?: string
  via: string
  condition: Enablement
}

const ROLE_INCLUDES = ['include_role', 'import_role', 'ansible.builtin.include_role', 'ansible.builtin.import_role']
const TASK_INCLUDES = ['include_tasks', 'import_tasks', 'ansible.builtin.include_tasks', 'ansible.builtin.import_tasks']
const PLAYBOOK_IMPORTS = ['import_playbook', 'ansible.builtin.import_playbook']
const TASK_LISTS = ['tasks', 'pre_tasks', 'post_tasks']

class RoleGraph {
  private readonly edges: Edge[] = []
  /** Role and play scope walked. */
  private readonly walked = new Set<string>()
  private readonly reached = new Set<string>()
  /** An include whose role name could not be rendered: an unreached role may be the one it meant. */
  private unresolved: string | undefined

  constructor(private readonly tree: Tree) {}

  enablement(): Map<string, Enablement> {
    const root = 'cluster.yml'
    if (this.tree.text(root) === undefined) {
      const because = `the tree has no ${root} to read the roles' when: conditions from`
      return new Map(this.tree.roles.map((role) => [role, { state: 'unknown', because }]))
    }
    this.walkPlaybook(root, [], new Set(), 0)
    const states = new Map<string, Enablement>()
    // Monotone (no < unknown < yes), so this settles.
    for (let changed = true; changed; ) {
      changed = false
      for (const edge of this.edges) {
        const parent = edge.from === undefined ? YES : states.get(edge.from)
        if (!parent) continue
        const candidate = both(parent, edge.condition)
        const reached = { state: candidate.state, because: candidate.state === 'yes' ? `${edge.via}${candidate.because === 'always' ? '' : ` (${candidate.because})`}` : `${edge.via}: ${candidate.because}` }
        const current = states.get(edge.to)
        if (!current || RANK[reached.state] > RANK[current.state]) {
          states.set(edge.to, reached)
          changed = true
        }
      }
    }
    for (const role of this.tree.roles) {
      if (states.has(role)) continue
      states.set(
        role,
        this.unresolved
          ? { state: 'unknown', because: `${root} reaches it by no play read here, and ${this.unresolved}` }
          : { state: 'no', because: `${root} does not include it with these variables` }
      )
    }
    return states
  }

  private walkPlaybook(path: string, conditions: Value[], seen: Set<string>, parentScope: number): void {
    if (seen.has(path)) return
    seen.add(path)
    const plays = this.tree.yaml(path)
    if (!Array.isArray(plays)) return
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : ''
    for (const play of plays) {
      if (!(play instanceof Map)) continue
      const when = [...conditions, ...asConditions(dictGet(play, 'when'))]
      const roleNames = asList(dictGet(play, 'roles')).flatMap((entry) => {
        const name = entry instanceof Map ? (dictGet(entry, 'role') ?? dictGet(entry, 'name')) : entry
        return typeof name === 'string' ? [name] : []
      })
      const scope = this.tree.addScope(parentScope, dictGet(play, 'vars'), this.tree.staticRoles(roleNames))
      const imported = PLAYBOOK_IMPORTS.map((k) => dictGet(play, k)).find((v) => typeof v === 'string')
      if (typeof imported === 'string') {
        this.walkPlaybook(normalizePath(dir + imported), when, seen, scope)
        continue
      }
      for (const entry of asList(dictGet(play, 'roles'))) {
        const name = entry instanceof Map ? (dictGet(entry, 'role') ?? dictGet(entry, 'name')) : entry
        if (typeof name !== 'string') continue
        const roleWhen = [...when, ...asConditions(entry instanceof Map ? dictGet(entry, 'when') : undefined)]
        this.addEdge(name, undefined, path, roleWhen, this.tree.templarOf(undefined, scope), 'role', scope)
      }
      for (const list of TASK_LISTS) this.walkTasks(asList(dictGet(play, list)), undefined, path, when, dir, new Set(), new Map(), scope)
    }
  }

  /**
   * An edge to a role. Its conditions are rendered where Ansible renders them: an include_role's
   * in the including task's scope; a play's roles, a dependency's and an import's are applied
   * to the role's own tasks, so in the role's scope (its defaults included).
   */
  private addEdge(name: string, from: string | undefined, via: string, conditions: Value[], here: Templar, conditionsIn: 'here' | 'role', scope: number): void {
    const rendered = name.includes('{{') ? renderText(here, name) : { value: name }
    if ('problem' in rendered) {
      this.unresolved ??= `${via} includes the role '${name}', which could not be rendered (${rendered.problem})`
      return
    }
    const role = this.tree.resolveRole(pyStr(rendered.value), from)
    if (!role) {
      this.tree.warnings.push(`${via}: names the role '${pyStr(rendered.value)}', which the tree does not have`)
      return
    }
    if (from !== undefined && !this.tree.parentOf.has(role) && !this.reached.has(role)) this.tree.parentOf.set(role, from)
    this.reached.add(role)
    if (!this.tree.scopeOf.has(role)) this.tree.scopeOf.set(role, scope)
    const condition = evaluateConditions(conditionsIn === 'here' ? here : this.tree.templarOf(role, scope), conditions)
    this.edges.push({ to: role, from, via: from ? `${via}` : `${via} → ${role}`, condition })
    this.walkRole(role, scope)
  }

  private walkRole(role: string, scope: number): void {
    if (this.walked.has(`${role}\0${scope}`)) return
    this.walked.add(`${role}\0${scope}`)
    const meta = this.tree.yaml(`roles/${role}/meta/main.yml`)
    const dependencies = meta instanceof Map ? asList(dictGet(meta, 'dependencies')) : []
    for (const dep of dependencies) {
      const name = dep instanceof Map ? (dictGet(dep, 'role') ?? dictGet(dep, 'name')) : dep
      if (typeof name !== 'string') continue
      const when = asConditions(dep instanceof Map ? dictGet(dep, 'when') : undefined)
      this.addEdge(name, role, `${role} (meta/main.yml)`, when, this.tree.templarOf(role, scope), 'role', scope)
    }
    const main = this.tree.mainFiles(`roles/${role}/tasks`)[0]
    if (main) this.walkTasks(asList(this.tree.yaml(main)), role, main, [], `roles/${role}/tasks/`, new Set([main]), new Map(), scope)
  }

  private walkTasks(tasks: Value[], role: string | undefined, file: string, conditions: Value[], tasksDir: string, stack: Set<string>, locals: PyDict, scope: number): void {
    for (const task of tasks) {
      if (!(task instanceof Map)) continue
      const taskVars = dictGet(task, 'vars')
      const taskLocals: PyDict = taskVars instanceof Map ? new Map([...locals, ...taskVars]) : locals
      const when = [...conditions, ...asConditions(dictGet(task, 'when'))]
      for (const key of ['block', 'rescue', 'always']) this.walkTasks(asList(dictGet(task, key)), role, file, when, tasksDir, stack, taskLocals, scope)
      const includeKey = ROLE_INCLUDES.find((k) => dictGet(task, k) !== undefined)
      if (includeKey) {
        const include = dictGet(task, includeKey)
        const name = include instanceof Map ? dictGet(include, 'name') : include
        if (typeof name === 'string') {
          for (const itemLocals of this.loopLocals(task, role, taskLocals, file, scope)) {
            const templar = this.tree.templarWith(role, itemLocals, `${file} (task vars)`, scope)
            this.addEdge(name, role, file, when, templar, includeKey.endsWith('include_role') ? 'here' : 'role', scope)
          }
        }
      }
      const tasksFile = TASK_INCLUDES.map((k) => dictGet(task, k)).find((v) => v !== undefined)
      const target = tasksFile instanceof Map ? dictGet(tasksFile, 'file') : tasksFile
      if (typeof target === 'string') {
        const rendered = target.includes('{{') ? renderText(this.tree.templarWith(role, taskLocals, `${file} (task vars)`, scope), target) : { value: target }
        if ('value' in rendered) {
          const path = normalizePath(tasksDir + pyStr(rendered.value))
          if (this.tree.text(path) !== undefined && !stack.has(path)) {
            this.walkTasks(asList(this.tree.yaml(path)), role, path, when, tasksDir, new Set([...stack, path]), taskLocals, scope)
          }
        }
      }
    }
  }

  /** The scopes a task runs in: one, or one per item of its loop (rendered; unknown when it cannot be). */
  private loopLocals(task: PyDict, role: string | undefined, locals: PyDict, file: string, scope: number): PyDict[] {
    const loop = dictGet(task, 'loop') ?? dictGet(task, 'with_items')
    if (loop === undefined) return [locals]
    const items = renderValue(this.tree.templarWith(role, locals, `${file} (task vars)`, scope), loop)
    if ('problem' in items || !Array.isArray(items.value)) {
      this.unresolved ??= `${file} includes roles from a loop that could not be rendered${'problem' in items ? ` (${items.problem})` : ''}`
      return []
    }
    return items.value.map((item) => new Map([...locals, ['item', item]]))
  }
}

function asList(value: Value | undefined): Value[] {
  return Array.isArray(value) ? value : []
}

function normalizePath(path: string): string {
  const out: string[] = []
  for (const part of path.split('/')) {
    if (part === '..') out.pop()
    else if (part !== '.' && part !== '') out.push(part)
  }
  return out.join('/')
}

// ---------------------------------------------------------------------------------------------
// Collecting references, merged by what they render to

interface Found {
  reference: { kind: ReferenceKind; value?: string; problem?: string; chart?: ChartCoordinates }
  source: ReferenceSource
}

class Collector {
  private readonly byKey = new Map<string, TreeReference>()

  add(reference: Found['reference'], source: ReferenceSource): void {
    // Unrendered: the same expression fails the same way wherever it is written.
    const key = `${reference.kind}\0${reference.value ?? `?${source.expression}`}`
    const known = this.byKey.get(key)
    if (known) {
      if (!known.sources.some((s) => s.file === source.file && s.line === source.line && s.variable === source.variable)) known.sources.push(source)
      known.enabled = enabledOf(known.sources)
      return
    }
    this.byKey.set(key, { ...reference, enabled: source.enabled, sources: [source] })
  }

  all(): TreeReference[] {
    return [...this.byKey.values()]
  }
}

/**
 * A defaults pair (`x_image_repo` + `x_image_tag`) declares an image; a template line or a
 * downloads entry uses it. Where the tree uses it, the uses decide whether it is pulled (a
 * template line inside a false `{% if %}` is not), not the declaration.
 */
function enabledOf(sources: readonly ReferenceSource[]): Enablement {
  const isUse = (s: ReferenceSource): boolean => s.variable.startsWith('downloads.') || !/\/(defaults|vars)\//.test(s.file)
  const uses = sources.filter(isUse)
  return (uses.length ? uses : sources).map((s) => s.enabled).reduce(either)
}

/** An image reference as rendered, or the reason it is none. */
function imageOf(rendered: Rendered): { value?: string; problem?: string } {
  if ('problem' in rendered) return { problem: rendered.problem }
  const text = pyStr(rendered.value).trim()
  try {
    parseReference(text)
    return { value: text }
  } catch (e) {
    return { problem: `renders to '${text}', which is not an image reference (${(e as Error).message})` }
  }
}

function urlOf(rendered: Rendered): { value?: string; problem?: string } | undefined {
  if ('problem' in rendered) return { problem: rendered.problem }
  const text = pyStr(rendered.value).trim()
  if (text === '' || rendered.value === null) return undefined
  return /^https?:\/\/\S+$/.test(text) ? { value: text } : { problem: `renders to '${text}', which is not an http(s) url` }
}

// downloads -------------------------------------------------------------------------------------

interface DownloadEntry extends Found {
  entry: string
  /** The variables its repo, tag, sha256 and url name. */
  names: Set<string>
}

function downloadEntries(tree: Tree, downloadRole: Enablement): DownloadEntry[] {
  const templar = tree.base
  const raw = templar.rawValue('downloads')
  if (!(raw instanceof Map)) return []
  const file = tree.input.variables.get('downloads')?.origin ?? 'downloads'
  const text = tree.text(file)
  const out: DownloadEntry[] = []
  for (const [key, spec] of raw) {
    if (!(spec instanceof Map)) continue
    const entry = pyStr(key as Value)
    const field = (name: string): Value | undefined => dictGet(spec, name)
    const flag = (name: string): boolean => {
      const v = field(name)
      if (v === undefined) return false
      const r = renderValue(templar, v)
      return 'value' in r && truthy(toBool(r.value))
    }
    const enabledRaw = field('enabled')
    const enabledRendered = enabledRaw === undefined ? { value: false } : renderValue(templar, enabledRaw)
    const entryEnabled: Enablement =
      'problem' in enabledRendered
        ? { state: 'unknown', because: `downloads.${entry}.enabled: ${pyStr(enabledRaw ?? '')} (${enabledRendered.problem})` }
        : truthy(toBool(enabledRendered.value))
          ? { state: 'yes', because: `downloads.${entry}.enabled` }
          : { state: 'no', because: `downloads.${entry}.enabled: ${pyStr(enabledRaw ?? false)} (false)` }
    const enabled = both(downloadRole, entryEnabled)
    const line = lineOf(text, new RegExp(`^\\s+${escapeRegExp(entry)}:`, 'm'))
    const rawText = (name: string): string => (field(name) === undefined ? '' : pyStr(field(name) as Value))
    const names = new Set<string>()
    for (const f of ['repo', 'tag', 'sha256', 'url']) for (const m of rawText(f).matchAll(/[A-Za-z_]\w*/g)) names.add(m[0])
    const source = (variable: string, expression: string): ReferenceSource => ({ role: DOWNLOAD_ROLE, file, line, variable, expression, enabled })
    if (flag('container')) {
      const digest = field('sha256') === undefined ? undefined : renderValue(templar, field('sha256') as Value)
      const pinned = digest && 'value' in digest && digest.value !== null && pyStr(digest.value) !== '' && pyStr(digest.value) !== 'None'
      const expression = pinned ? `${rawText('repo')}@sha256:${rawText('sha256')}` : `${rawText('repo')}:${rawText('tag')}`
      const rendered = renderText(templar, expression)
      // The role pulls containers only where download_container holds (roles/download/tasks/main.yml).
      const pulled = { ...source(`downloads.${entry}`, expression), enabled: both(enabled, evaluateCondition(templar, 'download_container')) }
      out.push({ entry, names, reference: { kind: 'image', ...imageOf(rendered) }, source: pulled })
    }
    if (flag('file') && field('url') !== undefined) {
      const url = urlOf(renderValue(templar, field('url') as Value))
      if (url) out.push({ entry, names, reference: { kind: 'file', ...url }, source: source(`downloads.${entry}`, rawText('url')) })
    }
  }
  return out
}

// who reads a variable ----------------------------------------------------------------------------

/** Which downloads entries and which roles name each variable (for variables every play loads). */
class Consumers {
  private readonly roleTokens = new Map<string, Set<string>>()

  constructor(
    private readonly tree: Tree,
    private readonly roles: Map<string, Enablement>,
    private readonly downloads: DownloadEntry[]
  ) {
    for (const [path, text] of tree.input.files) {
      const role = roleOfPath(path)
      if (!role || tree.isLoadedEverywhere(role)) continue
      const tokens = this.roleTokens.get(role) ?? new Set<string>()
      for (const m of text.matchAll(/[A-Za-z_]\w*/g)) tokens.add(m[0])
      this.roleTokens.set(role, tokens)
    }
  }

  /** Enabled when a downloads entry naming it is (the download role decides), else when a role naming it runs. */
  ofVariable(name: string): Enablement | undefined {
    const entries = this.downloads.filter((d) => d.names.has(name))
    if (entries.length) return entries.map((d) => d.source.enabled).reduce(either)
    const readers = [...this.roleTokens].filter(([, tokens]) => tokens.has(name)).map(([role]) => this.roleReads(role))
    return readers.length ? readers.reduce(either) : undefined
  }

  /** For a reference in a role's own file: the role, and any downloads entry naming its variables. */
  ofRoleReference(role: string, variables: string[]): Enablement {
    let enabled = this.roles.get(role) ?? { state: 'unknown', because: `${role} is not a role of the tree` }
    for (const name of variables) {
      const entries = this.downloads.filter((d) => d.names.has(name))
      if (entries.length) enabled = both(enabled, entries.map((d) => d.source.enabled).reduce(either))
    }
    return enabled
  }

  private roleReads(role: string): Enablement {
    const state = this.roles.get(role) ?? { state: 'unknown', because: 'not a role of the tree' }
    return { state: state.state, because: `read by ${role}: ${state.because}` }
  }
}

// role defaults and vars ---------------------------------------------------------------------------

function roleVariableReferences(tree: Tree, role: string, consumers: Consumers): Found[] {
  const templar = tree.templarOf(role, tree.scopeOf.get(role) ?? 0)
  const everywhere = tree.isLoadedEverywhere(role)
  const out: Found[] = []
  for (const file of [...tree.roleVarFiles(role, 'defaults'), ...tree.roleVarFiles(role, 'vars')]) {
    const text = tree.text(file.path)
    for (const key of file.vars.keys()) {
      const name = pyStr(key as Value)
      const line = lineOf(text, new RegExp(`^${escapeRegExp(name)}\\s*:`, 'm'))
      const enabledBy = (variables: string[]): Enablement => {
        if (!everywhere) return consumers.ofRoleReference(role, variables)
        const found = variables.map((v) => consumers.ofVariable(v)).filter((e): e is Enablement => e !== undefined)
        return found.length ? found.reduce(either) : { state: 'unknown', because: `no role or downloads entry reads ${variables.join(', ')}` }
      }
      const repo = /^(.+)_image_repo$/.exec(name)
      if (repo && templar.has(`${repo[1]}_image_tag`) && !isRegistryOnly(templar, name) && !usedAsPrefix(tree, name)) {
        const tag = `${repo[1]}_image_tag`
        const expression = `{{ ${name} }}:{{ ${tag} }}`
        // Where templates name the variable, they decide what is written (their own lines are
        // references of their own); the declaration alone pulls nothing (kube-ovn's dpdk image,
        // written only under {% if kube_ovn_dpdk_enabled %}).
        const enabled: Enablement = namedInTemplates(tree, name)
          ? { state: 'no', because: `the templates that name ${name} decide, and none writes this image with these variables` }
          : enabledBy([name, tag])
        out.push({
          reference: { kind: 'image', ...imageOf(renderText(templar, expression)) },
          source: { role, file: file.path, line, variable: name, expression, enabled }
        })
      } else if (FETCHED_URL.test(name)) {
        const url = urlOf(renderValue(templar, templar.rawValue(name) ?? null))
        if (!url) continue
        const kind: ReferenceKind = /_repository_url$/.test(name) ? 'chart-repository' : 'file'
        out.push({ reference: { kind, ...url }, source: { role, file: file.path, line, variable: name, expression: pyStr(file.vars.get(key) ?? ''), enabled: enabledBy([name]) } })
      }
    }
  }
  return out
}

/**
 * An *_image_repo that templates extend with a path (`{{ azure_csi_plugin_image_repo }}/azuredisk-csi:…`):
 * a prefix of several images, not one image with the paired tag.
 */
function usedAsPrefix(tree: Tree, name: string): boolean {
  const extended = new RegExp(`\\{\\{-?\\s*${escapeRegExp(name)}\\s*-?\\}\\}/`)
  for (const [path, text] of tree.input.files) if (path.includes('/templates/') && extended.test(text)) return true
  return false
}

/** Whether any template of the tree names the variable. */
function namedInTemplates(tree: Tree, name: string): boolean {
  const named = new RegExp(`\\b${escapeRegExp(name)}\\b`)
  for (const [path, text] of tree.input.files) if (path.includes('/templates/') && named.test(text)) return true
  return false
}

/** An *_image_repo holding a registry host alone (huaweicloud's), which templates extend with a path. */
function isRegistryOnly(templar: Templar, name: string): boolean {
  const value = renderValue(templar, templar.rawValue(name) ?? null)
  return 'value' in value && /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$/i.test(pyStr(value.value).trim())
}

// templates --------------------------------------------------------------------------------------

interface ImageLine {
  line: number
  expression: string
  /** The `{% if %}` conditions around the line (an `{% else %}` branch as `not (...)`). */
  conditions: string[]
}

/**
 * The `{% if X %}` blocks open at each line: a stack of conditions, `elif`/`else` turning the
 * branch's condition into the negation of the ones before. Jinja's own syntax only; anything
 * else (a `{% for %}`) is no condition here.
 */
function openConditions(lines: string[]): string[][] {
  const stack: Array<{ previous: string[]; current: string }> = []
  const at: string[][] = []
  for (const line of lines) {
    at.push(stack.map((s) => s.current))
    for (const tag of line.matchAll(/\{%-?\s*(if|elif|else|endif)\b(.*?)-?%\}/g)) {
      const [, keyword, rest] = tag
      const expr = rest.trim()
      if (keyword === 'if') stack.push({ previous: [], current: expr })
      else if (keyword === 'elif' && stack.length) {
        const top = stack[stack.length - 1]
        top.previous.push(top.current)
        top.current = `(${expr}) and not (${top.previous.join(' or ')})`
      } else if (keyword === 'else' && stack.length) {
        const top = stack[stack.length - 1]
        top.previous.push(top.current)
        top.current = `not (${top.previous.join(' or ')})`
      } else if (keyword === 'endif') stack.pop()
    }
  }
  return at
}

/**
 * `image: EXPR` lines of a template, and `image:` blocks whose `repository:` and `tag:` (and
 * `digest:`) lines follow, indented deeper (Helm values).
 */
export function scrapeImageLines(text: string): ImageLine[] {
  const lines = text.split('\n')
  const conditions = openConditions(lines)
  const out: ImageLine[] = []
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:-\s+)?(["']?)image\2\s*:(.*)$/.exec(lines[i])
    if (!m || lines[i].trimStart().startsWith('#')) continue
    const value = unquote(m[3].trim())
    if (value !== '') {
      out.push({ line: i + 1, expression: value, conditions: conditions[i] })
      continue
    }
    const indent = m[1].length
    const block: Record<string, string> = {}
    for (let j = i + 1; j < lines.length; j++) {
      const inner = /^(\s*)(repository|tag|digest)\s*:(.*)$/.exec(lines[j])
      const depth = lines[j].length - lines[j].trimStart().length
      if (lines[j].trim() !== '' && depth <= indent) break
      if (inner && inner[1].length > indent) block[inner[2]] ??= unquote(inner[3].trim())
    }
    if (block.repository) {
      const tag = block.tag ? `:${block.tag}` : ''
      const digest = block.digest ? `@${block.digest}` : ''
      out.push({ line: i + 1, expression: `${block.repository}${tag}${digest}`, conditions: conditions[i] })
    }
  }
  return out
}

function unquote(value: string): string {
  const q = value[0]
  if ((q === '"' || q === "'") && value.lastIndexOf(q) > 0) return value.slice(1, value.lastIndexOf(q))
  return value
}

function templateReferences(tree: Tree, role: string, consumers: Consumers): Found[] {
  const prefix = `roles/${role}/templates/`
  const out: Found[] = []
  for (const [path, text] of tree.input.files) {
    if (!path.startsWith(prefix) || roleOfPath(path) !== role) continue
    const lines = scrapeImageLines(text)
    if (!lines.length) continue
    const templar = tree.templarOf(role, tree.scopeOf.get(role) ?? 0)
    for (const { line, expression, conditions } of lines) {
      const variables = variablesIn(templar, expression)
      // A line inside an {% if %} that renders false is never written: that image is not pulled.
      const off = conditions.find((c) => {
        const r = renderText(templar, `{% if ${c} %}1{% endif %}`)
        return 'value' in r && pyStr(r.value) === ''
      })
      out.push({
        reference: { kind: 'image', ...imageOf(renderText(templar, expression)) },
        source: {
          role,
          file: path,
          line,
          variable: variables.find((v) => /_(repo|image|container)$/.test(v)) ?? variables[0] ?? '',
          expression,
          enabled: off ? { state: 'no', because: `${path}: inside {% if ${off} %}, which is false` } : consumers.ofRoleReference(role, variables)
        }
      })
    }
  }
  return out
}

// Helm charts ------------------------------------------------------------------------------------

/** How a chart is named in the audit and keyed in the collector. */
export function chartLabel(chart: Pick<ChartCoordinates, 'repository' | 'name' | 'version'>): string {
  // Shown and compared with bundle.json, which holds repositories redacted.
  return `${chart.name} ${chart.version} from ${redactText(chart.repository)}`
}

/** `{{ x }}` → x: the variable an expression is exactly. */
function soleVariable(expression: Value | undefined): string | undefined {
  return typeof expression === 'string' ? /^\{\{-?\s*([A-Za-z_]\w*)\s*-?\}\}$/.exec(expression.trim())?.[1] : undefined
}

/**
 * Charts installed through the helm-apps role: a role's meta/main.yml depends on it with
 * `repositories` ({name, url}) and `releases` ({chart_ref: "<repository name>/<chart>",
 * chart_version, values}), rendered in the depending role's scope, enabled when that role runs
 * and the dependency's `when:` holds (kubelet-csr-approver, a custom CNI's chart).
 */
function helmAppsCharts(tree: Tree, role: string, roles: Map<string, Enablement>): Found[] {
  const path = `roles/${role}/meta/main.yml`
  const meta = tree.yaml(path)
  if (!(meta instanceof Map)) return []
  const text = tree.text(path)
  const out: Found[] = []
  for (const dep of asList(dictGet(meta, 'dependencies'))) {
    if (!(dep instanceof Map)) continue
    const name = dictGet(dep, 'role') ?? dictGet(dep, 'name')
    if (typeof name !== 'string' || tree.resolveRole(name, role) !== 'helm-apps') continue
    const scope = tree.scopeOf.get(role) ?? 0
    const templar = tree.templarOf(role, scope)
    const enabled = both(roles.get(role) ?? { state: 'unknown', because: `${role} is reached by no play read here` }, evaluateConditions(templar, asConditions(dictGet(dep, 'when'))))
    const repositories = asList(dictGet(dep, 'repositories')).filter((r): r is PyDict => r instanceof Map)
    for (const release of asList(dictGet(dep, 'releases'))) {
      if (!(release instanceof Map)) continue
      const rawRef = dictGet(release, 'chart_ref')
      const source = (variable: string): ReferenceSource => ({ role, file: path, line: lineOf(text, /chart_ref\s*:/), variable, expression: pyStr(rawRef ?? ''), enabled })
      const found = helmAppsRelease(templar, release, repositories)
      if ('local' in found) continue
      if ('unsupported' in found) out.push({ reference: { kind: 'chart', value: found.unsupported }, source: source(`${role} helm-apps release`) })
      else if ('problem' in found) out.push({ reference: { kind: 'chart', problem: found.problem }, source: source(`${role} helm-apps release`) })
      else out.push({ reference: { kind: 'chart', value: chartLabel(found), chart: found }, source: source(found.movedBy.variable) })
    }
  }
  return out
}

/**
 * A release's chart: from a repository of the role's (`<repository>/<chart>`); `local` for a
 * path on the control host (the user's to bring, as Helm reads it there); `unsupported` for an
 * OCI reference or an archive url, which the bundle cannot carry yet (the audit names it).
 */
function helmAppsRelease(templar: Templar, release: PyDict, repositories: PyDict[]): ChartCoordinates | { problem: string } | { local: true } | { unsupported: string } {
  const ref = renderValue(templar, dictGet(release, 'chart_ref') ?? null)
  if ('problem' in ref) return { problem: `chart_ref: ${ref.problem}` }
  const chartRef = pyStr(ref.value).trim()
  if (/^(\/|\.\.?\/|file:\/\/)/.test(chartRef)) return { local: true }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chartRef)) return { unsupported: redactText(chartRef) }
  const [repositoryName, chartName, ...rest] = chartRef.split('/')
  if (!chartName || rest.length) return { problem: `chart_ref renders to '${pyStr(ref.value)}', not <repository>/<chart>` }
  const version = renderValue(templar, dictGet(release, 'chart_version') ?? null)
  if ('problem' in version) return { problem: `chart_version: ${version.problem}` }
  const repository = repositories.find((r) => {
    const n = renderValue(templar, dictGet(r, 'name') ?? null)
    return 'value' in n && pyStr(n.value) === repositoryName
  })
  if (!repository) return { problem: `chart_ref '${pyStr(ref.value)}' names the repository '${repositoryName}', which the role's repositories do not list` }
  const rawUrl = dictGet(repository, 'url')
  const url = urlOf(renderValue(templar, rawUrl ?? null))
  if (!url || url.problem || !url.value) return { problem: `the url of repository '${repositoryName}' ${url?.problem ?? 'is empty'}` }
  const values = renderValue(templar, dictGet(release, 'values') ?? new Map())
  if ('problem' in values) return { problem: `values: ${values.problem}` }
  const variable = soleVariable(rawUrl)
  if (!variable) return { problem: `the url of repository '${repositoryName}' is not one variable (${pyStr(rawUrl ?? '')}): nothing could point it at the bundle` }
  const valuesVariable = soleVariable(dictGet(release, 'values'))
  return {
    repository: url.value,
    name: chartName,
    version: pyStr(version.value).trim(),
    values: toPlain(values.value),
    movedBy: { variable, form: 'url' },
    imagesFrom: 'values',
    ...(valuesVariable ? { valuesVariable } : {})
  }
}

/** The Cilium CLI's default chart repository (cilium-cli's --repository default). */
const CILIUM_CLI_REPOSITORY = 'https://helm.cilium.io'
/** `cilium install|upgrade|{{ action }} --version {{ v }} … {{ flags }}` in a role's tasks. */
const CILIUM_CLI_COMMAND = /\/cilium\s+(?:install|upgrade|\{\{\s*\w+\s*\}\})\s+--version\s+\{\{\s*(\w+)\s*\}\}([^"'\n]*)/

/**
 * Charts the Cilium CLI installs: `cilium install --version V` fetches the `cilium` chart at V
 * from `--repository` (https://helm.cilium.io by default) unless `--chart-directory` gives one;
 * Kubespray's flags variable (cilium_install_extra_flags) is where offline.yml can move it.
 */
function ciliumCliCharts(tree: Tree, role: string, roles: Map<string, Enablement>): Found[] {
  const out: Found[] = []
  for (const [path, text] of tree.input.files) {
    if (!path.startsWith(`roles/${role}/tasks/`)) continue
    const match = CILIUM_CLI_COMMAND.exec(text)
    if (!match) continue
    const flagsVariable = [...match[2].matchAll(/\{\{\s*(\w+_flags)\s*\}\}/g)].map((m) => m[1]).pop()
    if (!flagsVariable) continue
    const templar = tree.templarOf(role, tree.scopeOf.get(role) ?? 0)
    const enabled = roles.get(role) ?? { state: 'unknown' as const, because: `${role} is reached by no play read here` }
    const source: ReferenceSource = { role, file: path, line: lineOf(text, CILIUM_CLI_COMMAND), variable: flagsVariable, expression: match[0].slice(1).trim(), enabled }
    const version = renderValue(templar, `{{ ${match[1]} }}`)
    const flags = renderValue(templar, `{{ ${flagsVariable} }}`)
    if ('problem' in version || 'problem' in flags) {
      out.push({ reference: { kind: 'chart', problem: 'problem' in version ? `${match[1]}: ${version.problem}` : `${flagsVariable}: ${(flags as { problem: string }).problem}` }, source })
      continue
    }
    const words = pyStr(flags.value).split(/\s+/).filter(Boolean)
    // A chart directory given on the command line is the user's to bring.
    if (words.some((w) => w === '--chart-directory' || w.startsWith('--chart-directory='))) continue
    const at = words.findIndex((w) => w === '--repository' || w.startsWith('--repository='))
    const repository = at < 0 ? CILIUM_CLI_REPOSITORY : words[at].includes('=') ? words[at].slice(words[at].indexOf('=') + 1) : (words[at + 1] ?? '')
    if (!/^https?:\/\/\S+$/.test(repository)) {
      out.push({ reference: { kind: 'chart', problem: `${flagsVariable} gives --repository '${repository}', which is not an http(s) url` }, source })
      continue
    }
    const valuesVariable = ciliumExtraValuesVariable(tree, role)
    const chart: ChartCoordinates = {
      repository,
      name: 'cilium',
      version: pyStr(version.value).trim().replace(/^v/, ''),
      values: {},
      movedBy: { variable: flagsVariable, form: 'repository-flag' },
      imagesFrom: 'kubespray-downloads',
      ...(valuesVariable ? { valuesVariable } : {})
    }
    out.push({ reference: { kind: 'chart', value: chartLabel(chart), chart }, source })
  }
  return out
}

/** The variable the role writes into the values file it passes last (`cilium_extra_values` → cilium-extra-values.yaml). */
function ciliumExtraValuesVariable(tree: Tree, role: string): string | undefined {
  for (const [path, text] of tree.input.files) {
    if (!path.startsWith(`roles/${role}/tasks/`)) continue
    const m = /content:\s*["']?\{\{\s*(\w+)\s*\|\s*to_nice_yaml[^\n]*\n\s*dest:[^\n]*extra-values\.yaml/.exec(text)
    if (m) return m[1]
  }
  return undefined
}

/** A rendered value as plain JSON-like data (maps become objects). */
function toPlain(value: Value): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [pyStr(k as Value), toPlain(v as Value)]))
  if (Array.isArray(value)) return value.map((v) => toPlain(v))
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value
  return pyStr(value)
}
