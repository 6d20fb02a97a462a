/**
 * The HTTP clients of a run. One undici dispatcher for APIs and uploads: a connection cap per
 * host, HTTP(S)_PROXY and NO_PROXY, redirects (GitHub release urls answer 302 to another
 * host), and retries with exponential backoff on 5xx/429/resets/timeouts that honour
 * Retry-After. Beside it, the bulk fetcher for files, layers, manifests and registry tokens
 * (bulkFetcher): our own reader (fast-http.ts) with the same cap, retries and timeout, or the
 * dispatcher itself when a proxy is set. NODE_EXTRA_CA_CERTS reaches both through Node's TLS
 * defaults.
 */
import type { LookupFunction } from 'node:net'
import type { Dispatcher, RetryHandler } from 'undici'
import { DispatcherBytes, type ByteFetcher } from './bytes.js'
import { FastHttp } from './fast-http.js'
import { RETRIED_ERRORS } from './transient.js'
import { announceRetry, QUICK_RETRIED, RETRIED_STATUS, retryDelayMs, retryNotice, UNREACHABLE, unreachableMessage, type TryOutcome } from './retry-policy.js'
import { lazyRequire } from '../../domain/lazy-require.js'

export { isTransient } from './transient.js'

/** What this code base asks of an HTTP client: requests, and closing. undici's Dispatcher is one. */
export interface HttpClient {
  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>
  close(): Promise<void>
}

export interface HttpClientOptions {
  /** Concurrent connections to one host (origin). */
  connectionsPerHost: number
  /** Retries of one request before it fails. */
  retries: number
  /** First backoff delay; doubles each retry up to 30 s, unless Retry-After says otherwise. */
  minRetryDelayMs: number
  /** No bytes for this long fails the request (and retries it). */
  idleTimeoutMs: number
  /** How names are resolved instead of the system's (tests; a run asks the system resolver). */
  lookup?: LookupFunction
}

export const DEFAULT_HTTP_OPTIONS: HttpClientOptions = {
  // bench/files.sh: 16, 24 and 32 connections took 3.2, 3.1 and 3.0 s for Kubespray's
  // 1.1 GB set behind a 32 MiB/s-per-connection cap; 24 keeps most of it and stays polite.
  connectionsPerHost: 24,
  retries: 5,
  minRetryDelayMs: 500,
  idleTimeoutMs: 60_000
}


/**
 * undici, from dist/vendor/undici.cjs in the bundles: a run that never needs it (no proxy, no
 * API call) neither loads nor reads it, and the commands' bundles are a third the size.
 */
const undici = lazyRequire<typeof import('undici')>('undici')

/** The bulk fetcher that goes with each client createHttpClient made. */
const bulk = new WeakMap<HttpClient, ByteFetcher>()

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const http = new LazyHttpClient(async () => createDispatcher(undici(), options))
  bulk.set(http, proxyConfigured() ? new DispatcherBytes(http) : new FastHttp(options))
  return http
}

/**
 * An HTTP client made on its first request. Loading undici costs a cold start ~25 ms (its
 * module, the builtins it pulls in, its WebAssembly parser on the first response), and
 * `images` and `files` without a proxy never need it: bulk bodies, manifests and tokens go
 * through our own reader.
 */
export class LazyHttpClient implements HttpClient {
  private made: Promise<HttpClient> | undefined

  constructor(private readonly make: () => Promise<HttpClient>) {}

  async request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    return (await this.client()).request(options)
  }

  /** Closes the client if one was made; one never made has nothing to close. */
  async close(): Promise<void> {
    if (this.made) await (await this.made).close()
  }

  private client(): Promise<HttpClient> {
    return (this.made ??= this.make())
  }
}

/**
 * Where bulk bodies (files, layers, manifests, assets) come from: our own HTTP/1.1 reader
 * (fast-http.ts) with the client's connection cap, retries and timeout, or the client itself
 * when a proxy is configured (or for a client made elsewhere, as tests do).
 */
export function bulkFetcher(http: HttpClient): ByteFetcher {
  let fetcher = bulk.get(http)
  if (!fetcher) bulk.set(http, (fetcher = new DispatcherBytes(http)))
  return fetcher
}

function proxyConfigured(): boolean {
  return ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy'].some((name) => Boolean(process.env[name]))
}

/** What a proxy that closes the connection on CONNECT fails a request with (never retried). */
const PROXY_REFUSED_TUNNEL = 'KB_PROXY_REFUSED_TUNNEL'

