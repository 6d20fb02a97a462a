/**
 * A line-based reader for the plain subset of YAML that Kubespray's variable files are
 * written in: block mappings and sequences, one-line plain and quoted scalars, one-line flow
 * sequences of scalars, `{}`, and literal/folded block scalars. It exists for speed: on a
 * cold start it reads Kubespray's 3,400 lines of role variables several times faster than a
 * general YAML library, and `lists` runs are cold starts.
 *
 * It is never the authority. Anything outside the subset (anchors, tags, merge keys,
 * multi-line flow or quoted scalars, more-indented folded lines, unusual keys, tabs, several
 * documents, errors of any kind) makes it return undefined, and the caller reads the text
 * with a full YAML parser, which also gives the precise error. Scalars are resolved by the
 * same PyYAML rules as the full paths, and a differential test holds the two to equal output.
 */
import type { PyDict, PyKey, Value } from '../python/values.js'
import { resolvePlainScalar } from './scalars.js'

interface Line {
  indent: number
  /** The line without its indentation. */
  content: string
  /** Blank or comment only: no structure (but content inside a block scalar). */
  insignificant: boolean
}

/** Thrown inside the reader when the text leaves the subset; never escapes parseSimpleYaml. */
class OutsideSubset extends Error {}

const outside = (): never => {
  throw new OutsideSubset()
}

/** A plain key as variable files write them: names, versions, architectures, dates. */
const PLAIN_KEY = /^([A-Za-z0-9_][A-Za-z0-9_./-]*) *:(?= |$)/
const BLOCK_SCALAR_HEADER = /^([|>])([-+]?) *(?:#.*)?$/
const DOUBLE_QUOTED_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029'
}
const HEX_ESCAPE_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 }

/** The document's value, or undefined when the text is not entirely within the subset. */
export function parseSimpleYaml(text: string): Value | undefined {
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined
  try {
    return new SimpleReader(text).document()
  } catch (e) {
    if (e instanceof OutsideSubset) return undefined
    throw e
  }
}

class SimpleReader {
  private readonly raw: string[]
  private readonly lines: Line[]
  private pos = 0

  constructor(text: string) {
    this.raw = text.split('\n')
    this.lines = this.raw.map((raw) => {
      const content = raw.trimStart()
      return { indent: raw.length - content.length, content, insignificant: content === '' || content[0] === '#' }
    })
  }

  document(): Value {
    this.skipInsignificant()
    if (this.atEnd()) return null
    if (this.current().content === '---' && this.current().indent === 0) {
      this.pos++
      this.skipInsignificant()
      if (this.atEnd()) return null
    }
    if (this.current().indent !== 0) outside()
    const value = this.block(0)
    this.skipInsignificant()
    if (!this.atEnd()) outside()
    return value
  }

  private atEnd(): boolean {
    return this.pos >= this.lines.length
  }

  private current(): Line {
    return this.lines[this.pos]
  }

  private skipInsignificant(): void {
    while (!this.atEnd() && this.current().insignificant) this.pos++
  }

  private static isSequenceItem(content: string): boolean {
    return content === '-' || content.startsWith('- ')
  }

  /** The collection starting at the current line, whose indentation is `indent`. */
  private block(indent: number): Value {
    return SimpleReader.isSequenceItem(this.current().content) ? this.sequence(indent) : this.mapping(indent)
  }

  private mapping(indent: number): PyDict {
    const dict: PyDict = new Map()
    for (this.skipInsignificant(); !this.atEnd(); this.skipInsignificant()) {
      const line = this.current()
      if (line.indent < indent) break
      if (line.indent > indent) outside()
      // An indentless sequence ends at its parent's next key; a stray item is not ours.
      if (SimpleReader.isSequenceItem(line.content)) break
      const [key, length] = mappingKey(line.content) ?? outside()
      dict.set(key, this.valueAfterIndicator(line.content.slice(length), indent, true))
    }
    if (dict.size === 0) outside()
    return dict
  }

