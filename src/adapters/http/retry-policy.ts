/**
 * When a failed request is tried again, and how long after: one policy for our own reader
 * (fast-http.ts) and undici's retry interceptor (client.ts), and the notices that let a
 * progress line say that a retry happens ("retry 2/5 after 503: dl.k8s.io").
 *
 * A refused connection gets one quick retry and no backoff: a server that is restarting is back
 * within a moment, and one that is not there stays refused however long one waits (five
 * backoffs took 15.5 s to say so). So does a lookup no DNS server answered (EAI_AGAIN): on an
 * air-gapped machine the resolver is unreachable, and waiting does not bring it (five backoffs:
 * 17 s, then a raw getaddrinfo error). A name that does not resolve gets none (transient.ts).
 */
import { headerValue, type Headers } from './bytes.js'
import { RETRIED_ERRORS } from './transient.js'

export const RETRIED_STATUS: readonly number[] = [429, 500, 502, 503, 504]

/** The one quick retry of a refused connection waits this long. */
export const REFUSED_RETRY_DELAY_MS = 250

/** The error code of a refused connection, retried once and quickly (not in RETRIED_ERRORS). */
export const REFUSED = 'ECONNREFUSED'

/** A lookup no DNS server answered: retried once and quickly, as a refusal is. */
export const NO_DNS_ANSWER = 'EAI_AGAIN'

/** A name that does not resolve: never retried. */
export const NOT_FOUND = 'ENOTFOUND'

/** The failures that get one quick retry and no backoff, then fail their host. */
export const QUICK_RETRIED: readonly string[] = [REFUSED, NO_DNS_ANSWER]

/** The failures after which a host is taken for unreachable for the rest of the run. */
export const UNREACHABLE: readonly string[] = [REFUSED, NO_DNS_ANSWER, NOT_FOUND]

/**
 * The one line that names an unreachable host and what to check, or undefined for any other
 * failure: the same words from our reader (fast-http.ts) and from undici (client.ts).
 */
export function unreachableMessage(target: URL, code: string | undefined): string | undefined {
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  switch (code) {
    case REFUSED:
      return `${target.hostname}:${port} refused the connection (${REFUSED}): nothing listens there; check that the server is up and the host and port are right`
    case NOT_FOUND:
      return `${target.hostname}: the name does not resolve (${NOT_FOUND}): check the host name, and this machine's DNS`
    case NO_DNS_ANSWER:
      return `${target.hostname}: no DNS server answered (${NO_DNS_ANSWER}): check /etc/resolv.conf, or use --mirror`
    default:
      return undefined
  }
}

export interface RetryOptions {
  /** Retries of one request, after the first try. */
  retries: number
  /** First backoff delay; doubles each retry up to 30 s, unless Retry-After says otherwise. */
  minRetryDelayMs: number
}

/** What a try ended with: an error code (a connection failure) or a status (an answer). */
export interface TryOutcome {
  code?: string
  statusCode?: number
  headers?: Headers
}

/**
 * How long to wait before the next try, or undefined when the request has failed for good.
 * `retriesDone` counts the retries already made of this request.
 */
export function retryDelayMs(outcome: TryOutcome, retriesDone: number, options: RetryOptions): number | undefined {
  if (outcome.code !== undefined && QUICK_RETRIED.includes(outcome.code)) return retriesDone === 0 && options.retries > 0 ? REFUSED_RETRY_DELAY_MS : undefined
  if (retriesDone >= options.retries) return undefined
  const retried = outcome.statusCode !== undefined ? RETRIED_STATUS.includes(outcome.statusCode) : outcome.code !== undefined && RETRIED_ERRORS.includes(outcome.code)
  if (!retried) return undefined
  return (outcome.headers && retryAfterMs(outcome.headers)) ?? backoffMs(retriesDone, options.minRetryDelayMs)
}

/** The retries a request gets after `outcome`, for a notice's "n/N" (one for a refusal or a DNS server that did not answer). */
export function retriesAllowed(outcome: TryOutcome, options: RetryOptions): number {
  return outcome.code !== undefined && QUICK_RETRIED.includes(outcome.code) ? Math.min(1, options.retries) : options.retries
}

export function backoffMs(retriesDone: number, minRetryDelayMs: number): number {
  return Math.min(30_000, minRetryDelayMs * 2 ** retriesDone)
}

/** Retry-After in seconds or as a date, capped at a minute. */
export function retryAfterMs(headers: Headers): number | undefined {
  const value = headerValue(headers['retry-after'])
  if (!value) return undefined
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000
  return Number.isFinite(seconds) ? Math.min(60_000, Math.max(0, seconds * 1000)) : undefined
}

/** A retry about to happen, as a progress line shows it. */
export interface RetryNotice {
  /** host[:port] the request goes to. */
  host: string
  /** 1 for the first retry. */
  retry: number
  of: number
  /** The status or error code it follows: "503", "ECONNRESET". */
  after: string
  delayMs: number
}

export function describeRetry(notice: RetryNotice): string {
  return `retry ${notice.retry}/${notice.of} after ${notice.after}: ${notice.host}`
}

type RetryListener = (notice: RetryNotice) => void
const listeners = new Set<RetryListener>()

/**
 * Hears every retry of the process's HTTP clients until the returned function is called. A
 * process-wide channel (as process.emitWarning is) because the clients are made deep in the
 * pipelines and the progress lines in the commands; nothing but a notice travels on it.
 */
export function onRetry(listener: RetryListener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function announceRetry(notice: RetryNotice): void {
  for (const listener of listeners) listener(notice)
}

/** The notice of a retry about to be made after `outcome`, for a request to `url`. */
export function retryNotice(url: URL | string, outcome: TryOutcome, retriesDone: number, options: RetryOptions, delayMs: number): RetryNotice {
  const host = typeof url === 'string' ? safeHost(url) : url.host
  return { host, retry: retriesDone + 1, of: retriesAllowed(outcome, options), after: String(outcome.statusCode ?? outcome.code ?? 'an error'), delayMs }
}

/**
 * The host[:port] of a url, or of a source id without a scheme (a blob's
 * `registry.local:5000/lib/x@sha256:…`, which URL would read as scheme `registry.local:` and no
 * host); its first component is a host the way an image reference's is (it has a dot or a port,
 * or is localhost). Anything else is named whole.
 */
export function safeHost(id: string): string {
  const parsed = parseUrl(id)
  if (parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host) return parsed.host
  const first = id.split('/')[0] ?? ''
  const looksLikeHost = first.includes('.') || first.includes(':') || first === 'localhost'
  const host = looksLikeHost && !first.includes('@') ? parseUrl(`http://${first}`)?.host : undefined
  return host || id
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text)
  } catch {
    return undefined
  }
}
