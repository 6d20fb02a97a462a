/**
 * Jinja2's built-in filters and Ansible's core filters, as Kubespray's variables use them.
 * Results that Python returns as generators are lists here: Ansible unrolls them too.
 */
import {
  DictView,
  PyError,
  PyFloat,
  PyTuple,
  Undefined,
  UndefinedError,
  failIfUndefined,
  iterate,
  numericValue,
  ownEntry,
  pyCompare,
  pyEquals,
  pyStr,
  truthy,
  typeName,
  type PyDict,
  type PyKey,
  type Value
} from '../python/values.js'
import { compilePyRegex, pyReplacement } from '../python/regex.js'
import { pySplit, attribute } from './attributes.js'
import type { Environment, FilterFn, Kwargs } from './render.js'
import { getItem, TemplateError } from './render.js'

/** Reads positional-or-keyword arguments the way a Python signature would. */
export function argument(args: Value[], kwargs: Kwargs, index: number, name: string, fallback: Value): Value {
  if (args.length > index) return args[index]
  const kw = kwargs.get(name)
  return kw === undefined ? fallback : kw
}

function text(v: Value): string {
  return pyStr(failIfUndefined(v))
}

function toList(v: Value): Value[] {
  return [...iterate(failIfUndefined(v))]
}

function requireDict(v: Value, filter: string): PyDict {
  const d = failIfUndefined(v)
  if (!(d instanceof Map)) throw new PyError('AnsibleFilterError', `${filter} requires a dictionary, got ${typeName(d)} instead.`)
  return d
}

/** Ansible's to_bool: yes/on/1/true (any case) and 1 are true; None stays None. */
export function toBool(v: Value): Value {
  const value = failIfUndefined(v)
  if (value === null || typeof value === 'boolean') return value
  const probe = typeof value === 'string' ? value.toLowerCase() : value
  return ['yes', 'on', '1', 'true'].includes(probe as string) || probe === 1
}

function toInt(v: Value, fallback: Value = 0, base = 10): Value {
  const value = failIfUndefined(v)
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number') return value
  if (value instanceof PyFloat) return Math.trunc(value.value)
  if (typeof value === 'string') {
    const s = value.trim().replace(/_/g, '')
    if (base === 10 && /^[-+]?\d+$/.test(s)) return parseInt(s, 10)
    if (base !== 10) {
      const n = parseInt(s.replace(/^0[xob]/i, ''), base)
      if (!Number.isNaN(n)) return n
    }
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Math.trunc(Number(s))
  }
  return fallback
}

function toFloat(v: Value, fallback: Value = new PyFloat(0)): Value {
  const value = failIfUndefined(v)
  if (typeof value === 'number' || typeof value === 'boolean') return new PyFloat(numericValue(value))
  if (value instanceof PyFloat) return value
  if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return new PyFloat(Number(value))
  return fallback
}

function runTest(env: Environment, name: Value, item: Value, args: Value[]): boolean {
  if (typeof name !== 'string') throw new TemplateError('test name must be a string')
  const test = ownEntry(env.tests, name.split('.').pop() as string)
  if (!test) throw new TemplateError(`no test named '${name}'`)
  return test(item, args, new Map(), env)
}

function selectOrReject(keep: boolean, byAttribute: boolean): FilterFn {
  return (value, args, _kwargs, env) => {
    const items = toList(value)
    const attr = byAttribute ? args[0] : null
    const [testName, ...testArgs] = byAttribute ? args.slice(1) : args
    const pick = (item: Value): Value => (byAttribute ? getPath(item, attr ?? null) : item)
    return items.filter((item) => {
      const subject = pick(item)
      const passed = testName === undefined ? truthy(subject) : runTest(env, testName, subject, testArgs)
      return passed === keep
    })
  }
}

/** `attribute='a.b'` or an index, as Jinja's make_attrgetter reads it. */
function getPath(item: Value, path: Value): Value {
  if (typeof path === 'number') return getItem(item, path)
  let current = item
  for (const part of pyStr(failIfUndefined(path)).split('.')) {
    current = getItem(current, /^\d+$/.test(part) ? Number(part) : part)
  }
  return current
}

function combine(dicts: PyDict[], recursive: boolean, listMerge: string): PyDict {
  const result: PyDict = new Map()
  for (const d of dicts) mergeInto(result, d, recursive, listMerge)
  return result
}

