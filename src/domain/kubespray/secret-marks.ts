/**
 * Which urls and images depend on a secret: the variables are rendered a second time with every
 * secret-named value (domain/secrets.ts) replaced by a unique mark, and a mark that shows up in a
 * url or an image names the variable. This finds copies made by templates (a password put into
 * a url's path) and never mistakes a value that happens to occur in a url for a copy of it (a
 * password `release` beside `/release/v1.33.1/`). Pure: variables in, variables out.
 */
import type { Variable, VariableMap } from '../ansible/templar.js'
import { isSecretName } from '../secrets.js'
import type { Value } from '../python/values.js'

export interface MarkedSecrets {
  variables: VariableMap
  /** mark → the dotted path of the secret it stands for. */
  marks: Map<string, string>
}

export function markSecrets(variables: VariableMap): MarkedSecrets {
  const marks = new Map<string, string>()
  const mark = (path: string): string => {
    const m = `kbsecretmark${marks.size}x`
    marks.set(m, path)
    return m
  }
  /** A secret-named key's value: scalars become marks; inside structures, only secret-named keys. */
  const replaceSecret = (value: Value, path: string): Value => {
    if (typeof value === 'string' || typeof value === 'number') return mark(path)
    return replaceNested(value, path)
  }
  const replaceNested = (value: Value, path: string): Value => {
    if (Array.isArray(value)) return value.map((v, i) => replaceNested(v, `${path}[${i}]`))
    if (value instanceof Map) {
      return new Map([...value].map(([k, v]) => [k, typeof k === 'string' && isSecretName(k) ? replaceSecret(v, `${path}.${k}`) : replaceNested(v, `${path}.${String(k)}`)]))
    }
    return value
  }
  const out = new Map<string, Variable>()
  for (const [name, variable] of variables) {
    const secret = isSecretName(name) && variable.value !== null && typeof variable.value !== 'boolean' && variable.value !== ''
    out.set(name, secret ? { ...variable, value: replaceSecret(variable.value, name) } : variable)
  }
  return { variables: out, marks }
}
