/**
 * Python values as Ansible's Jinja sees them.
 *
 * Kubespray's lists depend on Python details that JavaScript does not share: a YAML `1.17`
 * is a float that prints `1.17` but `1.0` prints `1.0`; a list printed into a template reads
 * `['a', 'b']`; mapping order is insertion order whatever the keys look like (gVisor's
 * checksum maps are keyed by integers). So values keep their Python type:
 *
 * | Python            | here                                  |
 * | ----------------- | ------------------------------------- |
 * | str               | string                                |
 * | int               | number (always an integer)            |
 * | float             | PyFloat                               |
 * | bool / None       | boolean / null                        |
 * | list / tuple      | Value[] / PyTuple                     |
 * | dict              | PyDict (a Map, insertion ordered)     |
 * | dict views        | DictView                              |
 * | jinja Undefined   | Undefined                             |
 */

export class PyFloat {
  constructor(readonly value: number) {}
}

export class PyTuple {
  constructor(readonly items: Value[]) {}
}

export type PyKey = string | number | boolean | null | PyFloat | PyTuple
export type PyDict = Map<PyKey, Value>

export class DictView {
  constructor(
    readonly kind: 'keys' | 'values' | 'items',
    readonly dict: PyDict
  ) {}

  get items(): Value[] {
    if (this.kind === 'keys') return [...this.dict.keys()]
    if (this.kind === 'values') return [...this.dict.values()]
    return [...this.dict.entries()].map(([k, v]) => new PyTuple([k, v]))
  }
}

/** A callable reached through attribute access (`d.keys`, `s.split`) or a global (`range`). */
export class PyCallable {
  constructor(
    readonly name: string,
    readonly call: (args: Value[], kwargs: Map<string, Value>) => Value
  ) {}
}

/**
 * Ansible's Undefined (a StrictUndefined): any use other than `is defined`, `default` or
 * further attribute access fails, with the reason it became undefined.
 */
export class Undefined {
  constructor(
    /** Why it is undefined, in Ansible's words: "'foo' is undefined". */
    readonly hint: string,
    readonly name?: string,
    /**
     * Jinja's plain Undefined, as `x if c` without else yields: prints '', is falsy,
     * iterates empty. Ansible's own (strict) Undefined fails on all of those.
     */
    readonly lenient = false
  ) {}
}

export type Value =
  | string
  | number
  | boolean
  | null
  | PyFloat
  | PyTuple
  | Value[]
  | PyDict
  | DictView
  | PyCallable
  | Undefined

/** A Python-level error (TypeError, ValueError, ...) raised while evaluating a template. */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string
  ) {
    super(message)
    this.name = pyType
  }
}

/** Raised when an Undefined is used: Ansible's AnsibleUndefinedVariable. */
export class UndefinedError extends Error {
  constructor(readonly undefinedValue: Undefined) {
    super(undefinedValue.hint)
    this.name = 'AnsibleUndefinedVariable'
  }
}

export function isNumber(v: unknown): v is number | PyFloat {
  return typeof v === 'number' || v instanceof PyFloat
}

export function numericValue(v: number | PyFloat | boolean): number {
  if (v instanceof PyFloat) return v.value
  if (typeof v === 'boolean') return v ? 1 : 0
  return v
}

export function failIfUndefined<T extends Value>(v: T): Exclude<T, Undefined> {
  if (v instanceof Undefined) throw new UndefinedError(v)
  return v as Exclude<T, Undefined>
}

export function typeName(v: Value): string {
  if (v instanceof Undefined) return 'AnsibleUndefined'
  if (typeof v === 'string') return 'str'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return 'int'
  if (v === null) return 'NoneType'
  if (v instanceof PyFloat) return 'float'
  if (v instanceof PyTuple) return 'tuple'
  if (Array.isArray(v)) return 'list'
  if (v instanceof Map) return 'dict'
  if (v instanceof DictView) return `dict_${v.kind}`
  return 'function'
}

/** Python's repr() of a float: shortest round-trip digits, exponent outside [1e-4, 1e16). */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const [mantissa, expText] = x.toExponential().split('e')
  const exponent = Number(expText)
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  const sign = negative ? '-' : ''
  if (exponent < -4 || exponent >= 16) {
    const frac = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    const expSign = exponent < 0 ? '-' : '+'
    return `${sign}${frac}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`
  const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0')
  const fracPart = digits.slice(exponent + 1)
  return `${sign}${intPart}.${fracPart || '0'}`
}

/** Python's repr() of a str: single quotes unless the text holds ' and no ". */
export function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0
    if (ch === quote || ch === '\\') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += ch
  }
  return out + quote
}

export function pyRepr(v: Value): string {
  if (typeof v === 'string') return stringRepr(v)
  return pyStr(v)
}

