/**
 * YAML as Ansible reads it: PyYAML's YAML 1.1 resolvers (yes/no/on/off are booleans,
 * `1.17` is a float but `1e3` a string, `0755` octal, `1:30` sexagesimal), mapping order
 * kept whatever the keys, integer keys staying integers, merge keys, duplicate keys
 * overriding. Three readers, fastest first: a line-based reader of the plain subset that
 * Kubespray's files use (yaml/simple.ts, which declines anything else), js-yaml, and the
 * `yaml` package's AST as the exact path for what js-yaml cannot order as PyYAML does, and
 * for aliases, which only it counts against a budget.
 * The libraries run in the failsafe schema (every scalar a string) and we resolve plain
 * scalars ourselves (yaml/scalars.ts), so no library's idea of YAML types leaks in.
 */
import type JsYaml from 'js-yaml'
import type { LineCounter, Node } from 'yaml'
import { lazyRequire } from './lazy-require.js'
import { PyFloat, type PyDict, type PyKey, type Value } from './python/values.js'
import { BOOL_FALSE, BOOL_TRUE, FLOAT, INT, NULL, constructFloat, constructInt, resolvePlainScalar, resolveTagged } from './yaml/scalars.js'
import { parseSimpleYaml } from './yaml/simple.js'

const yamlLibrary = lazyRequire<typeof import('yaml')>('yaml')
const jsYamlLibrary = lazyRequire<typeof JsYaml>('js-yaml')

export { resolvePlainScalar }

export class YamlError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string
  ) {
    super(`${file}:${line}:${column}: YAML error: ${reason}`)
    this.name = 'YamlError'
  }
}

/**
 * Aliases let a few lines stand for an exponential tree ("billion laughs"). The exact reader
 * builds it shared, as PyYAML does, but templating and JSON output walk it as a tree; so the
 * aliases of one file may stand for at most this many nodes in all, counted as if expanded.
 * An inventory that merges a few defaults into each of a thousand hosts stays far below it.
 */
export const MAX_ALIAS_EXPANSION = 1_000_000

/** A string weighs a node per this many characters, so aliases to one long text are bounded too. */
const CHARACTERS_PER_NODE = 100

const aliasesTooLarge = (): string =>
  `the aliases in this file stand for more than ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')} nodes when expanded ` +
  '(a "billion laughs" file?): write the repeated values out, or alias fewer and smaller collections'

const recursiveAlias = (alias: string): string =>
  `alias *${alias} refers to a collection that contains it: a variable cannot hold a recursive structure, remove the alias`

/** Tallies the nodes that one file's aliases stand for. */
class AliasBudget {
  /** Expanded sizes of the collections aliased so far: each is sized once, so tallying is linear. */
  private readonly sizes = new Map<object, number>()
  private expanded = 0

  /** Counts one alias standing for `value`; false once the file's aliases cross the limit. */
  add(value: Value): boolean {
    this.expanded += this.expandedSize(value)
    return this.expanded <= MAX_ALIAS_EXPANSION
  }

  /** Nodes in `value` as a tree. A recursive alias is refused before its value exists, so there is no cycle here. */
  private expandedSize(value: Value): number {
    if (typeof value === 'string') return 1 + Math.floor(value.length / CHARACTERS_PER_NODE)
    if (!Array.isArray(value) && !(value instanceof Map)) return 1
    const known = this.sizes.get(value)
    if (known !== undefined) return known
    let size = 1
    for (const child of value instanceof Map ? value.values() : value) size += this.expandedSize(child)
    this.sizes.set(value, size)
    return size
  }
}

class Converter {
  private readonly seen = new Map<Node, Value>()
  /** Anchors met so far in document order: what an alias names is the last one before it. */
  private readonly anchors = new Map<string, Node>()
  /** Collections being converted: an alias to one of them would make a cycle. */
  private readonly open = new Set<Node>()

  constructor(
    private readonly file: string,
    private readonly lines: LineCounter,
    /** One per file: its documents share the limit. */
    private readonly budget: AliasBudget
  ) {}

  private fail(node: Node | null | undefined, reason: string): never {
    const pos = this.lines.linePos(node?.range?.[0] ?? 0)
    throw new YamlError(this.file, pos.line, pos.col, reason)
  }

