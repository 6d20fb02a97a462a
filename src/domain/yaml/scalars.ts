/**
 * PyYAML's YAML 1.1 scalar resolution, shared by every YAML path: yes/no/on/off are
 * booleans, `1.17` is a float but `1e3` a string, `0755` octal, `1:30` sexagesimal.
 */
import { PyFloat, type Value } from '../python/values.js'

export const NULL = /^(?:~|null|Null|NULL|)$/
export const BOOL_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/
export const BOOL_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/
export const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/
export const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/

function sexagesimal(digits: string): number {
  return digits.split(':').reduce((acc, part) => acc * 60 + Number(part), 0)
}

export function constructInt(source: string): number {
  let text = source.replace(/_/g, '')
  let sign = 1
  if (text[0] === '-' || text[0] === '+') {
    if (text[0] === '-') sign = -1
    text = text.slice(1)
  }
  if (text === '0') return 0
  if (text.startsWith('0b')) return sign * parseInt(text.slice(2), 2)
  if (text.startsWith('0x')) return sign * parseInt(text.slice(2), 16)
  if (text.startsWith('0')) return sign * parseInt(text, 8)
  if (text.includes(':')) return sign * sexagesimal(text)
  return sign * parseInt(text, 10)
}

export function constructFloat(source: string): PyFloat {
  let text = source.replace(/_/g, '').toLowerCase()
  let sign = 1
  if (text[0] === '-' || text[0] === '+') {
    if (text[0] === '-') sign = -1
    text = text.slice(1)
  }
  if (text === '.inf') return new PyFloat(sign * Infinity)
  if (text === '.nan') return new PyFloat(NaN)
  if (text.includes(':')) return new PyFloat(sign * sexagesimal(text))
  return new PyFloat(sign * Number(text))
}

/** PyYAML's implicit resolution of a plain scalar. */
export function resolvePlainScalar(source: string): Value {
  if (NULL.test(source)) return null
  if (BOOL_TRUE.test(source)) return true
  if (BOOL_FALSE.test(source)) return false
  if (INT.test(source)) return constructInt(source)
  if (FLOAT.test(source)) return constructFloat(source)
  return source
}

export function resolveTagged(tag: string, source: string): Value {
  switch (tag) {
    case 'tag:yaml.org,2002:str':
      return source
    case 'tag:yaml.org,2002:int':
      return constructInt(source)
    case 'tag:yaml.org,2002:float':
      return constructFloat(source)
    case 'tag:yaml.org,2002:bool':
      return BOOL_TRUE.test(source)
    case 'tag:yaml.org,2002:null':
      return null
    // Ansible's !unsafe: never templated. A raw block keeps it literal through templating.
    case '!unsafe':
      return /[{][{%#]/.test(source) ? `{% raw %}${source}{% endraw %}` : source
    default:
      return source
  }
}
