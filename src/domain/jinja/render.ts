/**
 * Tree-walking evaluator for parsed Jinja templates, with Python value semantics.
 *
 * Rendering yields the list of output values (Jinja's "nodes"), not a string: Ansible
 * joins them itself (`ansible_eval_concat` / `ansible_concat`), so the caller decides.
 */
import type { Expr, Stmt } from './ast.js'
import {
  DictView,
  PyCallable,
  PyError,
  PyFloat,
  PyTuple,
  Undefined,
  UndefinedError,
  dictGet,
  failIfUndefined,
  isNumber,
  iterate,
  numericValue,
  ownEntry,
  pyCompare,
  pyContains,
  pyEquals,
  pyStr,
  truthy,
  typeName,
  type PyDict,
  type PyKey,
  type Value
} from '../python/values.js'
import { attribute } from './attributes.js'

export type Kwargs = Map<string, Value>
export type FilterFn = (value: Value, args: Value[], kwargs: Kwargs, env: Environment) => Value
export type TestFn = (value: Value, args: Value[], kwargs: Kwargs, env: Environment) => boolean

/** What a template can see: variables (Ansible's lazily templated ones), filters, tests. */
export interface Environment {
  resolve(name: string): Value
  readonly filters: Readonly<Record<string, FilterFn>>
  readonly tests: Readonly<Record<string, TestFn>>
}

/** An error inside a template, with the template line it happened on. */
export class TemplateRuntimeError extends Error {
  constructor(
    readonly original: Error,
    readonly line: number
  ) {
    super(original.message)
    this.name = original.name
  }
}

type Scope = Map<string, Value>

export function renderNodes(stmts: Stmt[], env: Environment): Value[] {
  const out: Value[] = []
  new Interpreter(env).run(stmts, [new Map()], out)
  return out
}

class Interpreter {
  constructor(private readonly env: Environment) {}

  run(stmts: Stmt[], scopes: Scope[], out: Value[]): void {
    for (const stmt of stmts) {
      try {
        this.exec(stmt, scopes, out)
      } catch (e) {
        if (e instanceof TemplateRuntimeError || !(e instanceof Error)) throw e
        throw new TemplateRuntimeError(e, stmt.line)
      }
    }
  }

  private exec(stmt: Stmt, scopes: Scope[], out: Value[]): void {
    switch (stmt.kind) {
      case 'data':
        out.push(stmt.text)
        return
      case 'output':
        out.push(finalize(this.eval(stmt.expr, scopes)))
        return
      case 'if': {
        const branch = stmt.branches.find((b) => truthy(this.eval(b.test, scopes)))
        this.run(branch ? branch.body : stmt.otherwise, scopes, out)
        return
      }
      case 'for':
        this.execFor(stmt, scopes, out)
        return
      case 'set': {
        const value = this.eval(stmt.expr, scopes)
        assignTargets(scopes[scopes.length - 1], stmt.targets, value)
        return
      }
    }
  }

  private execFor(stmt: Extract<Stmt, { kind: 'for' }>, scopes: Scope[], out: Value[]): void {
    let items = iterate(this.eval(stmt.iter, scopes))
    if (stmt.filter) {
      const filter = stmt.filter
      items = items.filter((item) => {
        const scope: Scope = new Map()
        assignTargets(scope, stmt.targets, item)
        return truthy(this.eval(filter, [...scopes, scope]))
      })
    }
    if (!items.length) {
      this.run(stmt.otherwise, scopes, out)
      return
    }
    items.forEach((item, i) => {
      const scope: Scope = new Map([['loop', loopInfo(i, items.length)]])
      assignTargets(scope, stmt.targets, item)
      this.run(stmt.body, [...scopes, scope], out)
    })
  }