/**
 * The client that talks to the proxy itself. undici takes a proxy that closes the connection
 * when asked to CONNECT (no answer at all) for a socket error to reconnect from at once, and
 * does so without end: ~5,000 connections a second and a full core, the request never settled
 * (undici 7.30, client.js onError). Such a proxy refuses the tunnel; the request fails saying so.
 */
function proxyClientFactory(Client: typeof import('undici').Client): (origin: URL, options: object) => Dispatcher {
  return (origin, options) => {
    const client = new Client(origin, options)
    const connect = client.connect.bind(client) as (o: Dispatcher.ConnectOptions, callback?: unknown) => unknown
    const connectOrRefuse = (o: Dispatcher.ConnectOptions, callback?: unknown): unknown => {
      // ProxyAgent asks for the promise form; anything else goes through untouched.
      if (callback !== undefined) return connect(o, callback)
      return (connect(o) as Promise<Dispatcher.ConnectData>).catch((e: unknown) => {
        if ((e as { code?: string })?.code !== 'UND_ERR_SOCKET') throw e
        throw Object.assign(
          new Error(`the proxy ${origin.host} closed the connection when asked to tunnel to ${o.path ?? '?'} (CONNECT): it refuses the tunnel; check HTTPS_PROXY and NO_PROXY`),
          { code: PROXY_REFUSED_TUNNEL, cause: e }
        )
      })
    }
    Object.defineProperty(client, 'connect', { value: connectOrRefuse })
    return client
  }
}

/**
 * undici's retry decision replaced by ours (retry-policy.ts), so a refused connection gets one
 * quick retry rather than the backoff, and each retry is announced to the progress line as our
 * own reader's are. Only GET and HEAD are retried; `counter` is 1 when the first retry is asked.
 */
function retryAsPolicySays(options: HttpClientOptions): RetryHandler.RetryCallback {
  return (err, { state, opts }, callback) => {
    const { code, statusCode, headers } = err as Error & { code?: string; statusCode?: number; headers?: Record<string, string | string[]> }
    // undici's own retry error without a status (a resumed body that did not fit) is worth a retry.
    const outcome: TryOutcome = statusCode !== undefined ? { statusCode, headers } : { code: code === 'UND_ERR_REQ_RETRY' ? 'UND_ERR_SOCKET' : code }
    const retriesDone = Math.max(0, state.counter - 1)
    const delay = ['GET', 'HEAD'].includes(opts.method) ? retryDelayMs(outcome, retriesDone, options) : undefined
    if (delay === undefined) return callback(unreachableError(err, String(opts.origin ?? '')))
    announceRetry(retryNotice(`${String(opts.origin ?? '')}${opts.path}`, outcome, retriesDone, options, delay))
    setTimeout(() => callback(null), delay)
  }
}

/**
 * A host that refused, does not resolve, or for which no DNS server answered: the same one line
 * our own reader gives (retry-policy.ts), the code kept and the original error as its cause.
 */
function unreachableError(err: Error, origin: string): Error {
  const code = (err as { code?: string }).code
  if (code === undefined || !UNREACHABLE.includes(code)) return err
  let target: URL
  try {
    target = new URL(origin)
  } catch {
    return err
  }
  const message = unreachableMessage(target, code)
  return message === undefined ? err : Object.assign(new Error(message, { cause: err }), { code })
}

function createDispatcher({ Client, EnvHttpProxyAgent, interceptors }: typeof import('undici'), options: HttpClientOptions): HttpClient {
  const agent = new EnvHttpProxyAgent({
    clientFactory: proxyClientFactory(Client),
    // Plain-HTTP urls go to an HTTP proxy as absolute-URI requests, the way curl sends them: a
    // CONNECT tunnel to port 80 is what proxies commonly refuse (Squid's default), and undici
    // reconnects without end when a proxy closes on a CONNECT. HTTPS is tunnelled as always.
    proxyTunnel: false,
    connections: options.connectionsPerHost,
    headersTimeout: options.idleTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
    ...(options.lookup ? { connect: { lookup: options.lookup } } : {})
  })
  return agent.compose(
    interceptors.retry({
      maxRetries: options.retries,
      minTimeout: options.minRetryDelayMs,
      maxTimeout: 30_000,
      timeoutFactor: 2,
      retryAfter: true,
      methods: ['GET', 'HEAD'],
      statusCodes: [...RETRIED_STATUS],
      errorCodes: [...RETRIED_ERRORS, ...QUICK_RETRIED],
      retry: retryAsPolicySays(options)
    }),
    interceptors.redirect({ maxRedirections: 10 })
  )
}

