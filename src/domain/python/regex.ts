/** Python `re` patterns and replacement strings, translated to JavaScript's RegExp. */
import { PyError, ownEntry } from './values.js'

export interface PyRegexFlags {
  ignorecase?: boolean
  multiline?: boolean
}

export function compilePyRegex(pattern: string, flags: PyRegexFlags = {}, global = true): RegExp {
  let source = pattern
  let jsFlags = global ? 'g' : ''
  // Leading inline flags, e.g. (?i) or (?im)
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source)
  if (inline) {
    source = source.slice(inline[0].length)
    if (inline[1].includes('i')) flags = { ...flags, ignorecase: true }
    if (inline[1].includes('m')) flags = { ...flags, multiline: true }
    if (inline[1].includes('s')) jsFlags += 's'
  }
  if (flags.ignorecase) jsFlags += 'i'
  if (flags.multiline) jsFlags += 'm'
  source = source
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/(^|[^\\])\\A/g, '$1^')
    .replace(/(^|[^\\])\\Z/g, '$1$(?![\\s\\S])')
  try {
    return new RegExp(source, jsFlags)
  } catch (e) {
    throw new PyError('re.error', `invalid regular expression '${pattern}': ${(e as Error).message}`)
  }
}

/** Python's re.sub replacement template: \1, \g<1>, \g<name>, \\ and escapes; `$` is literal. */
export function pyReplacement(template: string): (match: string, ...rest: unknown[]) => string {
  return (match: string, ...rest: unknown[]) => {
    const last = rest[rest.length - 1]
    const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : {}
    const groupCount = rest.length - (typeof last === 'object' && last !== null ? 3 : 2)
    const group = (ref: string): string => {
      if (/^\d+$/.test(ref)) {
        const n = Number(ref)
        if (n === 0) return match
        if (n > groupCount) throw new PyError('re.error', `invalid group reference ${n}`)
        return (rest[n - 1] as string | undefined) ?? ''
      }
      if (!Object.hasOwn(named, ref)) throw new PyError('IndexError', `unknown group name '${ref}'`)
      return ownEntry(named, ref) ?? ''
    }
    return template.replace(/\\(g<([^>]*)>|(\d{1,2})|([\\nrtfv'"])|(.))/g, (whole, _g, gref?: string, num?: string, esc?: string) => {
      if (gref !== undefined) return group(gref)
      if (num !== undefined) return group(num)
      if (esc !== undefined) {
        const map: Record<string, string> = { '\\': '\\', n: '\n', r: '\r', t: '\t', f: '\f', v: '\v', "'": "\\'", '"': '\\"' }
        return map[esc]
      }
      return whole
    })
  }
}