  private sequence(indent: number): Value[] {
    const list: Value[] = []
    for (this.skipInsignificant(); !this.atEnd(); this.skipInsignificant()) {
      const line = this.current()
      if (line.indent < indent || !SimpleReader.isSequenceItem(line.content)) break
      if (line.indent > indent) outside()
      const rest = line.content.slice(1)
      const item = rest.trimStart()
      const column = indent + 1 + rest.length - item.length
      if (item !== '' && item[0] !== '#' && (SimpleReader.isSequenceItem(item) || mappingKey(item))) {
        // A compact nested collection ("- key: value", "- - a"): it is indented at its own column.
        this.lines[this.pos] = { indent: column, content: item, insignificant: false }
        list.push(this.block(column))
      } else {
        list.push(this.valueAfterIndicator(rest, indent, false))
      }
    }
    return list
  }

  /**
   * The value after "key:" or "-": inline on this line, or a nested block below it (for a
   * mapping value also an indentless "- " sequence at the key's own indentation).
   */
  private valueAfterIndicator(rest: string, indent: number, inMapping: boolean): Value {
    const inline = rest.trimStart()
    if (rest !== '' && rest[0] !== ' ') outside()
    if (inline === '' || inline[0] === '#') {
      this.pos++
      this.skipInsignificant()
      if (this.atEnd()) return null
      const next = this.current()
      if (next.indent > indent) return this.block(next.indent)
      if (inMapping && next.indent === indent && SimpleReader.isSequenceItem(next.content)) return this.sequence(indent)
      return null
    }
    const header = BLOCK_SCALAR_HEADER.exec(inline)
    if (header) return this.blockScalar(header[1] === '>', header[2], indent)
    const value = inlineScalar(inline)
    this.pos++
    // A more-indented line after an inline value would continue a multi-line plain scalar.
    this.skipInsignificant()
    if (!this.atEnd() && this.current().indent > indent) outside()
    return value
  }

  private blockScalar(folded: boolean, chomping: string, indent: number): string {
    const first = this.pos + 1
    let end = first
    let contentIndent = -1
    for (; end < this.raw.length; end++) {
      const raw = this.raw[end]
      const line = this.lines[end]
      if (line.content === '') {
        // Leading blank lines, or blank lines with more spaces than the content's indentation
        // (which keep them), follow rules we leave to the full parser.
        if (contentIndent < 0 || raw.length > contentIndent) outside()
        continue
      }
      if (contentIndent < 0) {
        if (line.indent <= indent) break
        contentIndent = line.indent
      }
      if (line.indent < contentIndent) {
        if (line.indent > indent) outside()
        break
      }
      if (folded && line.indent > contentIndent) outside()
    }
    if (contentIndent < 0) outside()
    const body = this.raw.slice(first, end).map((raw) => raw.slice(contentIndent))
    let trailingBlank = 0
    while (body.length && body[body.length - 1] === '') {
      body.pop()
      trailingBlank++
    }
    this.pos = end
    const text = folded ? foldLines(body) : body.join('\n')
    if (chomping === '-') return text
    if (chomping === '+') return text + '\n' + '\n'.repeat(trailingBlank)
    return text + '\n'
  }
}

const AFTER_QUOTED_KEY = /^ *:(?= |$)/

/** The key that starts a mapping line and the length of "key:", or undefined if it is not one. */
function mappingKey(content: string): [PyKey, number] | undefined {
  const plain = PLAIN_KEY.exec(content)
  if (plain) return [resolvePlainScalar(plain[1]) as PyKey, plain[0].length]
  const quote = content[0]
  if (quote !== '"' && quote !== "'") return undefined
  // Quoted keys ('1.30': ...) stay strings; a quoted scalar that is a value is not a key.
  const [key, end] = quote === '"' ? doubleQuoted(content, 0) : singleQuoted(content, 0)
  const colon = AFTER_QUOTED_KEY.exec(content.slice(end))
  return colon ? [key, end + colon[0].length] : undefined
}

/** Folding: a single break between two lines becomes a space; each blank line, a newline. */
function foldLines(lines: string[]): string {
  let out = lines[0] ?? ''
  let blanks = 0
  for (const line of lines.slice(1)) {
    if (line === '') {
      blanks++
      continue
    }
    out += blanks ? '\n'.repeat(blanks) : ' '
    out += line
    blanks = 0
  }
  return out
}

