/**
 * Ansible inventories (INI and YAML) reduced to what variable precedence needs: groups,
 * their parents, their variables, and host variables.
 */
import { literalEval } from '../python/literal.js'
import { pyStr, type PyDict, type Value } from '../python/values.js'

export interface Group {
  name: string
  vars: PyDict
  parents: Set<string>
  hosts: Set<string>
}

export interface Inventory {
  groups: Map<string, Group>
  hostVars: Map<string, PyDict>
  /** Which file each group's and host's variables came from. */
  origins: Map<string, string>
}

export class InventoryError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`)
    this.name = 'InventoryError'
  }
}

export function emptyInventory(): Inventory {
  const inv: Inventory = { groups: new Map(), hostVars: new Map(), origins: new Map() }
  ensureGroup(inv, 'all')
  ensureGroup(inv, 'ungrouped')
  return inv
}

function ensureGroup(inv: Inventory, name: string): Group {
  let group = inv.groups.get(name)
  if (!group) {
    group = { name, vars: new Map(), parents: new Set(), hosts: new Set() }
    inv.groups.set(name, group)
    if (name !== 'all') group.parents.add('all')
  }
  return group
}

function addHost(inv: Inventory, group: string, host: string, vars: PyDict, origin: string): void {
  ensureGroup(inv, group).hosts.add(host)
  const existing = inv.hostVars.get(host) ?? new Map()
  for (const [k, v] of vars) existing.set(k, v)
  inv.hostVars.set(host, existing)
  inv.origins.set(`host:${host}`, origin)
}

function addChild(inv: Inventory, parent: string, child: string): void {
  ensureGroup(inv, parent)
  const group = ensureGroup(inv, child)
  group.parents.add(parent)
  if (parent !== 'all') group.parents.delete('all')
}

/** INI values go through literal_eval ("1" is an int, "'x'" a string, yes stays "yes"). */
function iniValue(text: string): Value {
  return literalEval(text) ?? text
}

/** `node[1:3]` and `node[a:c]` host ranges. */
function expandHostPattern(pattern: string): string[] {
  const m = /^(.*?)\[([0-9a-z]+):([0-9a-z]+)(?::(\d+))?\](.*)$/.exec(pattern)
  if (!m) return [pattern]
  const [, head, from, to, stepText, tail] = m
  const step = Number(stepText ?? 1)
  const out: string[] = []
  if (/^\d+$/.test(from)) {
    const width = from.startsWith('0') ? from.length : 0
    for (let i = Number(from); i <= Number(to); i += step) out.push(`${head}${String(i).padStart(width, '0')}${tail}`)
  } else {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c += step) out.push(`${head}${String.fromCharCode(c)}${tail}`)
  }
  return out.flatMap(expandHostPattern)
}

/** shlex.split(line, comments=True): quotes group words, `#` starts a comment. */
function shellWords(line: string): string[] {
  const words: string[] = []
  let current: string | null = null
  let quote: string | null = null
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quote) {
      if (ch === quote) quote = null
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) current += line[++i]
      else current += ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
      current = current ?? ''
    } else if (ch === '#') {
      break
    } else if (/\s/.test(ch)) {
      if (current !== null) words.push(current)
      current = null
    } else if (ch === '\\' && i + 1 < line.length) {
      current = (current ?? '') + line[++i]
    } else {
      current = (current ?? '') + ch
    }
  }
  if (current !== null) words.push(current)
  return words
}