  eval(expr: Expr, scopes: Scope[]): Value {
    switch (expr.kind) {
      case 'const':
        return expr.value
      case 'name':
        return this.lookup(expr.name, scopes)
      case 'getattr':
        return attribute(this.eval(expr.target, scopes), expr.attr)
      case 'getitem':
        return getItem(this.eval(expr.target, scopes), this.eval(expr.index, scopes))
      case 'slice':
        return slice(
          this.eval(expr.target, scopes),
          expr.start && this.eval(expr.start, scopes),
          expr.stop && this.eval(expr.stop, scopes),
          expr.step && this.eval(expr.step, scopes)
        )
      case 'call': {
        const callee = failIfUndefined(this.eval(expr.callee, scopes))
        if (!(callee instanceof PyCallable)) throw new PyError('TypeError', `'${typeName(callee)}' object is not callable`)
        return callee.call(this.evalAll(expr.args, scopes), this.evalKwargs(expr.kwargs, scopes))
      }
      case 'filter': {
        const filter = ownEntry(this.env.filters, expr.name)
        if (!filter) throw new TemplateError(`no filter named '${expr.name}'`)
        return filter(this.eval(expr.target, scopes), this.evalAll(expr.args, scopes), this.evalKwargs(expr.kwargs, scopes), this.env)
      }
      case 'test': {
        const test = ownEntry(this.env.tests, expr.name)
        if (!test) throw new TemplateError(`no test named '${expr.name}'`)
        const result = test(this.eval(expr.target, scopes), this.evalAll(expr.args, scopes), this.evalKwargs(expr.kwargs, scopes), this.env)
        return expr.negated ? !result : result
      }
      case 'binop':
        return binaryOp(expr.op, this.eval(expr.left, scopes), this.eval(expr.right, scopes))
      case 'unary': {
        const operand = this.eval(expr.operand, scopes)
        if (expr.op === 'not') return !truthy(operand)
        const n = failIfUndefined(operand)
        if (!isNumber(n) && typeof n !== 'boolean') throw new PyError('TypeError', `bad operand type for unary ${expr.op}: '${typeName(n)}'`)
        const v = numericValue(n)
        const result = expr.op === '-' ? -v : v
        return n instanceof PyFloat ? new PyFloat(result) : result
      }
      case 'compare':
        return this.compare(expr, scopes)
      case 'and': {
        const left = this.eval(expr.left, scopes)
        return truthy(left) ? this.eval(expr.right, scopes) : left
      }
      case 'or': {
        const left = this.eval(expr.left, scopes)
        return truthy(left) ? left : this.eval(expr.right, scopes)
      }
      case 'cond':
        if (truthy(this.eval(expr.test, scopes))) return this.eval(expr.then, scopes)
        return expr.otherwise
          ? this.eval(expr.otherwise, scopes)
          : new Undefined('the inline if-expression evaluated to false and no else section was defined', undefined, true)
      case 'list':
        return this.evalAll(expr.items, scopes)
      case 'tuple':
        return new PyTuple(this.evalAll(expr.items, scopes))
      case 'dict': {
        const d: PyDict = new Map()
        for (const [k, v] of expr.entries) d.set(failIfUndefined(this.eval(k, scopes)) as PyKey, this.eval(v, scopes))
        return d
      }
    }
  }

  private compare(expr: Extract<Expr, { kind: 'compare' }>, scopes: Scope[]): boolean {
    let left = this.eval(expr.first, scopes)
    for (const [op, rightExpr] of expr.rest) {
      const right = this.eval(rightExpr, scopes)
      if (!compareOnce(op, left, right)) return false
      left = right
    }
    return true
  }

  private lookup(name: string, scopes: Scope[]): Value {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const local = scopes[i].get(name)
      if (local !== undefined) return local
    }
    return this.env.resolve(name)
  }

  private evalAll(exprs: Expr[], scopes: Scope[]): Value[] {
    return exprs.map((e) => this.eval(e, scopes))
  }

  private evalKwargs(kwargs: [string, Expr][], scopes: Scope[]): Kwargs {
    return new Map(kwargs.map(([k, e]) => [k, this.eval(e, scopes)]))
  }
}

/** A template-level error (unknown filter, bad arguments) that is not a Python exception. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TemplateError'
  }
}

/** Ansible's finalize: None prints as nothing; a strict Undefined fails. */
function finalize(v: Value): Value {
  if (v instanceof Undefined && !v.lenient) throw new UndefinedError(v)
  return v === null ? '' : v
}

function assignTargets(scope: Scope, targets: string[], value: Value): void {
  if (targets.length === 1) {
    scope.set(targets[0], value)
    return
  }
  const items = iterate(value)
  if (items.length !== targets.length) {
    throw new PyError('ValueError', `cannot unpack ${items.length} values into ${targets.length} names`)
  }
  targets.forEach((t, i) => scope.set(t, items[i]))
}

function loopInfo(index: number, length: number): PyDict {
  return new Map<PyKey, Value>([
    ['index', index + 1],
    ['index0', index],
    ['revindex', length - index],
    ['revindex0', length - index - 1],
    ['first', index === 0],
    ['last', index === length - 1],
    ['length', length]
  ])
}

function compareOnce(op: string, left: Value, right: Value): boolean {
  switch (op) {
    case '==':
      return pyEquals(left, right)
    case '!=':
      return !pyEquals(left, right)
    case 'in':
      return pyContains(right, left)
    case 'not in':
      return !pyContains(right, left)
    default: {
      const c = pyCompare(left, right, op)
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0
    }
  }
}

