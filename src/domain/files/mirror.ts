/**
 * --mirror FROM=TO: fetch urls starting with FROM from TO instead (the layout keeps the
 * original url). Userinfo in TO (`http://user:token@mirror/…`) is sent as Basic auth to the
 * mirror's origin only, and redacted wherever a url is shown.
 */
import { redactText, redactUrl } from '../redact.js'

export interface Mirror {
  from: string
  to: string
}

export function parseMirror(spec: string): Mirror {
  const eq = spec.indexOf('=')
  const from = eq > 0 ? spec.slice(0, eq) : ''
  const to = eq > 0 ? spec.slice(eq + 1) : ''
  if (!/^https?:\/\/[^/]/.test(from) || !/^https?:\/\/[^/]/.test(to)) {
    throw new Error(`--mirror ${redactText(spec)}: expected FROM=TO, both http(s) url prefixes, e.g. https://github.com=http://mirror.local/github.com`)
  }
  if (/^https?:\/\/[^/]*@/.test(from)) {
    throw new Error(`--mirror ${redactUrl(from)}=…: FROM is matched against Kubespray's urls and cannot carry credentials; put them in TO (https://user:token@mirror/…)`)
  }
  return { from, to }
}

/** The longest matching prefix wins, so a specific mirror can override a general one. */
export function applyMirrors(url: string, mirrors: readonly Mirror[]): string {
  let best: Mirror | undefined
  for (const m of mirrors) if (url.startsWith(m.from) && (!best || m.from.length > best.from.length)) best = m
  return best ? best.to + url.slice(best.from.length) : url
}
