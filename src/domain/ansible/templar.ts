/**
 * Ansible's Templar (ansible-core 2.14 semantics), without Ansible.
 *
 * - Variables are templated lazily, when a template first reads them, recursively; a
 *   variable whose template hits an undefined name becomes an Undefined that remembers
 *   why, so `x | default(...)` still works (AnsibleJ2Vars.__getitem__).
 * - A templated string goes through `ansible_eval_concat`: the output parts are joined
 *   and a result that looks like a list, dict or bool is read back with literal_eval.
 *   Numbers stay strings: `"{{ 1 + 1 }}"` is '2'.
 * - `"{{ var }}"` alone returns a boolean or numeric var as is (Templar.SINGLE_VAR).
 * - Backslashes in string literals inside `{{ }}` are taken as written.
 */
import { parseTemplate } from '../jinja/parser.js'
import { renderNodes, TemplateRuntimeError, TemplateError, type Environment, type FilterFn, type TestFn } from '../jinja/render.js'
import type { Stmt } from '../jinja/ast.js'
import { FILTERS, argument } from '../jinja/filters.js'
import { TESTS } from '../jinja/tests.js'
import { literalEval } from '../python/literal.js'
import {
  PyCallable,
  PyError,
  PyFloat,
  Undefined,
  UndefinedError,
  numericValue,
  ownEntry,
  pyStr,
  type PyDict,
  type Value
} from '../python/values.js'
import { loadYaml } from '../yaml11.js'

/** A variable as a layer defined it, with where it came from (for error messages). */
export interface Variable {
  value: Value
  origin: string
}

export type VariableMap = ReadonlyMap<string, Variable>

/** An error while templating a variable: names the variable, where it is defined, the cause. */
export class VariableTemplatingError extends Error {
  constructor(
    readonly variable: string,
    readonly origin: string,
    readonly original: Error
  ) {
    super(`while templating '${variable}' (${origin}): ${original.message}`)
    this.name = 'VariableTemplatingError'
  }
}

const SINGLE_VAR = /^\{\{\s*(\w*)\s*\}\}$/

export interface RenderOptions {
  /** ansible_eval_concat (variables) or plain concatenation (the template module). */
  convertData: boolean
  escapeBackslashes: boolean
}

export interface TemplarOptions {
  /** What `lookup('env', ...)` reads; the controller's environment in Ansible. */
  environment?: Readonly<Record<string, string | undefined>>
}

export class Templar implements Environment {
  readonly filters: Record<string, FilterFn>
  readonly tests: Record<string, TestFn> = TESTS
  private readonly resolved = new Map<string, Value>()
  private readonly inProgress: string[] = []
  private readonly compiled = new Map<string, Stmt[]>()
  private readonly globals: Map<string, Value>

  constructor(
    private readonly variables: VariableMap,
    private readonly options: TemplarOptions = {}
  ) {
    this.filters = { ...FILTERS, from_yaml: fromYaml, from_json: fromJson }
    this.globals = new Map<string, Value>([
      ['lookup', new PyCallable('lookup', (args, kwargs) => this.lookupPlugin(args, kwargs, false))],
      ['query', new PyCallable('query', (args, kwargs) => this.lookupPlugin(args, kwargs, true))],
      ['q', new PyCallable('q', (args, kwargs) => this.lookupPlugin(args, kwargs, true))],
      ['range', new PyCallable('range', pyRange)],
      ['dict', new PyCallable('dict', (args, kwargs) => new Map([...(args[0] instanceof Map ? args[0] : []), ...kwargs]))]
    ])
  }

  has(name: string): boolean {
    return this.variables.has(name)
  }

  /** Every variable's name, in the order the layers defined them. */
  variableNames(): string[] {
    return [...this.variables.keys()]
  }

  /** A variable as its layer wrote it, before any templating. */
  rawValue(name: string): Value | undefined {
    return this.variables.get(name)?.value
  }

  /** A variable's value as a template sees it (AnsibleJ2Vars.__getitem__). */
  resolve(name: string): Value {
    const done = this.resolved.get(name)
    if (done !== undefined) return done
    const variable = this.variables.get(name)
    if (!variable) return this.globals.get(name) ?? new Undefined(`'${name}' is undefined`, name)
    if (this.inProgress.includes(name)) {
      const cycle = [...this.inProgress.slice(this.inProgress.indexOf(name)), name].join(' -> ')
      throw new TemplateError(`recursive loop detected in template: ${cycle}`)
    }
    this.inProgress.push(name)
    let value: Value
    try {
      value = this.template(variable.value)
    } catch (e) {
      const cause = e instanceof TemplateRuntimeError ? e.original : e
      if (cause instanceof UndefinedError) {
        value = new Undefined(`'${name}' (${variable.origin}): ${cause.message}`, name)
      } else if (cause instanceof VariableTemplatingError) {
        throw cause
      } else {
        throw new VariableTemplatingError(name, variable.origin, cause as Error)
      }
    } finally {
      this.inProgress.pop()
    }
    this.resolved.set(name, value)
    return value
  }