  convert(node: unknown): Value {
    const { isAlias, isScalar } = yamlLibrary()
    if (node === null || node === undefined) return null
    if (isAlias(node)) {
      // Not node.resolve(doc): that walks the whole document for every alias.
      const target = this.anchors.get(node.source)
      if (!target) this.fail(node, `unknown alias *${node.source}`)
      if (this.open.has(target)) this.fail(node, recursiveAlias(node.source))
      const value = this.convert(target)
      if (!this.budget.add(value)) this.fail(node, aliasesTooLarge())
      return value
    }
    const anchor = (node as Node).anchor
    if (anchor) this.anchors.set(anchor, node as Node)
    if (isScalar(node)) {
      const source = String(node.value)
      if (node.tag) return resolveTagged(node.tag, source)
      return node.type === 'PLAIN' ? resolvePlainScalar(source) : source
    }
    const cached = this.seen.get(node as Node)
    if (cached !== undefined) return cached
    this.open.add(node as Node)
    const value = this.convertCollection(node)
    this.open.delete(node as Node)
    return value
  }

  private convertCollection(node: unknown): Value {
    const { isMap, isPair, isScalar, isSeq } = yamlLibrary()
    if (isSeq(node)) {
      const list: Value[] = []
      this.seen.set(node, list)
      for (const item of node.items) list.push(this.convert(item))
      return list
    }
    if (isMap(node)) {
      const dict: PyDict = new Map()
      this.seen.set(node, dict)
      const merges: Value[] = []
      for (const pair of node.items) {
        if (!isPair(pair)) continue
        const keyNode = pair.key as Node | null
        if (isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.value === '<<' && !keyNode.tag) {
          merges.push(this.convert(pair.value))
          continue
        }
        const key = this.convert(keyNode)
        if (Array.isArray(key) || key instanceof Map) this.fail(keyNode, 'found unhashable key (a list or mapping used as a key)')
        dict.set(key as PyKey, this.convert(pair.value))
      }
      // PyYAML puts merged pairs first (later sources first) and the mapping's own after,
      // so an own key overrides a merged one but keeps the merged key's position.
      if (merges.length) {
        const merged: PyDict = new Map()
        for (const source of merges.flatMap((m) => (Array.isArray(m) ? m : [m])).reverse()) {
          if (!(source instanceof Map)) this.fail(node, 'expected a mapping for merging')
          for (const [k, v] of source) merged.set(k, v)
        }
        for (const [k, v] of dict) merged.set(k, v)
        this.seen.set(node, merged)
        return merged
      }
      return dict
    }
    return this.fail(node as Node, 'unsupported YAML node')
  }
}

/** The exact path: the `yaml` package's AST, every node resolved by us. */
function loadYamlDocumentsExact(text: string, file: string): Value[] {
  const { LineCounter, parseAllDocuments } = yamlLibrary()
  const lines = new LineCounter()
  const docs = parseAllDocuments(text, { schema: 'failsafe', lineCounter: lines, uniqueKeys: false, strict: false })
  const list = Array.isArray(docs) ? docs : []
  const budget = new AliasBudget()
  return list.map((doc) => {
    const error = doc.errors[0]
    if (error) {
      const pos = error.linePos?.[0] ?? { line: 0, col: 0 }
      throw new YamlError(file, pos.line, pos.col, error.message.split('\n')[0])
    }
    return new Converter(file, lines, budget).convert(doc.contents)
  })
}

/** Parses every document of a YAML text; errors name the file, line and column. */
export function loadYamlDocuments(text: string, file: string): Value[] {
  const simple = parseSimpleYaml(text)
  // An empty text has no document but "---" has one: let the full parsers count those.
  if (simple !== undefined && simple !== null) return [simple]
  return loadYamlDocumentsFull(text, file)
}