function mergeInto(target: PyDict, source: PyDict, recursive: boolean, listMerge: string): void {
  for (const [k, v] of source) {
    const existing = target.get(k)
    if (recursive && existing instanceof Map && v instanceof Map) {
      const merged: PyDict = new Map(existing)
      mergeInto(merged, v, recursive, listMerge)
      target.set(k, merged)
    } else if (Array.isArray(existing) && Array.isArray(v) && listMerge !== 'replace') {
      const merged =
        listMerge === 'append' ? [...existing, ...v]
        : listMerge === 'prepend' ? [...v, ...existing]
        : listMerge === 'append_rp' ? [...existing.filter((x) => !v.some((y) => pyEquals(x, y))), ...v]
        : listMerge === 'prepend_rp' ? [...v, ...existing.filter((x) => !v.some((y) => pyEquals(x, y)))]
        : v
      target.set(k, merged)
    } else {
      target.set(k, v)
    }
  }
}

function unique(items: Value[]): Value[] {
  const out: Value[] = []
  for (const item of items) if (!out.some((x) => pyEquals(x, item))) out.push(item)
  return out
}

function sortKey(a: Value, b: Value): number {
  return pyEquals(a, b) ? 0 : pyCompare(a, b, '<')
}

function flatten(items: Value[], levels: number | null): Value[] {
  const out: Value[] = []
  for (const item of items) {
    if ((Array.isArray(item) || item instanceof PyTuple) && (levels === null || levels > 0)) {
      out.push(...flatten(iterate(item), levels === null ? null : levels - 1))
    } else if (item !== null && item !== 'None') {
      out.push(item)
    }
  }
  return out
}

/** printf-style `%` formatting for the `format` filter: %s %d %i %f %r %%. */
function percentFormat(template: string, args: Value[]): string {
  let i = 0
  return template.replace(/%(-?\d*)(?:\.(\d+))?([sdifr%])/g, (_, width: string, precision: string | undefined, conv: string) => {
    if (conv === '%') return '%'
    const arg = failIfUndefined(args[i++] ?? null)
    let out: string
    if (conv === 's') out = pyStr(arg)
    else if (conv === 'r') out = typeof arg === 'string' ? `'${arg}'` : pyStr(arg)
    else if (conv === 'f') out = numericValue(arg as number).toFixed(precision ? Number(precision) : 6)
    else out = String(Math.trunc(numericValue(arg as number)))
    const w = Number(width)
    return w < 0 ? out.padEnd(-w) : out.padStart(w)
  })
}

function length(value: Value): number {
  const v = failIfUndefined(value)
  if (typeof v === 'string') return [...v].length
  if (v instanceof Map) return v.size
  if (v instanceof DictView) return v.dict.size
  if (Array.isArray(v)) return v.length
  if (v instanceof PyTuple) return v.items.length
  throw new PyError('TypeError', `object of type '${typeName(v)}' has no len()`)
}