  /** Templar.template: strings are rendered, lists and dict values recursively. */
  template(value: Value): Value {
    if (typeof value === 'string') return this.templateString(value)
    if (Array.isArray(value)) return value.map((v) => this.template(v))
    if (value instanceof Map) {
      const out: PyDict = new Map()
      for (const [k, v] of value) out.set(k, this.template(v))
      return out
    }
    return value
  }

  private templateString(source: string): Value {
    if (!source.includes('{{') && !source.includes('{%') && !source.includes('{#')) return source
    const single = SINGLE_VAR.exec(source)
    if (single) {
      const raw = this.variables.get(single[1])?.value
      if (typeof raw === 'boolean' || typeof raw === 'number' || raw instanceof PyFloat) return raw
      if (raw === null) return null
    }
    return this.render(source, { convertData: true, escapeBackslashes: true })
  }

  /** Renders a template text; throws TemplateRuntimeError with the template line on failure. */
  render(source: string, options: RenderOptions): Value {
    const nodes = renderNodes(this.compile(source, options.escapeBackslashes), this)
    let result: Value = nodes.map(pyStr).join('')
    if (options.convertData && (result.startsWith('{') || result.startsWith('[') || result === 'True' || result === 'False')) {
      const literal = literalEval(result)
      if (literal !== undefined) result = literal
    }
    if (typeof result === 'string') {
      // Jinja drops the trailing newlines; Ansible puts back as many as the source had.
      const missing = trailingNewlines(source) - trailingNewlines(result)
      if (missing > 0) result += '\n'.repeat(missing)
    }
    return result
  }

  private compile(source: string, escapeBackslashes: boolean): Stmt[] {
    const key = `${escapeBackslashes ? 'e' : 'r'}${source}`
    let stmts = this.compiled.get(key)
    if (!stmts) {
      // Jinja normalizes newlines and drops one trailing newline before lexing.
      const normalized = source.replace(/\r\n?/g, '\n').replace(/\n$/, '')
      stmts = parseTemplate(normalized, { trimBlocks: true, escapeBackslashes })
      this.compiled.set(key, stmts)
    }
    return stmts
  }

  private lookupPlugin(args: Value[], kwargs: Map<string, Value>, wantList: boolean): Value {
    const [plugin, ...terms] = args
    const name = pyStr(plugin ?? '')
    const results = this.runLookup(name, terms, kwargs)
    if (wantList || isSet(kwargs.get('wantlist'))) return results
    return results.length === 1 ? results[0] : results.map(pyStr).join(',')
  }

  private runLookup(plugin: string, terms: Value[], kwargs: Map<string, Value>): Value[] {
    switch (plugin.split('.').pop()) {
      case 'vars':
        return terms.map((term) => {
          const value = this.resolve(pyStr(term))
          if (value instanceof Undefined) {
            const fallback = kwargs.get('default')
            if (fallback !== undefined) return fallback
            throw new UndefinedError(new Undefined(`No variable found with this name: ${pyStr(term)}`))
          }
          return value
        })
      case 'env':
        return terms.map((term) => ownEntry(this.options.environment ?? {}, pyStr(term)) ?? argument([], kwargs, 0, 'default', ''))
      case 'items':
      case 'list':
        return terms.flatMap((t) => (Array.isArray(t) ? t : [t]))
      default:
        throw new TemplateError(`lookup plugin '${plugin}' is not available: list generation reads no files, commands or network`)
    }
  }
}

/** A keyword argument given and true in Python's sense (wantlist=True). */
function isSet(v: Value | undefined): boolean {
  return v !== undefined && v !== null && v !== false && v !== '' && v !== 0
}

function trailingNewlines(s: string): number {
  let n = 0
  while (n < s.length && s[s.length - 1 - n] === '\n') n++
  return n
}

function pyRange(args: Value[]): Value {
  const nums = args.map((a) => numericValue(a as number))
  const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1]
  if (step === 0) throw new PyError('ValueError', 'range() arg 3 must not be zero')
  const out: Value[] = []
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i)
  return out
}

const fromYaml: FilterFn = (value) => {
  if (typeof value !== 'string') return value
  return loadYaml(value, '<from_yaml>')
}

const fromJson: FilterFn = (value) => {
  const parsed = literalEval(pyStr(value))
  if (parsed === undefined) throw new PyError('JSONDecodeError', `not valid JSON: ${pyStr(value).slice(0, 60)}`)
  return parsed
}