/** The general parsers alone, without the line-based shortcut (the differential test compares them). */
export function loadYamlDocumentsFull(text: string, file: string): Value[] {
  // Merge keys order differently in js-yaml than in PyYAML: take the exact path for them.
  if (/(^|[\s{,])<<\s*:/m.test(text)) return loadYamlDocumentsExact(text, file)
  // Aliases go there too: only the exact path counts them against the budget and knows their
  // lines. An alias cannot be written without a '*', so js-yaml never meets one (unboxing its
  // shared objects as a tree is what made a 1 KB billion-laughs file take 40 s and 4 GB).
  if (text.includes('*')) return loadYamlDocumentsExact(text, file)
  const fast = loadWithJsYaml(text, file)
  return fast ?? loadYamlDocumentsExact(text, file)
}

/** A single-document YAML file (an empty file is None, as PyYAML says). */
export function loadYaml(text: string, file: string): Value {
  const docs = loadYamlDocuments(text, file)
  if (docs.length > 1) throw new YamlError(file, 1, 1, 'expected a single document, found several')
  return docs.length ? docs[0] : null
}

/*
 * The fast path: js-yaml, about five times quicker than the AST path on Kubespray's 1,400-line
 * checksum tables (which dominates a `lists` run). Every implicitly typed scalar is boxed, so a
 * key like 20231030 is not an integer-like property name and object order stays the file's
 * order. What boxing cannot protect, a quoted integer-like key ("10"), sends the text to the
 * exact path.
 */
class Boxed {
  constructor(readonly value: Value) {}
  // js-yaml names any plain object key '[object Object]'; a tag of our own lets toString speak.
  get [Symbol.toStringTag](): string {
    return 'PyScalar'
  }
  /** As a property name: a marker no YAML text can produce, then the Python type and value. */
  toString(): string {
    const v = this.value
    if (v === null) return '\u0000n'
    if (typeof v === 'boolean') return `\u0000b${v ? 1 : 0}`
    if (v instanceof PyFloat) return `\u0000f${v.value}`
    return `\u0000i${String(v)}`
  }
}

function unboxKey(key: string): Value {
  if (!key.startsWith('\u0000')) return key
  const kind = key[1]
  const rest = key.slice(2)
  if (kind === 'n') return null
  if (kind === 'b') return rest === '1'
  if (kind === 'f') return new PyFloat(Number(rest))
  return Number(rest)
}

function buildPyYamlSchema(jsyaml: typeof JsYaml): JsYaml.Schema {
  const implicitType = (name: string, test: RegExp, construct: (s: string) => Value): JsYaml.Type =>
    new jsyaml.Type(`tag:yaml.org,2002:${name}`, {
      kind: 'scalar',
      resolve: (data: string | null) => data !== null && test.test(data),
      construct: (data: string | null) => new Boxed(construct(data ?? ''))
    })
  const unsafeType = new jsyaml.Type('!unsafe', {
    kind: 'scalar',
    construct: (data: string | null) => resolveTagged('!unsafe', data ?? '')
  })
  return jsyaml.FAILSAFE_SCHEMA.extend({
    implicit: [
      implicitType('null', NULL, () => null),
      implicitType('bool', new RegExp(`${BOOL_TRUE.source}|${BOOL_FALSE.source}`), (s) => BOOL_TRUE.test(s)),
      implicitType('int', INT, constructInt),
      implicitType('float', FLOAT, constructFloat)
    ],
    explicit: [unsafeType]
  })
}

let pyYamlSchema: JsYaml.Schema | undefined

const INTEGER_LIKE_KEY = /^(0|[1-9]\d{0,9})$/

class NeedsExactPath extends Error {}

function unbox(value: unknown): Value {
  if (value instanceof Boxed) return value.value
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return null
  if (Array.isArray(value)) return value.map(unbox)
  if (typeof value === 'object') {
    const dict: PyDict = new Map()
    for (const key of Object.keys(value)) {
      if (INTEGER_LIKE_KEY.test(key) || key.startsWith('[object ')) throw new NeedsExactPath()
      dict.set(unboxKey(key) as PyKey, unbox((value as Record<string, unknown>)[key]))
    }
    return dict
  }
  return value as Value
}

function loadWithJsYaml(text: string, file: string): Value[] | undefined {
  const jsyaml = jsYamlLibrary()
  pyYamlSchema ??= buildPyYamlSchema(jsyaml)
  try {
    const docs: unknown[] = []
    jsyaml.loadAll(text, (doc) => docs.push(doc), { schema: pyYamlSchema, json: true, filename: file })
    return docs.map(unbox)
  } catch (e) {
    if (e instanceof NeedsExactPath) return undefined
    if (e instanceof jsyaml.YAMLException) {
      throw new YamlError(file, (e.mark?.line ?? 0) + 1, (e.mark?.column ?? 0) + 1, e.reason)
    }
    throw e
  }
}
