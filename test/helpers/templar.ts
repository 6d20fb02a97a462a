import { Templar } from '../../src/domain/ansible/templar.js'
import { mergeLayers, type VarLayer } from '../../src/domain/ansible/layers.js'
import { loadYaml } from '../../src/domain/yaml11.js'
import { pyStr, type PyDict } from '../../src/domain/python/values.js'

/** A variables layer from YAML text. */
export function layer(yaml: string, origin = 'test.yml'): VarLayer {
  return { origin, vars: (loadYaml(yaml, origin) as PyDict | null) ?? new Map() }
}

export function templarFor(...layers: (string | VarLayer)[]): Templar {
  return new Templar(mergeLayers(layers.map((l) => (typeof l === 'string' ? layer(l) : l))))
}

/** Renders like the template module (plain concatenation), returning the text. */
export function render(template: string, ...layers: (string | VarLayer)[]): string {
  return pyStr(templarFor(...layers).render(template, { convertData: false, escapeBackslashes: false }))
}

/** A variable's value as a template sees it, printed with Python's str(). */
export function valueOf(name: string, ...layers: (string | VarLayer)[]): string {
  return pyStr(templarFor(...layers).resolve(name))
}
