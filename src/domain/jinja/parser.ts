/** Recursive-descent parser following Jinja2's own grammar and operator precedence. */
import type { Expr, Stmt } from './ast.js'
import { TemplateSyntaxError, type Token, tokenize, type LexOptions } from './lexer.js'
import { PyFloat, ownEntry } from '../python/values.js'

const COMPARE_OPS = new Set(['==', '!=', '<', '>', '<=', '>='])
const CONSTANT_NAMES: Record<string, boolean | null> = {
  true: true, True: true, false: false, False: false, none: null, None: null
}

export function parseTemplate(source: string, options: LexOptions): Stmt[] {
  const parser = new Parser(tokenize(source, options))
  const body = parser.parseBody([])
  return body.stmts
}

class Parser {
  private pos = 0
  constructor(private readonly tokens: Token[]) {}

  private get current(): Token {
    return this.tokens[this.pos]
  }
  private peek(offset = 1): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]
  }
  private next(): Token {
    return this.tokens[this.pos++]
  }
  private isOp(value: string, token = this.current): boolean {
    return token.type === 'operator' && token.value === value
  }
  private isName(value: string, token = this.current): boolean {
    return token.type === 'name' && token.value === value
  }
  private fail(message: string, token = this.current): never {
    throw new TemplateSyntaxError(message, token.line)
  }
  private expectOp(value: string): Token {
    if (!this.isOp(value)) this.fail(`expected '${value}', got '${this.current.value || this.current.type}'`)
    return this.next()
  }
  private expectType(type: Token['type']): Token {
    if (this.current.type !== type) this.fail(`expected ${type.replace('_', ' ')}, got '${this.current.value || this.current.type}'`)
    return this.next()
  }
  private expectName(): string {
    return this.expectType('name').value
  }

  /** Parses statements until a block tag named in `endTags`; returns the tag that ended it. */
  parseBody(endTags: string[]): { stmts: Stmt[]; endTag?: string } {
    const stmts: Stmt[] = []
    for (;;) {
      const token = this.current
      if (token.type === 'eof') {
        if (endTags.length) this.fail(`unexpected end of template, expected ${endTags.map((t) => `'${t}'`).join(' or ')}`)
        return { stmts }
      }
      if (token.type === 'data') {
        stmts.push({ kind: 'data', text: token.value, line: token.line })
        this.next()
      } else if (token.type === 'variable_begin') {
        this.next()
        const expr = this.parseTupleExpr(true)
        this.expectType('variable_end')
        stmts.push({ kind: 'output', expr, line: token.line })
      } else if (token.type === 'block_begin') {
        const tag = this.peek()
        if (tag.type === 'name' && endTags.includes(tag.value)) {
          this.next()
          this.next()
          return { stmts, endTag: tag.value }
        }
        this.next()
        stmts.push(this.parseStatement())
      } else {
        this.fail(`unexpected '${token.value}'`)
      }
    }
  }

  private parseStatement(): Stmt {
    const tag = this.current
    if (tag.type !== 'name') this.fail('tag name expected')
    this.next()
    switch (tag.value) {
      case 'if':
        return this.parseIf(tag.line)
      case 'for':
        return this.parseFor(tag.line)
      case 'set':
        return this.parseSet(tag.line)
      default:
        return this.fail(`unsupported or unknown tag '${tag.value}'`, tag)
    }
  }

  private parseIf(line: number): Stmt {
    const branches: { test: Expr; body: Stmt[] }[] = []
    let test = this.parseTupleExpr(true)
    this.expectType('block_end')
    for (;;) {
      const { stmts, endTag } = this.parseBody(['elif', 'else', 'endif'])
      branches.push({ test, body: stmts })
      if (endTag === 'elif') {
        test = this.parseTupleExpr(true)
        this.expectType('block_end')
        continue
      }
      if (endTag === 'else') {
        this.expectType('block_end')
        const rest = this.parseBody(['endif'])
        this.expectType('block_end')
        return { kind: 'if', branches, otherwise: rest.stmts, line }
      }
      this.expectType('block_end')
      return { kind: 'if', branches, otherwise: [], line }
    }
  }

  private parseFor(line: number): Stmt {
    const targets = this.parseAssignTargets()
    if (!this.isName('in')) this.fail("expected 'in'")
    this.next()
    const iter = this.parseOr()
    let filter: Expr | undefined
    if (this.isName('if')) {
      this.next()
      filter = this.parseTupleExpr(true)
    }
    if (this.isName('recursive')) this.fail('recursive loops are not supported')
    this.expectType('block_end')
    const { stmts, endTag } = this.parseBody(['else', 'endfor'])
    let otherwise: Stmt[] = []
    this.expectType('block_end')
    if (endTag === 'else') {
      otherwise = this.parseBody(['endfor']).stmts
      this.expectType('block_end')
    }
    return { kind: 'for', targets, iter, filter, body: stmts, otherwise, line }
  }

  private parseSet(line: number): Stmt {
    const targets = this.parseAssignTargets()
    if (!this.isOp('=')) this.fail('block assignments ({% set x %}...{% endset %}) are not supported')
    this.next()
    const expr = this.parseTupleExpr(true)
    this.expectType('block_end')
    return { kind: 'set', targets, expr, line }
  }

  private parseAssignTargets(): string[] {
    const parenthesized = this.isOp('(')
    if (parenthesized) this.next()
    const names = [this.expectName()]
    while (this.isOp(',')) {
      this.next()
      if (this.current.type !== 'name') break
      names.push(this.expectName())
    }
    if (parenthesized) this.expectOp(')')
    return names
  }

  /** An expression, or a tuple when commas follow (`{{ a, b }}`). */
  private parseTupleExpr(withCond: boolean): Expr {
    const line = this.current.line
    const first = withCond ? this.parseExpression() : this.parseOr()
    if (!this.isOp(',')) return first
    const items = [first]
    while (this.isOp(',')) {
      this.next()
      if (this.current.type === 'variable_end' || this.current.type === 'block_end') break
      items.push(withCond ? this.parseExpression() : this.parseOr())
    }
    return { kind: 'tuple', items, line }
  }

  parseExpression(): Expr {
    let expr = this.parseOr()
    while (this.isName('if')) {
      const line = this.next().line
      const test = this.parseOr()
      let otherwise: Expr | undefined
      if (this.isName('else')) {
        this.next()
        otherwise = this.parseExpression()
      }
      expr = { kind: 'cond', test, then: expr, otherwise, line }
    }
    return expr
  }

  private parseOr(): Expr {
    let left = this.parseAnd()
    while (this.isName('or')) {
      const line = this.next().line
      left = { kind: 'or', left, right: this.parseAnd(), line }
    }
    return left
  }

  private parseAnd(): Expr {
    let left = this.parseNot()
    while (this.isName('and')) {
      const line = this.next().line
      left = { kind: 'and', left, right: this.parseNot(), line }
    }
    return left
  }

  private parseNot(): Expr {
    if (this.isName('not')) {
      const line = this.next().line
      return { kind: 'unary', op: 'not', operand: this.parseNot(), line }
    }
    return this.parseCompare()
  }

  private parseCompare(): Expr {
    const line = this.current.line
    const first = this.parseMath1()
    const rest: [string, Expr][] = []
    for (;;) {
      if (this.current.type === 'operator' && COMPARE_OPS.has(this.current.value)) {
        const op = this.next().value
        rest.push([op, this.parseMath1()])
      } else if (this.isName('in')) {
        this.next()
        rest.push(['in', this.parseMath1()])
      } else if (this.isName('not') && this.isName('in', this.peek())) {
        this.next()
        this.next()
        rest.push(['not in', this.parseMath1()])
      } else break
    }
    return rest.length ? { kind: 'compare', first, rest, line } : first
  }

  private parseMath1(): Expr {
    let left = this.parseConcat()
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next()
      left = { kind: 'binop', op: op.value, left, right: this.parseConcat(), line: op.line }
    }
    return left
  }

  private parseConcat(): Expr {
    let left = this.parseMath2()
    while (this.isOp('~')) {
      const op = this.next()
      left = { kind: 'binop', op: '~', left, right: this.parseMath2(), line: op.line }
    }
    return left
  }

  private parseMath2(): Expr {
    let left = this.parsePow()
    while (['*', '/', '//', '%'].some((o) => this.isOp(o))) {
      const op = this.next()
      left = { kind: 'binop', op: op.value, left, right: this.parsePow(), line: op.line }
    }
    return left
  }

  private parsePow(): Expr {
    let left = this.parseUnary(true)
    while (this.isOp('**')) {
      const op = this.next()
      left = { kind: 'binop', op: '**', left, right: this.parseUnary(true), line: op.line }
    }
    return left
  }

  private parseUnary(withFilter: boolean): Expr {
    let node: Expr
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.next()
      node = { kind: 'unary', op: op.value as '-' | '+', operand: this.parseUnary(false), line: op.line }
    } else {
      node = this.parsePrimary()
    }
    node = this.parsePostfix(node)
    return withFilter ? this.parseFilterExpr(node) : node
  }

  private parsePrimary(): Expr {
    const token = this.current
    const line = token.line
    if (token.type === 'name') {
      this.next()
      const constant = ownEntry(CONSTANT_NAMES, token.value)
      if (constant !== undefined) return { kind: 'const', value: constant, line }
      return { kind: 'name', name: token.value, line }
    }
    if (token.type === 'string') {
      let value = ''
      while (this.current.type === 'string') value += this.next().value
      return { kind: 'const', value, line }
    }
    if (token.type === 'integer') {
      this.next()
      return { kind: 'const', value: parseIntLiteral(token.value), line }
    }
    if (token.type === 'float') {
      this.next()
      return { kind: 'const', value: new PyFloat(Number(token.value)), line }
    }
    if (this.isOp('(')) {
      this.next()
      if (this.isOp(')')) {
        this.next()
        return { kind: 'tuple', items: [], line }
      }
      const first = this.parseExpression()
      if (this.isOp(')')) {
        this.next()
        return first
      }
      const items = [first]
      while (this.isOp(',')) {
        this.next()
        if (this.isOp(')')) break
        items.push(this.parseExpression())
      }
      this.expectOp(')')
      return { kind: 'tuple', items, line }
    }
    if (this.isOp('[')) {
      this.next()
      const items: Expr[] = []
      while (!this.isOp(']')) {
        if (items.length) this.expectOp(',')
        if (this.isOp(']')) break
        items.push(this.parseExpression())
      }
      this.next()
      return { kind: 'list', items, line }
    }
    if (this.isOp('{')) {
      this.next()
      const entries: [Expr, Expr][] = []
      while (!this.isOp('}')) {
        if (entries.length) this.expectOp(',')
        if (this.isOp('}')) break
        const key = this.parseExpression()
        this.expectOp(':')
        entries.push([key, this.parseExpression()])
      }
      this.next()
      return { kind: 'dict', entries, line }
    }
    return this.fail(`unexpected '${token.value || token.type.replace('_', ' ')}'`)
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      if (this.isOp('.') || this.isOp('[')) node = this.parseSubscript(node)
      else if (this.isOp('(')) node = this.parseCall(node)
      else return node
    }
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) node = this.parseFilter(node)
      else if (this.isName('is')) node = this.parseTest(node)
      else if (this.isOp('(')) node = this.parseCall(node)
      else return node
    }
  }

  private parseSubscript(node: Expr): Expr {
    const token = this.next()
    const line = token.line
    if (token.value === '.') {
      const attr = this.current
      if (attr.type === 'name') {
        this.next()
        return { kind: 'getattr', target: node, attr: attr.value, line }
      }
      if (attr.type === 'integer') {
        this.next()
        return { kind: 'getitem', target: node, index: { kind: 'const', value: parseIntLiteral(attr.value), line }, line }
      }
      this.fail('expected name or number after dot')
    }
    // '[' : an index, a slice or a tuple index
    const parts: (Expr | undefined)[] = []
    let isSlice = false
    let current: Expr | undefined
    while (!this.isOp(']')) {
      if (this.isOp(':')) {
        isSlice = true
        parts.push(current)
        current = undefined
        this.next()
        continue
      }
      if (this.isOp(',')) this.fail('tuple subscripts are not supported')
      current = this.parseExpression()
    }
    this.next()
    parts.push(current)
    if (!isSlice) {
      if (!parts[0]) this.fail('expected an index')
      return { kind: 'getitem', target: node, index: parts[0] as Expr, line }
    }
    return { kind: 'slice', target: node, start: parts[0], stop: parts[1], step: parts[2], line }
  }

  private parseCallArgs(): { args: Expr[]; kwargs: [string, Expr][] } {
    this.expectOp('(')
    const args: Expr[] = []
    const kwargs: [string, Expr][] = []
    while (!this.isOp(')')) {
      if (args.length || kwargs.length) this.expectOp(',')
      if (this.isOp(')')) break
      if (this.isOp('*') || this.isOp('**')) this.fail('*args and **kwargs in calls are not supported')
      if (this.current.type === 'name' && this.isOp('=', this.peek())) {
        const key = this.next().value
        this.next()
        kwargs.push([key, this.parseExpression()])
      } else {
        if (kwargs.length) this.fail('positional argument after keyword argument')
        args.push(this.parseExpression())
      }
    }
    this.next()
    return { args, kwargs }
  }

  private parseCall(node: Expr): Expr {
    const line = this.current.line
    const { args, kwargs } = this.parseCallArgs()
    return { kind: 'call', callee: node, args, kwargs, line }
  }

  /** Filter and test names may be fully qualified (`ansible.builtin.version`): keep the last part. */
  private parseDottedName(): string {
    let name = this.expectName()
    while (this.isOp('.') && this.peek().type === 'name') {
      this.next()
      name = this.expectName()
    }
    return name
  }

  private parseFilter(node: Expr): Expr {
    const line = this.next().line
    const name = this.parseDottedName()
    const { args, kwargs } = this.isOp('(') ? this.parseCallArgs() : { args: [], kwargs: [] }
    return { kind: 'filter', target: node, name, args, kwargs, line }
  }

  private parseTest(node: Expr): Expr {
    const line = this.next().line
    let negated = false
    if (this.isName('not')) {
      this.next()
      negated = true
    }
    const name = this.parseDottedName()
    let args: Expr[] = []
    let kwargs: [string, Expr][] = []
    if (this.isOp('(')) {
      ;({ args, kwargs } = this.parseCallArgs())
    } else if (
      (['name', 'string', 'integer', 'float'].includes(this.current.type) || this.isOp('[') || this.isOp('{')) &&
      !['else', 'or', 'and'].some((w) => this.isName(w))
    ) {
      if (this.isName('is')) this.fail('You cannot chain multiple tests with is')
      args = [this.parsePostfix(this.parsePrimary())]
    }
    return { kind: 'test', target: node, name, args, kwargs, negated, line }
  }
}

function parseIntLiteral(text: string): number {
  const lower = text.toLowerCase()
  if (lower.startsWith('0b')) return parseInt(text.slice(2), 2)
  if (lower.startsWith('0o')) return parseInt(text.slice(2), 8)
  if (lower.startsWith('0x')) return parseInt(text.slice(2), 16)
  return parseInt(text, 10)
}
