/**
 * Jinja's environment.getattr: Python attributes (the methods of dict, str and list that
 * templates call) first, then subscription. A miss is an Undefined, and an Undefined's
 * attributes are itself (Ansible keeps the first failure's context).
 */
import {
  DictView,
  PyCallable,
  PyError,
  PyTuple,
  Undefined,
  dictGet,
  failIfUndefined,
  iterate,
  ownEntry,
  pyEquals,
  pyStr,
  typeName,
  type PyDict,
  type Value
} from '../python/values.js'

function str(v: Value | undefined, what: string): string {
  if (typeof v !== 'string') throw new PyError('TypeError', `${what} must be str, not ${typeName(v ?? null)}`)
  return v
}

/** Python's str.split(sep=None, maxsplit=-1). */
export function pySplit(s: string, sep: Value | undefined, maxsplit = -1): string[] {
  if (sep === undefined || sep === null) {
    const parts: string[] = []
    let rest = s.replace(/^\s+/, '')
    while (rest) {
      if (maxsplit >= 0 && parts.length === maxsplit) {
        parts.push(rest)
        break
      }
      const m = /\s+/.exec(rest)
      if (!m) {
        parts.push(rest)
        break
      }
      parts.push(rest.slice(0, m.index))
      rest = rest.slice(m.index + m[0].length)
    }
    return parts
  }
  const separator = str(sep, 'separator')
  if (!separator) throw new PyError('ValueError', 'empty separator')
  const all = s.split(separator)
  if (maxsplit < 0 || all.length <= maxsplit + 1) return all
  return [...all.slice(0, maxsplit), all.slice(maxsplit).join(separator)]
}

function stripChars(s: string, chars: Value | undefined, side: 'both' | 'left' | 'right'): string {
  const set = chars === undefined || chars === null ? null : str(chars, 'strip arg')
  const strip = (c: string): boolean => (set === null ? /\s/.test(c) : set.includes(c))
  let start = 0
  let end = s.length
  if (side !== 'right') while (start < end && strip(s[start])) start++
  if (side !== 'left') while (end > start && strip(s[end - 1])) end--
  return s.slice(start, end)
}

const DICT_METHODS: Record<string, (d: PyDict, args: Value[]) => Value> = {
  keys: (d) => new DictView('keys', d),
  values: (d) => new DictView('values', d),
  items: (d) => new DictView('items', d),
  get: (d, args) => dictGet(d, args[0]) ?? (args.length > 1 ? args[1] : null),
  copy: (d) => new Map(d)
}

const STRING_METHODS: Record<string, (s: string, args: Value[]) => Value> = {
  split: (s, args) => pySplit(s, args[0], typeof args[1] === 'number' ? args[1] : -1),
  rsplit: (s, args) => {
    const max = typeof args[1] === 'number' ? args[1] : -1
    if (max < 0) return pySplit(s, args[0])
    const parts = pySplit(s, args[0])
    const sep = args[0] === undefined || args[0] === null ? ' ' : str(args[0], 'separator')
    return parts.length <= max + 1 ? parts : [parts.slice(0, parts.length - max).join(sep), ...parts.slice(parts.length - max)]
  },
  splitlines: (s) => s.split(/\r\n|\r|\n/).filter((_, i, a) => i < a.length - 1 || a[i] !== ''),
  startswith: (s, args) => prefixTest(args[0], (p) => s.startsWith(p)),
  endswith: (s, args) => prefixTest(args[0], (p) => s.endsWith(p)),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  strip: (s, args) => stripChars(s, args[0], 'both'),
  lstrip: (s, args) => stripChars(s, args[0], 'left'),
  rstrip: (s, args) => stripChars(s, args[0], 'right'),
  replace: (s, args) => s.split(str(args[0], 'replace() argument 1')).join(str(args[1], 'replace() argument 2')),
  find: (s, args) => s.indexOf(str(args[0], 'find() argument')),
  count: (s, args) => s.split(str(args[0], 'count() argument')).length - 1,
  join: (s, args) => iterate(args[0] ?? []).map((x) => str(x, 'sequence item')).join(s),
  isdigit: (s) => /^\d+$/.test(s),
  title: (s) => s.replace(/[A-Za-z]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()),
  capitalize: (s) => (s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s),
  format: (s, args) => {
    let i = 0
    return s.replace(/\{(\d*)\}/g, (_, n: string) => pyStr(args[n === '' ? i++ : Number(n)] ?? ''))
  }
}

const LIST_METHODS: Record<string, (l: Value[], args: Value[]) => Value> = {
  index: (l, args) => {
    const i = l.findIndex((x) => pyEquals(x, args[0]))
    if (i < 0) throw new PyError('ValueError', `${pyStr(args[0])} is not in list`)
    return i
  },
  count: (l, args) => l.filter((x) => pyEquals(x, args[0])).length
}

function prefixTest(arg: Value | undefined, test: (p: string) => boolean): boolean {
  if (arg instanceof PyTuple) return arg.items.some((p) => test(str(p, 'prefix')))
  return test(str(arg, 'prefix'))
}

function bind<T>(name: string, self: T, fn: (self: T, args: Value[]) => Value): PyCallable {
  return new PyCallable(name, (args) => fn(self, args))
}

export function attribute(obj: Value, name: string): Value {
  if (obj instanceof Undefined) return obj
  if (obj instanceof Map) {
    const method = ownEntry(DICT_METHODS, name)
    if (method) return bind(name, obj, method)
    const found = dictGet(obj, name)
    if (found !== undefined) return found
  } else if (typeof obj === 'string') {
    const method = ownEntry(STRING_METHODS, name)
    if (method) return bind(name, obj, method)
  } else if (Array.isArray(obj)) {
    const method = ownEntry(LIST_METHODS, name)
    if (method) return bind(name, obj, method)
  }
  const what = obj === null ? 'None' : `'${typeName(failIfUndefined(obj))} object'`
  return new Undefined(`${what} has no attribute '${name}'`)
}
