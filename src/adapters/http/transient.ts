/**
 * Which failures are worth retries with backoff: the same list for undici's retry interceptor and
 * our own reader. A name that does not resolve (ENOTFOUND) is not: it will not resolve a second
 * later either, and retrying only delays the message. Nor are a refused connection
 * (ECONNREFUSED) and a lookup no DNS server answered (EAI_AGAIN): each gets one quick retry and
 * then fails its host (retry-policy.ts).
 */
export const RETRIED_ERRORS: string[] = [
  'ECONNRESET',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT'
]

/**
 * A host that is not there for now (refused, or no DNS server answered): the request was given
 * its one quick retry, and a partial file is worth keeping for a later run, but trying the same
 * body again at once is not (the host fails fast for the rest of the run).
 */
const AWAY: readonly string[] = ['ECONNREFUSED', 'EAI_AGAIN']

/**
 * Whether a failure leaves a partial download worth keeping for the next run (and a cut body
 * worth taking up again): the request itself was already retried by undici's interceptor or by
 * fast-http.ts. A refused connection counts: the server may be back on the next run, and the
 * bytes already on disk are still good.
 */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: string })?.code
  return typeof code === 'string' && (RETRIED_ERRORS.includes(code) || AWAY.includes(code) || code === 'UND_ERR_ABORTED' || code === 'UND_ERR_REQ_RETRY')
}

/** Whether a failure says its host is away for now (refused, no DNS answer): keep the part, but do not try the body again at once. */
export function isHostAway(error: unknown): boolean {
  const code = (error as { code?: string })?.code
  return typeof code === 'string' && AWAY.includes(code)
}
