/**
 * Ansible variable precedence, for one host (generate_list.yml runs on localhost):
 * role defaults < inventory `all` < child groups < host vars < facts < role vars < extra vars.
 * A later layer replaces a variable whole (hash_behaviour=replace, Ansible's default).
 */
import { pyStr, type PyDict, type Value } from '../python/values.js'
import type { Variable } from './templar.js'

export interface VarLayer {
  /** Where these variables come from: a file path, "extra vars", "facts". */
  origin: string
  vars: PyDict
}

export function mergeLayers(layers: readonly VarLayer[]): Map<string, Variable> {
  const merged = new Map<string, Variable>()
  for (const layer of layers) {
    for (const [key, value] of layer.vars) merged.set(pyStr(key as Value), { value, origin: layer.origin })
  }
  return merged
}

/** Checks that a loaded variables file is a mapping (or empty), as Ansible requires. */
export function asVarsMapping(value: Value, origin: string): PyDict {
  if (value === null) return new Map()
  if (!(value instanceof Map)) {
    throw new Error(`${origin}: variables must be a YAML/JSON mapping of names to values, found a ${Array.isArray(value) ? 'list' : typeof value}`)
  }
  return value
}
