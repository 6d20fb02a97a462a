/**
 * Secrets that travel inside urls never reach a message, a progress line or a state file:
 * userinfo (`https://user:token@mirror/…`) and the values of signed query strings (S3's
 * X-Amz-Signature/Credential/Security-Token, Azure's sig, GCS's X-Goog-Signature, plain
 * token/access_token/key parameters).
 */
const SECRET_PARAM = /^(x-(amz|goog)-(signature|credential|security-token)|sig|signature|token|access_token|key|api[_-]?key|password|secret|x-ms-.*sig.*)$/i

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi

/** One url with its userinfo and secret query values replaced by `***`. */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//***@')
  }
  let changed = false
  if (parsed.username || parsed.password) {
    parsed.username = '***'
    parsed.password = ''
    changed = true
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) {
      parsed.searchParams.set(key, '***')
      changed = true
    }
  }
  return changed ? parsed.toString().replaceAll('%2A%2A%2A', '***') : url
}

/** Every url inside a text, redacted. */
export function redactText(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url))
}

/** The credentials a url carries in its userinfo, and the url without them. */
export function splitUserinfo(url: string): { url: string; username?: string; password?: string } {
  const parsed = new URL(url)
  if (!parsed.username && !parsed.password) return { url }
  const username = decodeURIComponent(parsed.username)
  const password = decodeURIComponent(parsed.password)
  parsed.username = ''
  parsed.password = ''
  return { url: parsed.toString(), username, password }
}
