/**
 * Jinja2 lexer with the options Ansible uses: trim_blocks on, lstrip_blocks off,
 * `-`/`+` whitespace control, `{% raw %}`, comments.
 *
 * `escapeBackslashes` reproduces Ansible's `_escape_backslashes`: inside `{{ }}` the
 * backslashes of string literals are doubled before Jinja reads them, so a literal's
 * value is its raw text there (`'\1'` stays backslash-one), while `{% %}` literals get
 * Python's escape processing.
 */

export type TokenType =
  | 'data'
  | 'variable_begin'
  | 'variable_end'
  | 'block_begin'
  | 'block_end'
  | 'name'
  | 'string'
  | 'integer'
  | 'float'
  | 'operator'
  | 'eof'

export interface Token {
  type: TokenType
  value: string
  line: number
}

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number
  ) {
    super(`${message} (template line ${line})`)
    this.name = 'TemplateSyntaxError'
  }
}

export interface LexOptions {
  trimBlocks: boolean
  escapeBackslashes: boolean
}

const OPERATORS = [
  '//', '**', '==', '!=', '>=', '<=',
  '+', '-', '/', '*', '%', '~', '[', ']', '(', ')', '{', '}', '>', '<', '=', '.', ':', '|', ',', ';'
]
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y
const FLOAT = /(?:\d+(?:_\d+)*\.\d+(?:_\d+)*(?:[eE][+-]?\d+(?:_\d+)*)?|\d+(?:_\d+)*[eE][+-]?\d+(?:_\d+)*)/y
const INTEGER = /(?:0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[0-9a-fA-F])+|\d+(?:_\d+)*)/y
const STRING = /'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)"/sy
const WHITESPACE = /\s+/y
const RAW_END = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g
const TAG_START = /\{[{%#]/g

function countLines(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

/** Python's unicode-escape decoding, as Jinja applies it to string literals. */
export function pythonUnescape(s: string): string {
  return s.replace(
    /\\(?:([\\'"abfnrtv\n])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{1,3}))/g,
    (whole, simple: string | undefined, x?: string, u?: string, U?: string, oct?: string) => {
      if (simple !== undefined) {
        const map: Record<string, string> = {
          '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': ''
        }
        return map[simple]
      }
      const hex = x ?? u ?? U
      if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16))
      if (oct !== undefined) return String.fromCodePoint(parseInt(oct, 8))
      return whole
    }
  )
}

export function tokenize(source: string, options: LexOptions): Token[] {
  const tokens: Token[] = []
  let pos = 0
  let line = 1
  let stripNextData = false

  const pushData = (text: string, lstrip: boolean): void => {
    let value = stripNextData ? text.replace(/^\s+/, '') : text
    if (lstrip) value = value.replace(/\s+$/, '')
    if (value) tokens.push({ type: 'data', value, line })
    line += countLines(text)
    stripNextData = false
  }

  const skipTrimmedNewline = (): void => {
    if (options.trimBlocks && source[pos] === '\n') {
      pos++
      line++
    } else if (options.trimBlocks && source.startsWith('\r\n', pos)) {
      pos += 2
      line++
    }
  }

  while (pos < source.length) {
    // Searched in place from pos: slicing the rest of the template per tag would be quadratic.
    TAG_START.lastIndex = pos
    const tag = TAG_START.exec(source)
    if (!tag) {
      pushData(source.slice(pos), false)
      break
    }
    const start = tag.index
    const kind = source[start + 1]
    const control = source[start + 2]
    const lstrip = control === '-'
    pushData(source.slice(pos, start), lstrip)
    pos = start + 2 + (control === '-' || control === '+' ? 1 : 0)

    if (kind === '#') {
      const end = source.indexOf('#}', pos)
      if (end === -1) throw new TemplateSyntaxError('missing end of comment tag', line)
      line += countLines(source.slice(pos, end))
      stripNextData = source[end - 1] === '-'
      pos = end + 2
      if (!stripNextData) skipTrimmedNewline()
      continue
    }

    if (kind === '%' && /^\s*raw\s*[-+]?%\}/.test(source.slice(pos))) {
      const openEnd = source.indexOf('%}', pos)
      const stripAfterOpen = source[openEnd - 1] === '-'
      pos = openEnd + 2
      if (!stripAfterOpen) skipTrimmedNewline()
      RAW_END.lastIndex = pos
      const close = RAW_END.exec(source)
      if (!close) throw new TemplateSyntaxError('missing end of raw directive', line)
      let body = source.slice(pos, close.index)
      if (stripAfterOpen) body = body.replace(/^\s+/, '')
      if (close[1] === '-') body = body.replace(/\s+$/, '')
      if (body) tokens.push({ type: 'data', value: body, line })
      line += countLines(source.slice(pos, close.index + close[0].length))
      pos = close.index + close[0].length
      stripNextData = close[2] === '-'
      if (!stripNextData) skipTrimmedNewline()
      continue
    }

    const isVariable = kind === '{'
    tokens.push({ type: isVariable ? 'variable_begin' : 'block_begin', value: `{${kind}`, line })
    pos = lexExpression(source, pos, isVariable, tokens, options, (n) => (line += n), () => line)
    // lexExpression leaves pos after the closing delimiter; read its whitespace control.
    const closeControl = source[pos - 3]
    tokens.push({ type: isVariable ? 'variable_end' : 'block_end', value: isVariable ? '}}' : '%}', line })
    stripNextData = closeControl === '-'
    if (!isVariable && !stripNextData) skipTrimmedNewline()
  }
  tokens.push({ type: 'eof', value: '', line })
  return tokens
}

function lexExpression(
  source: string,
  start: number,
  isVariable: boolean,
  tokens: Token[],
  options: LexOptions,
  addLines: (n: number) => void,
  currentLine: () => number
): number {
  const closer = isVariable ? '}}' : '%}'
  let pos = start
  let depth = 0
  for (;;) {
    WHITESPACE.lastIndex = pos
    const ws = WHITESPACE.exec(source)
    if (ws) {
      addLines(countLines(ws[0]))
      pos += ws[0].length
    }
    if (pos >= source.length) {
      throw new TemplateSyntaxError(`unexpected end of template, expected '${closer}'`, currentLine())
    }
    if (depth === 0) {
      if (source.startsWith(closer, pos)) return pos + 2
      if ((source[pos] === '-' || source[pos] === '+') && source.startsWith(closer, pos + 1)) return pos + 3
    }
    const line = currentLine()
    STRING.lastIndex = pos
    const str = STRING.exec(source)
    if (str) {
      const raw = str[1] ?? str[2]
      const value = options.escapeBackslashes && isVariable ? rawLiteral(raw) : pythonUnescape(raw)
      tokens.push({ type: 'string', value, line })
      addLines(countLines(str[0]))
      pos += str[0].length
      continue
    }
    FLOAT.lastIndex = pos
    const flt = FLOAT.exec(source)
    if (flt) {
      tokens.push({ type: 'float', value: flt[0].replace(/_/g, ''), line })
      pos += flt[0].length
      continue
    }
    INTEGER.lastIndex = pos
    const int = INTEGER.exec(source)
    if (int) {
      tokens.push({ type: 'integer', value: int[0].replace(/_/g, ''), line })
      pos += int[0].length
      continue
    }
    NAME.lastIndex = pos
    const name = NAME.exec(source)
    if (name) {
      tokens.push({ type: 'name', value: name[0], line })
      pos += name[0].length
      continue
    }
    const op = OPERATORS.find((o) => source.startsWith(o, pos))
    if (!op) throw new TemplateSyntaxError(`unexpected char '${source[pos]}'`, line)
    if (op === '(' || op === '[' || op === '{') depth++
    if (op === ')' || op === ']' || op === '}') depth--
    tokens.push({ type: 'operator', value: op, line })
    pos += op.length
  }
}

/**
 * The value of a literal after Ansible doubled its backslashes and Jinja unescaped it:
 * every backslash sequence survives as written.
 */
function rawLiteral(raw: string): string {
  return pythonUnescape(raw.replace(/\\/g, '\\\\'))
}
