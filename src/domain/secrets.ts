/**
 * The secret policy: which values never leave in anything published (lists/, files.json,
 * bundle.json, release notes, logs). One place, so every writer redacts the same things.
 *   - a variable (or a mapping key at any depth) whose name says secret: its whole value;
 *   - userinfo and signed query values in any url inside any string (domain/redact.ts);
 *   - and a secret value that a template copied into something published whole (a url's path,
 *     which is also the file's path in the bundle; another variable's value) is not rewritten
 *     but refused, naming both (findLeaks): rewriting would make the paths, SHA256SUMS and the
 *     lists disagree, and would garble text wherever a short value happens to occur.
 * Pure: values in, values out.
 */
import { redactText } from './redact.js'

/** What a redacted value is replaced by (the same marker redact.ts puts into urls). */
export const REDACTED = '***'

/**
 * Names that say secret: password, passwd, passphrase, secret, token, auth
 * (containerd_registry_auth, basic_auth, …), credential(s), private, API, access, signing and
 * TLS keys. Single words are matched on `_`/`-`/`.` separated words (camelCase split), so
 * `author` or `tokenizer_url` do not match but `registry_password` and `authToken` do; the
 * two-word ones on the joined words (`ssh_private_key`, `apiKey`, `aws_access_key`).
 */
const SECRET_WORD = /^(pass(word|wd|phrase)?|pwd|secrets?|tokens?|auth|credentials?|creds?)$/i
const SECRET_PAIR = /(^|_)(private|api|access|secret|signing|ssh|tls|client|encryption)_?keys?(_|$)/i

/** Names that hold where a secret lives or whether one is used, not the secret (kube_token_dir). */
const NOT_A_VALUE = /[_.-](url|repo|path|file|dir|enabled|version|ttl|mode|type|name|user|username)$/i

export function isSecretName(name: string): boolean {
  if (NOT_A_VALUE.test(name)) return false
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_.\-\s]+/)
    .filter(Boolean)
  return words.some((w) => SECRET_WORD.test(w)) || SECRET_PAIR.test(words.join('_')) || /(password|passwd|passphrase|secret|credential)/i.test(name)
}

export interface Redaction<T> {
  value: T
  /** Dotted paths of the variables (and nested keys) whose values were replaced. */
  redacted: string[]
}

/** A JSON value with every secret-named key's value, and every url's userinfo, redacted. */
export function redactJson(value: unknown, path = ''): Redaction<unknown> {
  const redacted: string[] = []
  const walk = (v: unknown, at: string): unknown => {
    if (typeof v === 'string') return redactText(v)
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`))
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) {
        const here = at ? `${at}.${k}` : k
        if (isSecretName(k) && x !== null && x !== '' && x !== undefined && typeof x !== 'boolean') {
          redacted.push(here)
          out[k] = REDACTED
        } else out[k] = walk(x, here)
      }
      return out
    }
    return v
  }
  return { value: walk(value, path), redacted }
}

/**
 * The secret strings of a secret-named variable's value: the value itself when it is a scalar;
 * inside a structure (containerd_registry_auth: [{registry, username, password}]) only what
 * secret-named keys hold, so a registry's host is redacted with the entry but is not a secret
 * to look for in every image line.
 */
export function collectSecretStrings(v: unknown, into: string[]): void {
  if (typeof v === 'string') into.push(v)
  else if (typeof v === 'number') into.push(String(v))
  else if (Array.isArray(v)) v.forEach((x) => collectNestedSecrets(x, into))
  else if (v && typeof v === 'object') collectNestedSecrets(v, into)
}

function collectNestedSecrets(v: unknown, into: string[]): void {
  if (Array.isArray(v)) v.forEach((x) => collectNestedSecrets(x, into))
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (isSecretName(k)) collectSecretStrings(x, into)
      else collectNestedSecrets(x, into)
    }
  }
}

/** Below this length a value is no secret worth looking for (and would match by accident). */
export const MIN_SECRET_LENGTH = 4

/** A secret value found where it would be published whole. */
export interface Leak {
  /** The variable whose (secret) value it is. */
  secret: string
  /** Where it was found: a download's url, another variable's value. */
  where: string
}

/**
 * Each place where a secret value occurs (as it is, JSON-escaped or percent-encoded) in text
 * that is published whole. `places` are [name, text] pairs, already stripped of url userinfo.
 */
export function findLeaks(secrets: ReadonlyArray<{ name: string; value: string }>, places: ReadonlyArray<[string, string]>): Leak[] {
  const leaks: Leak[] = []
  for (const { name, value } of secrets) {
    if (value.length < MIN_SECRET_LENGTH || value === REDACTED) continue
    const forms = [...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])]
    for (const [where, text] of places) if (forms.some((f) => text.includes(f))) leaks.push({ secret: name, where })
  }
  return leaks
}
