/**
 * Python's ast.literal_eval, with Ansible's twist that JSON's true/false/null are read too.
 * Ansible runs it on every templated result that starts with `[` or `{` (or is
 * "True"/"False"), which is how a list printed into a string becomes a list again.
 */
import { pythonUnescape } from '../jinja/lexer.js'
import { PyFloat, PyTuple, ownEntry, type PyDict, type PyKey, type Value } from './values.js'

class LiteralSyntaxError extends Error {}

const TOKEN = /\s+|#[^\n]*|([rRbBuU]{0,2})('''[\s\S]*?'''|"""[\s\S]*?"""|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")|(\d[\d_]*\.?[\d_]*(?:[eE][-+]?\d+)?|\.\d[\d_]*(?:[eE][-+]?\d+)?|0[xX][\da-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+)|([A-Za-z_]\w*)|([-+[\](){}:,])/y

type Tok = { kind: 'str' | 'num' | 'name' | 'op'; text: string }

function tokenize(src: string): Tok[] {
  const tokens: Tok[] = []
  let pos = 0
  while (pos < src.length) {
    TOKEN.lastIndex = pos
    const m = TOKEN.exec(src)
    if (!m) throw new LiteralSyntaxError(`invalid syntax at ${pos}`)
    pos += m[0].length
    if (m[2] !== undefined) {
      const prefix = m[1].toLowerCase()
      if (prefix.includes('b')) throw new LiteralSyntaxError('bytes literals are not supported')
      const quoteLen = m[2].startsWith("'''") || m[2].startsWith('"""') ? 3 : 1
      const body = m[2].slice(quoteLen, -quoteLen)
      tokens.push({ kind: 'str', text: prefix.includes('r') ? body : pythonUnescape(body) })
    } else if (m[3] !== undefined) tokens.push({ kind: 'num', text: m[3] })
    else if (m[4] !== undefined) tokens.push({ kind: 'name', text: m[4] })
    else if (m[5] !== undefined) tokens.push({ kind: 'op', text: m[5] })
  }
  return tokens
}

const NAMES: Record<string, Value> = { True: true, False: false, None: null, true: true, false: false, null: null }

class LiteralParser {
  private pos = 0
  constructor(private readonly tokens: Tok[]) {}

  parseAll(): Value {
    const value = this.parseExpr()
    if (this.pos !== this.tokens.length) throw new LiteralSyntaxError('trailing input')
    return value
  }

  private peek(): Tok | undefined {
    return this.tokens[this.pos]
  }
  private isOp(text: string): boolean {
    const t = this.peek()
    return t?.kind === 'op' && t.text === text
  }
  private expect(text: string): void {
    if (!this.isOp(text)) throw new LiteralSyntaxError(`expected ${text}`)
    this.pos++
  }

  /** Items up to `close`, allowing a trailing comma; reports whether any comma was seen. */
  private parseItems(close: string, item: () => void): boolean {
    let sawComma = false
    while (!this.isOp(close)) {
      item()
      if (this.isOp(',')) {
        this.pos++
        sawComma = true
      } else break
    }
    this.expect(close)
    return sawComma
  }

  private parseExpr(): Value {
    const t = this.peek()
    if (!t) throw new LiteralSyntaxError('unexpected end')
    this.pos++
    if (t.kind === 'str') {
      let s = t.text
      while (this.peek()?.kind === 'str') s += (this.tokens[this.pos++] as Tok).text
      return s
    }
    if (t.kind === 'num') return parseNumber(t.text)
    if (t.kind === 'name') {
      const named = ownEntry(NAMES, t.text)
      if (named === undefined) throw new LiteralSyntaxError(`malformed node: ${t.text}`)
      return named
    }
    switch (t.text) {
      case '-':
      case '+': {
        const operand = this.parseExpr()
        if (typeof operand === 'number') return t.text === '-' ? -operand : operand
        if (operand instanceof PyFloat) return new PyFloat(t.text === '-' ? -operand.value : operand.value)
        throw new LiteralSyntaxError('malformed unary operand')
      }
      case '[': {
        const items: Value[] = []
        this.parseItems(']', () => items.push(this.parseExpr()))
        return items
      }
      case '(': {
        const items: Value[] = []
        const sawComma = this.parseItems(')', () => items.push(this.parseExpr()))
        return items.length === 1 && !sawComma ? items[0] : new PyTuple(items)
      }
      case '{': {
        const dict: PyDict = new Map()
        this.parseItems('}', () => {
          const key = this.parseExpr()
          if (!this.isOp(':')) throw new LiteralSyntaxError('set literals are not supported')
          this.pos++
          if (Array.isArray(key) || key instanceof Map) throw new LiteralSyntaxError('unhashable key')
          dict.set(key as PyKey, this.parseExpr())
        })
        return dict
      }
      default:
        throw new LiteralSyntaxError(`unexpected ${t.text}`)
    }
  }
}

function parseNumber(text: string): Value {
  const clean = text.replace(/_/g, '')
  const lower = clean.toLowerCase()
  if (lower.startsWith('0x')) return parseInt(lower.slice(2), 16)
  if (lower.startsWith('0o')) return parseInt(lower.slice(2), 8)
  if (lower.startsWith('0b')) return parseInt(lower.slice(2), 2)
  if (/[.eE]/.test(clean)) return new PyFloat(Number(clean))
  if (/^0\d/.test(clean)) throw new LiteralSyntaxError('leading zeros in decimal integer literals are not permitted')
  return parseInt(clean, 10)
}

/** Returns the literal's value, or undefined when the text is not a Python literal. */
export function literalEval(text: string): Value | undefined {
  try {
    return new LiteralParser(tokenize(text)).parseAll()
  } catch (e) {
    if (e instanceof LiteralSyntaxError) return undefined
    throw e
  }
}