/** Python's str(): what a value looks like when printed into a template. */
export function pyStr(v: Value): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return String(v)
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (v === null) return 'None'
  if (v instanceof PyFloat) return floatRepr(v.value)
  if (v instanceof Undefined) {
    if (v.lenient) return ''
    throw new UndefinedError(v)
  }
  if (v instanceof PyTuple) {
    const inner = v.items.map(pyRepr)
    return inner.length === 1 ? `(${inner[0]},)` : `(${inner.join(', ')})`
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`
  if (v instanceof Map) {
    return `{${[...v.entries()].map(([k, val]) => `${pyRepr(k)}: ${pyRepr(val)}`).join(', ')}}`
  }
  if (v instanceof DictView) return `dict_${v.kind}(${pyStr(v.items)})`
  return `<built-in method ${v.name}>`
}

/** Python truthiness; an Undefined fails as StrictUndefined does. */
export function truthy(v: Value): boolean {
  if (v instanceof Undefined) {
    if (v.lenient) return false
    throw new UndefinedError(v)
  }
  if (typeof v === 'string') return v.length > 0
  if (typeof v === 'number') return v !== 0
  if (typeof v === 'boolean') return v
  if (v === null) return false
  if (v instanceof PyFloat) return v.value !== 0
  if (v instanceof PyTuple) return v.items.length > 0
  if (Array.isArray(v)) return v.length > 0
  if (v instanceof Map) return v.size > 0
  if (v instanceof DictView) return v.dict.size > 0
  return true
}

/** Python ==, with 1 == 1.0 == True and structural equality of containers. */
export function pyEquals(a: Value, b: Value): boolean {
  if (a instanceof Undefined) throw new UndefinedError(a)
  if (b instanceof Undefined) throw new UndefinedError(b)
  const numA = isNumber(a) || typeof a === 'boolean'
  const numB = isNumber(b) || typeof b === 'boolean'
  if (numA && numB) return numericValue(a as number) === numericValue(b as number)
  if (typeof a === 'string' || typeof b === 'string') return a === b
  if (a === null || b === null) return a === b
  if (a instanceof PyTuple && b instanceof PyTuple) return sequenceEquals(a.items, b.items)
  if (Array.isArray(a) && Array.isArray(b)) return sequenceEquals(a, b)
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false
    for (const [k, v] of a) {
      const other = dictGet(b, k)
      if (other === undefined || !pyEquals(v, other)) return false
    }
    return true
  }
  return a === b
}

function sequenceEquals(a: Value[], b: Value[]): boolean {
  return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]))
}

/** Python's <, >, ... : numbers with numbers, str with str, sequences element-wise; else TypeError. */
export function pyCompare(a: Value, b: Value, op: string): number {
  failIfUndefined(a)
  failIfUndefined(b)
  const numA = isNumber(a) || typeof a === 'boolean'
  const numB = isNumber(b) || typeof b === 'boolean'
  if (numA && numB) return Math.sign(numericValue(a as number) - numericValue(b as number))
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  const seqA = a instanceof PyTuple ? a.items : Array.isArray(a) ? a : undefined
  const seqB = b instanceof PyTuple ? b.items : Array.isArray(b) ? b : undefined
  if (seqA && seqB && a instanceof PyTuple === b instanceof PyTuple) {
    for (let i = 0; i < Math.min(seqA.length, seqB.length); i++) {
      if (!pyEquals(seqA[i], seqB[i])) return pyCompare(seqA[i], seqB[i], op)
    }
    return Math.sign(seqA.length - seqB.length)
  }
  throw new PyError(
    'TypeError',
    `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`
  )
}

/**
 * `table[name]` when `name` is the table's own entry. Templates name methods, filters, tests
 * and constants by user-written text; a plain lookup would hand them Object.prototype's
 * members (`constructor`, `toString`, `__proto__`) as if they were Python's.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined
}

/** Dict lookup with Python key equality (1 == 1.0 == True; tuples by value). */
export function dictGet(d: PyDict, key: Value): Value | undefined {
  if (typeof key === 'string' || key === null) return d.get(key)
  const direct = d.get(key as PyKey)
  if (direct !== undefined) return direct
  if (isNumber(key) || typeof key === 'boolean' || key instanceof PyTuple) {
    for (const [k, v] of d) {
      if (typeof k !== 'string' && k !== null && pyEquals(k, key)) return v
    }
  }
  return undefined
}

/** The items a for-loop, `in`, `list()` or a filter sees when iterating a value. */
export function iterate(v: Value): Value[] {
  if (v instanceof Undefined) {
    if (v.lenient) return []
    throw new UndefinedError(v)
  }
  if (typeof v === 'string') return [...v]
  if (Array.isArray(v)) return v
  if (v instanceof PyTuple) return v.items
  if (v instanceof Map) return [...v.keys()]
  if (v instanceof DictView) return v.items
  throw new PyError('TypeError', `'${typeName(v)}' object is not iterable`)
}

export function pyContains(container: Value, item: Value): boolean {
  failIfUndefined(container)
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      throw new PyError('TypeError', `'in <string>' requires string as left operand, not ${typeName(item)}`)
    }
    return container.includes(item)
  }
  if (container instanceof Map) return dictGet(container, item) !== undefined
  if (container instanceof DictView && container.kind === 'keys') {
    return dictGet(container.dict, item) !== undefined
  }
  return iterate(container).some((x) => pyEquals(x, item))
}
