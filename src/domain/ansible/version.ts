/** Ansible's `version` test: LooseVersion by default, StrictVersion and SemVer on request. */
import { ownEntry, PyError, pyCompare, pyEquals, type Value } from '../python/values.js'

const OPERATORS: Record<string, 'eq' | 'lt' | 'le' | 'gt' | 'ge' | 'ne'> = {
  '==': 'eq', '=': 'eq', eq: 'eq',
  '<': 'lt', lt: 'lt',
  '<=': 'le', le: 'le',
  '>': 'gt', gt: 'gt',
  '>=': 'ge', ge: 'ge',
  '!=': 'ne', '<>': 'ne', ne: 'ne'
}

/** distutils LooseVersion: digits become ints, letter runs stay strings, dots vanish. */
export function looseVersion(text: string): Value[] {
  return text
    .split(/(\d+|[a-z]+|\.)/)
    .filter((part) => part && part !== '.')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part))
}

function strictVersion(text: string): Value[] {
  const m = /^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$/.exec(text)
  if (!m) throw new PyError('ValueError', `invalid version number '${text}'`)
  // A release sorts after its pre-releases: ('z', 0) stands in for "no pre-release".
  const pre: Value[] = m[5] ? [m[5][0], Number(m[6])] : ['z', 0]
  return [Number(m[1]), Number(m[2]), Number(m[4] ?? 0), ...pre]
}

function semanticVersion(text: string): Value[] {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text)
  if (!m) throw new PyError('ValueError', `invalid semantic version '${text}'`)
  // No pre-release sorts after any pre-release: a leading 1 vs 0 does that.
  const pre = m[4] ? [0, ...m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p))] : [1]
  return [Number(m[1]), Number(m[2]), Number(m[3]), ...pre]
}

const PARSERS: Record<string, (text: string) => Value[]> = {
  loose: looseVersion,
  strict: strictVersion,
  semver: semanticVersion,
  semantic: semanticVersion
}

export function versionCompare(
  value: string,
  version: string,
  operator = 'eq',
  strict: boolean | null = null,
  versionType: string | null = null
): boolean {
  if (strict !== null && versionType !== null) throw new PyError('AnsibleFilterError', "Cannot specify both 'strict' and 'version_type'")
  if (!value) throw new PyError('AnsibleFilterError', 'Input version value cannot be empty')
  if (!version) throw new PyError('AnsibleFilterError', 'Version parameter to compare against cannot be empty')
  const op = ownEntry(OPERATORS, operator)
  if (!op) {
    throw new PyError('AnsibleFilterError', `Invalid operator type (${operator}). Must be one of ${Object.keys(OPERATORS).map((o) => `'${o}'`).join(', ')}`)
  }
  const type = strict ? 'strict' : (versionType ?? 'loose')
  const parse = ownEntry(PARSERS, type)
  if (!parse) throw new PyError('AnsibleFilterError', `Invalid version type (${type}). Must be one of ${Object.keys(PARSERS).join(', ')}`)
  try {
    const a = parse(value)
    const b = parse(version)
    if (op === 'eq') return pyEquals(a, b)
    if (op === 'ne') return !pyEquals(a, b)
    const c = pyEquals(a, b) ? 0 : pyCompare(a, b, op === 'lt' || op === 'le' ? '<' : '>')
    return op === 'lt' ? c < 0 : op === 'le' ? c <= 0 : op === 'gt' ? c > 0 : c >= 0
  } catch (e) {
    throw new PyError('AnsibleFilterError', `Version comparison failed: ${(e as Error).message}`)
  }
}