export const FILTERS: Record<string, FilterFn> = {
  default: (value, args, kwargs) => {
    const fallback = argument(args, kwargs, 0, 'default_value', '')
    const boolean = truthy(argument(args, kwargs, 1, 'boolean', false))
    if (value instanceof Undefined || (boolean && !truthy(value))) return fallback
    return value
  },
  mandatory: (value, args) => {
    if (value instanceof Undefined) throw new UndefinedError(new Undefined(args[0] ? text(args[0]) : `Mandatory variable ${value.name ? `'${value.name}' ` : ''}not defined.`))
    return value
  },
  bool: (value) => toBool(value),
  int: (value, args, kwargs) => toInt(value, argument(args, kwargs, 0, 'default', 0), numericValue(argument(args, kwargs, 1, 'base', 10) as number)),
  float: (value, args, kwargs) => toFloat(value, argument(args, kwargs, 0, 'default', new PyFloat(0))),
  string: (value) => text(value),
  lower: (value) => text(value).toLowerCase(),
  upper: (value) => text(value).toUpperCase(),
  capitalize: (value) => {
    const s = text(value)
    return s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s
  },
  title: (value) => text(value).replace(/[A-Za-z0-9]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()),
  trim: (value, args) => {
    const s = text(value)
    if (args[0] === undefined || args[0] === null) return s.trim()
    const chars = text(args[0])
    let a = 0
    let b = s.length
    while (a < b && chars.includes(s[a])) a++
    while (b > a && chars.includes(s[b - 1])) b--
    return s.slice(a, b)
  },
  replace: (value, args, kwargs) => {
    const s = text(value)
    const old = text(args[0])
    const replacement = text(args[1])
    const count = argument(args, kwargs, 2, 'count', null)
    if (count === null) return s.split(old).join(replacement)
    const parts = s.split(old)
    const n = numericValue(count as number)
    return parts.slice(0, n + 1).join(replacement) + (parts.length > n + 1 ? old + parts.slice(n + 1).join(old) : '')
  },
  join: (value, args, kwargs) => {
    const sep = text(argument(args, kwargs, 0, 'd', ''))
    const attr = argument(args, kwargs, 1, 'attribute', null)
    return toList(value).map((item) => text(attr === null ? item : getPath(item, attr))).join(sep)
  },
  split: (value, args, kwargs) => pySplit(text(value), argument(args, kwargs, 0, 'sep', null), numericValue(argument(args, kwargs, 1, 'maxsplit', -1) as number)),
  length,
  count: length,
  first: (value) => {
    const items = toList(value)
    return items.length ? items[0] : new Undefined('No first item, sequence was empty.')
  },
  last: (value) => {
    const items = toList(value)
    return items.length ? items[items.length - 1] : new Undefined('No last item, sequence was empty.')
  },
  list: (value) => toList(value),
  unique: (value) => unique(toList(value)),
  reverse: (value) => {
    const v = failIfUndefined(value)
    if (typeof v === 'string') return [...v].reverse().join('')
    return toList(v).reverse()
  },
  sort: (value, args, kwargs) => {
    const reverse = truthy(argument(args, kwargs, 0, 'reverse', false))
    const attr = argument(args, kwargs, 2, 'attribute', null)
    const keyOf = (v: Value): Value => {
      const k = attr === null ? v : getPath(v, attr)
      return typeof k === 'string' && !truthy(argument(args, kwargs, 1, 'case_sensitive', false)) ? k.toLowerCase() : k
    }
    const sorted = toList(value).sort((a, b) => sortKey(keyOf(a), keyOf(b)))
    return reverse ? sorted.reverse() : sorted
  },
  min: (value) => toList(value).reduce((a, b) => (sortKey(b, a) < 0 ? b : a)),
  max: (value) => toList(value).reduce((a, b) => (sortKey(b, a) > 0 ? b : a)),
  sum: (value, args, kwargs) => {
    const start = argument(args, kwargs, 1, 'start', 0)
    return toList(value).reduce<number>((acc, v) => acc + numericValue(failIfUndefined(v) as number), numericValue(start as number))
  },
  abs: (value) => {
    const v = failIfUndefined(value)
    return v instanceof PyFloat ? new PyFloat(Math.abs(v.value)) : Math.abs(numericValue(v as number))
  },
  round: (value, args, kwargs) => {
    const precision = numericValue(argument(args, kwargs, 0, 'precision', 0) as number)
    const method = text(argument(args, kwargs, 1, 'method', 'common'))
    const f = 10 ** precision
    const x = numericValue(failIfUndefined(value) as number) * f
    const r = method === 'ceil' ? Math.ceil(x) : method === 'floor' ? Math.floor(x) : Math.sign(x) * Math.round(Math.abs(x))
    return new PyFloat(r / f)
  },
  select: selectOrReject(true, false),
  reject: selectOrReject(false, false),
  selectattr: selectOrReject(true, true),
  rejectattr: selectOrReject(false, true),
  map: (value, args, kwargs, env) => {
    const items = toList(value)
    const attr = kwargs.get('attribute')
    if (attr !== undefined) {
      const fallback = kwargs.get('default')
      return items.map((item) => {
        const got = getPath(item, attr)
        return got instanceof Undefined && fallback !== undefined ? fallback : got
      })
    }
    const [name, ...rest] = args
    const filter = ownEntry(env.filters, text(name))
    if (!filter) throw new TemplateError(`no filter named '${text(name)}'`)
    return items.map((item) => filter(item, rest, new Map(), env))
  },
  dict2items: (value, args, kwargs) => {
    const d = requireDict(value, 'dict2items')
    const keyName = text(argument(args, kwargs, 0, 'key_name', 'key'))
    const valueName = text(argument(args, kwargs, 1, 'value_name', 'value'))
    return [...d.entries()].map(([k, v]) => new Map<PyKey, Value>([[keyName, k], [valueName, v]]))
  },
  items2dict: (value, args, kwargs) => {
    const keyName = text(argument(args, kwargs, 0, 'key_name', 'key'))
    const valueName = text(argument(args, kwargs, 1, 'value_name', 'value'))
    return new Map(toList(value).map((item) => [getItem(item, keyName) as PyKey, getItem(item, valueName)]))
  },
  dictsort: (value) => [...requireDict(value, 'dictsort').entries()].sort((a, b) => sortKey(a[0], b[0])).map(([k, v]) => new PyTuple([k, v])),
  items: (value) => (value instanceof Undefined ? [] : new DictView('items', requireDict(value, 'items')).items),
  combine: (value, args, kwargs) => {
    const dicts = [value, ...args].map((d) => requireDict(d, 'combine'))
    return combine(dicts, truthy(kwargs.get('recursive') ?? false), text(kwargs.get('list_merge') ?? 'replace'))
  },
  flatten: (value, args, kwargs) => {
    const levels = argument(args, kwargs, 0, 'levels', null)
    return flatten(toList(value), levels === null ? null : numericValue(levels as number))
  },
  difference: (value, args) => {
    const other = toList(args[0])
    return unique(toList(value).filter((x) => !other.some((y) => pyEquals(x, y))))
  },
  intersect: (value, args) => {
    const other = toList(args[0])
    return unique(toList(value).filter((x) => other.some((y) => pyEquals(x, y))))
  },
  union: (value, args) => unique([...toList(value), ...toList(args[0])]),
  symmetric_difference: (value, args) => {
    const a = toList(value)
    const b = toList(args[0])
    return unique([...a.filter((x) => !b.some((y) => pyEquals(x, y))), ...b.filter((x) => !a.some((y) => pyEquals(x, y)))])
  },
  zip: (value, args) => {
    const lists = [toList(value), ...args.map(toList)]
    const n = Math.min(...lists.map((l) => l.length))
    return Array.from({ length: n }, (_, i) => new PyTuple(lists.map((l) => l[i])))
  },
  regex_replace: (value, args, kwargs) => {
    const pattern = text(argument(args, kwargs, 0, 'pattern', ''))
    const replacement = text(argument(args, kwargs, 1, 'replacement', ''))
    const re = compilePyRegex(pattern, {
      ignorecase: truthy(argument(args, kwargs, 2, 'ignorecase', false)),
      multiline: truthy(argument(args, kwargs, 3, 'multiline', false))
    })
    return text(value).replace(re, pyReplacement(replacement))
  },
  regex_search: (value, args, kwargs) => {
    const re = compilePyRegex(text(args[0]), { ignorecase: truthy(kwargs.get('ignorecase') ?? false), multiline: truthy(kwargs.get('multiline') ?? false) }, false)
    const m = re.exec(text(value))
    if (!m) return null
    const refs = args.slice(1).map(text)
    if (!refs.length) return m[0]
    return refs.map((r) => {
      const g = /^\\(\d+)$/.exec(r) ?? /^\\g<(\w+)>$/.exec(r)
      if (!g) throw new PyError('AnsibleFilterError', `Unknown argument '${r}'`)
      return (/^\d+$/.test(g[1]) ? m[Number(g[1])] : m.groups && ownEntry(m.groups, g[1])) ?? null
    })
  },
  regex_findall: (value, args, kwargs) => {
    const re = compilePyRegex(text(args[0]), { ignorecase: truthy(kwargs.get('ignorecase') ?? false), multiline: truthy(kwargs.get('multiline') ?? false) })
    return [...text(value).matchAll(re)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : new PyTuple(m.slice(1).map((g) => g ?? ''))))
  },
  regex_escape: (value) => text(value).replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`),
  ternary: (value, args, kwargs) => {
    const noneValue = argument(args, kwargs, 2, 'none_val', null)
    if (value === null && args.length > 2) return noneValue
    return truthy(value) ? argument(args, kwargs, 0, 'true_val', null) : argument(args, kwargs, 1, 'false_val', null)
  },
  basename: (value) => text(value).split('/').pop() ?? '',
  dirname: (value) => {
    const s = text(value)
    const i = s.lastIndexOf('/')
    return i < 0 ? '' : s.slice(0, i) || '/'
  },
  format: (value, args) => percentFormat(text(value), args),
  to_json: (value) => JSON.stringify(toJson(value)),
  quote: (value) => {
    const s = text(value)
    return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\"'\"'")}'`
  },
  attr: (value, args) => attribute(value, text(args[0])),
  random: () => {
    throw new TemplateError('the random filter makes lists non-reproducible and is not supported')
  }
}
FILTERS.d = FILTERS.default
FILTERS.e = FILTERS.escape = (value) => text(value)

function toJson(value: Value): unknown {
  const v = failIfUndefined(value)
  if (v instanceof PyFloat) return v.value
  if (v instanceof PyTuple) return v.items.map(toJson)
  if (Array.isArray(v)) return v.map(toJson)
  if (v instanceof DictView) return v.items.map(toJson)
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [pyStr(k), toJson(x)]))
  if (typeof v === 'object' && v !== null) return pyStr(v)
  return v
}