export function parseIniInventory(inv: Inventory, text: string, file: string): void {
  let group = 'ungrouped'
  let state: 'hosts' | 'vars' | 'children' = 'hosts'
  const pendingChildren: { parent: string; child: string; line: number }[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) return
    const section = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/.exec(line)
    if (section) {
      group = section[1]
      const kind = section[2] ?? 'hosts'
      if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
        throw new InventoryError(file, lineNo, `Section [${section[1]}:${kind}] has unknown type: ${kind}`)
      }
      state = kind
      if (state !== 'vars') ensureGroup(inv, group)
      return
    }
    if (line.startsWith('[')) {
      throw new InventoryError(file, lineNo, `Invalid section entry: '${line}'. Make sure there are no spaces or other invalid characters in the section name`)
    }
    if (state === 'hosts') {
      const [pattern, ...assignments] = shellWords(line)
      const vars: PyDict = new Map()
      for (const a of assignments) {
        const eq = a.indexOf('=')
        if (eq <= 0) throw new InventoryError(file, lineNo, `Expected key=value host variable assignment, got: ${a}`)
        vars.set(a.slice(0, eq), iniValue(a.slice(eq + 1)))
      }
      for (const host of expandHostPattern(pattern.replace(/:\d+$/, ''))) addHost(inv, group, host, vars, file)
    } else if (state === 'vars') {
      const eq = line.indexOf('=')
      if (eq < 0) throw new InventoryError(file, lineNo, `Expected key=value, got: ${line}`)
      const g = ensureGroup(inv, group)
      g.vars.set(line.slice(0, eq).trim(), iniValue(line.slice(eq + 1).trim()))
      inv.origins.set(`group:${group}`, file)
    } else {
      const child = /^([^:\]\s]+)\s*(?:[#;].*)?$/.exec(line)
      if (!child) throw new InventoryError(file, lineNo, `Expected group name, got: ${line}`)
      pendingChildren.push({ parent: group, child: child[1], line: lineNo })
    }
  })
  for (const { parent, child, line } of pendingChildren) {
    if (!inv.groups.has(child)) {
      throw new InventoryError(file, line, `Section [${parent}:children] includes undefined group: ${child}`)
    }
    addChild(inv, parent, child)
  }
}

function asMapping(value: Value, file: string, where: string): PyDict {
  if (value === null) return new Map()
  if (!(value instanceof Map)) throw new InventoryError(file, 0, `${where} must be a mapping`)
  return value
}

export function parseYamlInventory(inv: Inventory, doc: Value, file: string): void {
  const visit = (name: string, body: Value, parent?: string): void => {
    const group = ensureGroup(inv, name)
    if (parent) addChild(inv, parent, name)
    const data = asMapping(body, file, `group '${name}'`)
    for (const [key, value] of data) {
      const section = pyStr(key as Value)
      if (section === 'vars') {
        for (const [k, v] of asMapping(value, file, `${name}.vars`)) group.vars.set(k, v)
        inv.origins.set(`group:${name}`, file)
      } else if (section === 'hosts') {
        for (const [host, hostVars] of asMapping(value, file, `${name}.hosts`)) {
          for (const h of expandHostPattern(pyStr(host as Value))) addHost(inv, name, h, asMapping(hostVars, file, `host '${h}'`), file)
        }
      } else if (section === 'children') {
        for (const [child, childBody] of asMapping(value, file, `${name}.children`)) visit(pyStr(child as Value), childBody, name)
      } else {
        throw new InventoryError(file, 0, `group '${name}' has unexpected key '${section}' (expected vars, hosts or children)`)
      }
    }
  }
  for (const [name, body] of asMapping(doc, file, 'the inventory')) visit(pyStr(name as Value), body)
}

/** Distance of a group from `all`, as Ansible sorts groups for variable precedence. */
function depth(inv: Inventory, name: string, seen = new Set<string>()): number {
  if (name === 'all' || seen.has(name)) return 0
  seen.add(name)
  const group = inv.groups.get(name)
  if (!group || group.parents.size === 0) return 1
  return 1 + Math.max(...[...group.parents].map((p) => depth(inv, p, seen)))
}

/** The groups a host belongs to (with their ancestors), `all` excluded, lowest precedence first. */
export function hostGroups(inv: Inventory, host: string): string[] {
  const found = new Set<string>()
  const addWithAncestors = (name: string): void => {
    if (found.has(name) || name === 'all') return
    found.add(name)
    for (const p of inv.groups.get(name)?.parents ?? []) addWithAncestors(p)
  }
  for (const group of inv.groups.values()) if (group.hosts.has(host)) addWithAncestors(group.name)
  return [...found].sort((a, b) => depth(inv, a) - depth(inv, b) || (a < b ? -1 : a > b ? 1 : 0))
}
