/**
 * `-e` as ansible-playbook reads it: `@file` (YAML or JSON), inline JSON/YAML starting
 * with `{` or `[`, or `key=value` pairs whose values are always strings.
 */
import { loadYaml } from '../yaml11.js'
import type { PyDict, Value } from '../python/values.js'
import { asVarsMapping, type VarLayer } from './layers.js'

export class ExtraVarsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ExtraVarsError'
  }
}

/** Splits `a=1 b='x y'` on unquoted whitespace, keeping quotes (Ansible's split_args). */
function splitArgs(text: string): string[] {
  const out: string[] = []
  let current = ''
  let quote: string | null = null
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quote) {
      if (ch === '\\' && i + 1 < text.length) {
        current += ch + text[++i]
        continue
      }
      if (ch === quote) quote = null
      current += ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
      current += ch
    } else if (/\s/.test(ch)) {
      if (current) out.push(current)
      current = ''
    } else current += ch
  }
  if (quote) throw new ExtraVarsError(`unbalanced quotes in -e '${text}'`)
  if (current) out.push(current)
  return out
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) {
    return value.slice(1, -1)
  }
  return value
}

export function parseKeyValueVars(text: string): PyDict {
  const vars: PyDict = new Map()
  for (const token of splitArgs(text)) {
    const eq = token.indexOf('=')
    if (eq <= 0) {
      throw new ExtraVarsError(`-e '${text}': expected key=value, @file or JSON, got '${token}'`)
    }
    vars.set(token.slice(0, eq), unquote(token.slice(eq + 1)))
  }
  return vars
}

/**
 * One `-e` argument as a variables layer. `readFile` resolves `@path` (the CLI passes a
 * reader relative to where the user ran it).
 */
export function extraVarsLayer(arg: string, readFile: (path: string) => string): VarLayer {
  const trimmed = arg.trim()
  if (trimmed.startsWith('@')) {
    const path = trimmed.slice(1)
    let text: string
    try {
      text = readFile(path)
    } catch (e) {
      throw new ExtraVarsError(`-e @${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
    }
    return { origin: path, vars: asVarsMapping(loadYaml(text, path), path) }
  }
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const value: Value = loadYaml(trimmed, '-e argument')
    return { origin: 'extra vars (-e)', vars: asVarsMapping(value, `-e '${arg}'`) }
  }
  return { origin: 'extra vars (-e)', vars: parseKeyValueVars(trimmed) }
}
