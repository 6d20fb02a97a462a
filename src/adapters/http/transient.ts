/**
 * Which failures are worth retries with backoff: the same list for undici's retry interceptor and
 * our own reader. A name that does not resolve (ENOTFOUND) is not: it will not resolve a second
 * later either, and retrying only delays the message (EAI_AGAIN, a resolver that did not answer,
 * is). Nor is a refused connection (ECONNREFUSED): it gets one quick retry (retry-policy.ts).
 */
export const RETRIED_ERRORS: string[] = [
  'ECONNRESET',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT'
]

/**
 * Whether an error is worth another attempt from our side (the request itself was already
 * retried by undici's interceptor or by fast-http.ts; this is about cut bodies and segments).
 */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: string })?.code
  return typeof code === 'string' && (RETRIED_ERRORS.includes(code) || code === 'UND_ERR_ABORTED' || code === 'UND_ERR_REQ_RETRY')
}