function arithmetic(op: string, a: number | PyFloat | boolean, b: number | PyFloat | boolean): Value {
  const isFloat = a instanceof PyFloat || b instanceof PyFloat
  const x = numericValue(a)
  const y = numericValue(b)
  if ((op === '/' || op === '//' || op === '%') && y === 0) {
    throw new PyError('ZeroDivisionError', 'division by zero')
  }
  const wrap = (n: number): Value => (isFloat ? new PyFloat(n) : n)
  switch (op) {
    case '+':
      return wrap(x + y)
    case '-':
      return wrap(x - y)
    case '*':
      return wrap(x * y)
    case '/':
      return new PyFloat(x / y)
    case '//':
      return wrap(Math.floor(x / y))
    case '%':
      return wrap(x - y * Math.floor(x / y))
    default:
      return !isFloat && y < 0 ? new PyFloat(x ** y) : wrap(x ** y)
  }
}

function binaryOp(op: string, rawLeft: Value, rawRight: Value): Value {
  if (op === '~') return pyStr(finalizeForConcat(rawLeft)) + pyStr(finalizeForConcat(rawRight))
  const left = failIfUndefined(rawLeft)
  const right = failIfUndefined(rawRight)
  const numLeft = isNumber(left) || typeof left === 'boolean'
  const numRight = isNumber(right) || typeof right === 'boolean'
  if (numLeft && numRight) return arithmetic(op, left as number, right as number)
  if (op === '+') {
    if (typeof left === 'string' && typeof right === 'string') return left + right
    if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right]
    if (left instanceof PyTuple && right instanceof PyTuple) return new PyTuple([...left.items, ...right.items])
  }
  if (op === '*') {
    const [seq, count] = numLeft ? [right, left] : [left, right]
    if (typeof count === 'number' || typeof count === 'boolean') {
      const n = Math.max(0, numericValue(count))
      if (typeof seq === 'string') return seq.repeat(n)
      if (Array.isArray(seq)) return Array.from({ length: n }, () => seq).flat()
    }
  }
  throw new PyError(
    'TypeError',
    `unsupported operand type(s) for ${op}: '${typeName(left)}' and '${typeName(right)}'`
  )
}

function finalizeForConcat(v: Value): Value {
  if (v instanceof Undefined && !v.lenient) throw new UndefinedError(v)
  return v
}

function undefinedMember(obj: Value, name: Value): Undefined {
  const what = obj === null ? 'None' : `'${typeName(obj)} object'`
  const detail = typeof name === 'string' ? `has no attribute '${name}'` : `has no element ${pyStr(name)}`
  return new Undefined(`${what} ${detail}`)
}

/** Jinja's environment.getitem: subscription first, then attribute for string keys. */
export function getItem(obj: Value, key: Value): Value {
  if (obj instanceof Undefined) return obj
  failIfUndefined(key)
  if (obj instanceof Map) {
    const found = dictGet(obj, key)
    if (found !== undefined) return found
  } else if (typeof obj === 'string' || Array.isArray(obj) || obj instanceof PyTuple) {
    if (typeof key === 'number' || typeof key === 'boolean') {
      const seq = typeof obj === 'string' ? [...obj] : iterate(obj)
      const i = numericValue(key)
      const item = seq[i < 0 ? seq.length + i : i]
      if (item !== undefined) return item
      return undefinedMember(obj, key)
    }
  } else if (obj instanceof DictView) {
    throw new PyError('TypeError', `'${typeName(obj)}' object is not subscriptable`)
  }
  if (typeof key === 'string') return attribute(obj, key)
  return undefinedMember(obj, key)
}

function slice(obj: Value, start?: Value, stop?: Value, step?: Value): Value {
  const target = failIfUndefined(obj)
  const seq = typeof target === 'string' ? [...target] : iterate(target)
  const toInt = (v: Value | undefined): number | undefined => {
    if (v === undefined || v === null) return undefined
    const n = failIfUndefined(v)
    if (typeof n !== 'number' && typeof n !== 'boolean') throw new PyError('TypeError', 'slice indices must be integers or None')
    return numericValue(n)
  }
  const stepN = toInt(step) ?? 1
  if (stepN === 0) throw new PyError('ValueError', 'slice step cannot be zero')
  const len = seq.length
  const norm = (i: number | undefined, dflt: number): number => {
    if (i === undefined) return dflt
    if (i < 0) return Math.max(i + len, stepN < 0 ? -1 : 0)
    return Math.min(i, stepN < 0 ? len - 1 : len)
  }
  const begin = norm(toInt(start), stepN < 0 ? len - 1 : 0)
  const end = norm(toInt(stop), stepN < 0 ? -1 : len)
  const picked: Value[] = []
  for (let i = begin; stepN > 0 ? i < end : i > end; i += stepN) picked.push(seq[i])
  if (typeof target === 'string') return picked.join('')
  return target instanceof PyTuple ? new PyTuple(picked) : picked
}
