/**
 * The secret policy: which values never leave in anything published (lists/, files.json,
 * bundle.json, release notes, logs). One place, so every writer redacts the same things.
 *   - a variable (or a mapping key at any depth) whose name says secret: its whole value;
 *   - userinfo and signed query values in any url inside any string (domain/redact.ts);
 *   - and, belt and braces, any literal occurrence of a secret value inside other published
 *     text (a password that a template put into a url path, say).
 * Pure: values in, values out.
 */
import { redactText } from './redact.js'

/** What a redacted value is replaced by (the same marker redact.ts puts into urls). */
export const REDACTED = '***'

/**
 * Names that say secret: password, passwd, secret, token, auth (containerd_registry_auth,
 * basic_auth, …), credential(s), private keys. Matched on `_`/`-`/`.` separated words, so
 * `author` or `tokenizer_url` do not match but `registry_password` and `authToken` do.
 */
const SECRET_WORD = /^(pass(word|wd)?|pwd|secrets?|tokens?|auth|credentials?|creds?|private[_-]?key|api[_-]?key|access[_-]?key|secret[_-]?key)$/i

/** Names that hold where a secret lives or whether one is used, not the secret (kube_token_dir). */
const NOT_A_VALUE = /[_.-](url|repo|path|file|dir|enabled|version|ttl|mode|type|name|user|username)$/i

export function isSecretName(name: string): boolean {
  if (NOT_A_VALUE.test(name)) return false
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_.\-\s]+/)
    .filter(Boolean)
  return words.some((w) => SECRET_WORD.test(w)) || /(password|passwd|secret|credential)/i.test(name)
}

export interface Redaction<T> {
  value: T
  /** Dotted paths of the variables (and nested keys) whose values were replaced. */
  redacted: string[]
  /** The string values that were secret (for redacting their literal copies elsewhere). */
  secrets: string[]
}

/** A JSON value with every secret-named key's value, and every url's userinfo, redacted. */
export function redactJson(value: unknown, path = ''): Redaction<unknown> {
  const redacted: string[] = []
  const secrets: string[] = []
  const walk = (v: unknown, at: string): unknown => {
    if (typeof v === 'string') return redactText(v)
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`))
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) {
        const here = at ? `${at}.${k}` : k
        if (isSecretName(k) && x !== null && x !== '' && x !== undefined && typeof x !== 'boolean') {
          redacted.push(here)
          collectStrings(x, secrets)
          out[k] = REDACTED
        } else out[k] = walk(x, here)
      }
      return out
    }
    return v
  }
  return { value: walk(value, path), redacted, secrets }
}

function collectStrings(v: unknown, into: string[]): void {
  if (typeof v === 'string') into.push(v)
  else if (typeof v === 'number') into.push(String(v))
  else if (Array.isArray(v)) v.forEach((x) => collectStrings(x, into))
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => collectStrings(x, into))
}

/**
 * Published text with urls' userinfo redacted and every literal secret value replaced. Values
 * shorter than 4 characters are left alone: replacing `1` or `yes` everywhere would garble the
 * text and protect nothing.
 */
export function redactPublishedText(text: string, secrets: readonly string[]): string {
  let out = redactText(text)
  for (const s of [...new Set(secrets)].filter((x) => x.length >= 4 && x !== REDACTED).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join(REDACTED)
    // The same value as it appears inside a JSON string or a url (escaped or percent-encoded).
    const json = JSON.stringify(s).slice(1, -1)
    if (json !== s) out = out.split(json).join(REDACTED)
    const encoded = encodeURIComponent(s)
    if (encoded !== s) out = out.split(encoded).join(REDACTED)
  }
  return out
}