/** Nothing but spaces and an optional comment may follow a closed scalar on its line. */
function expectLineEnd(rest: string): void {
  const tail = rest.trimStart()
  if (tail !== '' && (tail[0] !== '#' || tail.length === rest.length)) outside()
}

function inlineScalar(text: string): Value {
  switch (text[0]) {
    case '"': {
      const [value, end] = doubleQuoted(text, 0)
      expectLineEnd(text.slice(end))
      return value
    }
    case "'": {
      const [value, end] = singleQuoted(text, 0)
      expectLineEnd(text.slice(end))
      return value
    }
    case '[':
      return flowSequence(text)
    case '{':
      if (/^\{ *\}/.test(text)) {
        expectLineEnd(text.slice(text.indexOf('}') + 1))
        return new Map()
      }
      return outside()
    default:
      return plainScalar(text)
  }
}

const PLAIN_FORBIDDEN_START = /^(?:[&*!|>%@`,\]}?:#]|- |-$)/

function plainScalar(text: string): Value {
  if (PLAIN_FORBIDDEN_START.test(text)) outside()
  const comment = text.indexOf(' #')
  const value = (comment < 0 ? text : text.slice(0, comment)).trimEnd()
  // "a: b: c" is an error and "a: b:" a nested mapping on one line: the full parser decides.
  if (value.includes(': ') || value.endsWith(':')) outside()
  return resolvePlainScalar(value)
}

/** [a, "b", 'c'] on one line, scalars only. */
function flowSequence(text: string): Value[] {
  const items: Value[] = []
  let i = 1
  const skipSpaces = (): void => {
    while (text[i] === ' ') i++
  }
  skipSpaces()
  if (text[i] === ']') {
    expectLineEnd(text.slice(i + 1))
    return items
  }
  for (;;) {
    skipSpaces()
    const c = text[i]
    if (c === '"' || c === "'") {
      const [value, end] = c === '"' ? doubleQuoted(text, i) : singleQuoted(text, i)
      items.push(value)
      i = end
    } else {
      const match = /^[^,\]\[{}:#"'&*!|>%@`?]+/.exec(text.slice(i)) ?? outside()
      const plain = match[0].trimEnd()
      if (plain === '' || plain.startsWith('- ')) outside()
      items.push(resolvePlainScalar(plain))
      i += match[0].length
    }
    skipSpaces()
    if (text[i] === ',') {
      i++
      continue
    }
    if (text[i] !== ']') outside()
    expectLineEnd(text.slice(i + 1))
    return items
  }
}

function doubleQuoted(text: string, start: number): [string, number] {
  // Most quoted scalars (checksums, templates) have no escapes: one slice.
  const close = text.indexOf('"', start + 1)
  const escape = text.indexOf('\\', start + 1)
  if (close > 0 && (escape < 0 || escape > close)) return [text.slice(start + 1, close), close + 1]
  let out = ''
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]
    if (c === '"') return [out, i + 1]
    if (c !== '\\') {
      out += c
      continue
    }
    const e = text[++i]
    const simple = DOUBLE_QUOTED_ESCAPES[e]
    if (simple !== undefined) {
      out += simple
      continue
    }
    const length = HEX_ESCAPE_LENGTH[e] ?? outside()
    const hex = text.slice(i + 1, i + 1 + length)
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) outside()
    out += String.fromCodePoint(parseInt(hex, 16))
    i += length
  }
  // No closing quote on this line: a multi-line scalar, folded by rules the full parser applies.
  return outside()
}

function singleQuoted(text: string, start: number): [string, number] {
  const close = text.indexOf("'", start + 1)
  if (close > 0 && text[close + 1] !== "'") return [text.slice(start + 1, close), close + 1]
  let out = ''
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] !== "'") {
      out += text[i]
      continue
    }
    if (text[i + 1] === "'") {
      out += "'"
      i++
      continue
    }
    return [out, i + 1]
  }
  return outside()
}
