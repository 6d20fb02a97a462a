/**
 * A client of the OCI distribution API for one registry host. Its GETs (manifests, blobs,
 * tokens) go through the bulk fetcher, HEADs and uploads through the shared HTTP client; both
 * retry 429/5xx/resets, follow redirects (dropping Authorization when they leave the host) and
 * honour HTTP(S)_PROXY. It handles the auth challenges registries send:
 *   - Bearer: a token from the realm the 401 names, anonymous or with the user's credentials,
 *     cached per scope and fetched again when the registry refuses it (expired);
 *   - Basic: the user's credentials.
 * HTTPS always, plain HTTP only for hosts named by --insecure-registry.
 */
import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { CredentialLookup } from './credentials.js'
import { headerValue, readSmallBody, type ByteFetcher, type ByteResponse } from '../http/bytes.js'
import { bulkFetcher, type HttpClient } from '../http/client.js'

/** A token response is a few kilobytes; anything past this is not one. */
const MAX_TOKEN_BYTES = 1 << 20

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number
  ) {
    super(message)
    this.name = 'RegistryError'
  }
}

export interface RegistryClientOptions {
  http: HttpClient
  credentials: CredentialLookup
  /** Hosts spoken to over plain HTTP. */
  insecureHosts: ReadonlySet<string>
}

interface Challenge {
  scheme: string
  params: Record<string, string>
}

/** Parses `Bearer realm="…",service="…",scope="…"` (quoted values may hold commas). */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header)
  if (!match) return undefined
  const params: Record<string, string> = {}
  for (const m of match[2].matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '')
  }
  return { scheme: match[1].toLowerCase(), params }
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH'
  /** A path under the host (/v2/…), or an absolute upload url the registry gave us. */
  path: string
  /** The repository actions the request needs, e.g. "repository:library/nginx:pull". */
  scope: string
  headers?: Record<string, string>
  body?: Buffer | Readable
  /** A stream body cannot be sent twice: such a request is not retried after a 401. */
  replayable?: boolean
}

export class RegistryClient {
  readonly base: string
  private readonly origin: string
  private readonly tokens = new Map<string, string>()
  private basicAuth: string | undefined
  private bearer: Challenge | undefined
  private readonly bytes: ByteFetcher

  constructor(
    readonly host: string,
    private readonly options: RegistryClientOptions
  ) {
    this.base = `${options.insecureHosts.has(host) ? 'http' : 'https'}://${host}`
    this.origin = new URL(this.base).origin
    this.bytes = bulkFetcher(options.http)
  }

  /** Sends a request, answering an auth challenge once; the caller reads or discards the body. */
  async request(req: RegistryRequest): Promise<Dispatcher.ResponseData> {
    const first = await this.send(req, await this.authorization(req.scope, false))
    if (first.statusCode !== 401) return first
    await first.body.dump()
    const challenge = this.answer(first.headers)
    if (req.replayable === false && req.body) throw new RegistryError(`${this.host} asked for credentials in the middle of an upload`, 401)
    return this.send(req, await this.authorization(req.scope, true, challenge))
  }

  /**
   * A bulk GET (a blob), through the bulk fetcher (http/client.ts), with the same auth as
   * request(): credentials go to this registry's origin only, and a redirect to another
   * origin (a CDN) drops them.
   */
  async getBytes(path: string, scope: string, headers: Record<string, string>): Promise<ByteResponse> {
    const url = new URL(path, this.base)
    const send = (authorization: string | undefined): Promise<ByteResponse> =>
      this.bytes.get(url.toString(), authorization && url.origin === this.origin ? { ...headers, authorization } : headers).catch((e: unknown) => {
        throw this.explained(e)
      })
    const first = await send(await this.authorization(scope, false))
    if (first.statusCode !== 401) return first
    first.body.discard()
    const challenge = this.answer(first.headers)
    return send(await this.authorization(scope, true, challenge))
  }

  /** Learns what a 401 asks for. */
  private answer(headers: Record<string, string | string[] | undefined>): Challenge {
    const challenge = parseChallenge(headerValue(headers['www-authenticate']) ?? '')
    if (!challenge) throw new RegistryError(`${this.host} answered 401 without an auth challenge`, 401)
    this.learn(challenge)
    return challenge
  }

  private learn(challenge: Challenge): void {
    if (challenge.scheme === 'bearer') this.bearer = challenge
    else if (challenge.scheme === 'basic') {
      const credentials = this.options.credentials(this.host)
      if (!credentials) throw new RegistryError(`${this.host} requires a login (Basic auth) and no credentials were found for it (docker login / REGISTRY_AUTH_FILE)`, 401)
      this.basicAuth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    } else throw new RegistryError(`${this.host} asks for '${challenge.scheme}' authentication, which is not supported`, 401)
  }

  private async authorization(scope: string, refresh: boolean, challenge?: Challenge): Promise<string | undefined> {
    if (this.basicAuth) return this.basicAuth
    if (!this.bearer) return undefined
    const key = scope
    if (!refresh) {
      const cached = this.tokens.get(key)
      if (cached) return `Bearer ${cached}`
    }
    const token = await this.fetchToken(challenge?.params.scope ? mergeScopes(scope, challenge.params.scope) : scope)
    this.tokens.set(key, token)
    return `Bearer ${token}`
  }

  private async fetchToken(scope: string): Promise<string> {
    const params = this.bearer?.params ?? {}
    if (!params.realm) throw new RegistryError(`${this.host}: its Bearer challenge names no realm`, 401)
    let url: URL
    try {
      url = new URL(params.realm)
    } catch {
      throw new RegistryError(`${this.host}: its Bearer challenge names realm '${params.realm}', which is not a url`, 401)
    }
    if (params.service) url.searchParams.set('service', params.service)
    for (const s of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', s)
    const credentials = this.options.credentials(this.host)
    // The realm is the registry's word: our Basic credentials go to it only over HTTPS, or to
    // the registry's own origin, never in clear text to a host the registry merely named.
    const trusted = url.protocol === 'https:' || url.origin === this.origin
    const withheld = credentials && !trusted
    const headers: Record<string, string> = {}
    if (credentials && trusted) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    // Through the bulk fetcher, like manifests and blobs (a pull needs no other client).
    const res = await this.bytes.get(url.toString(), headers)
    if (res.statusCode !== 200) {
      res.body.discard()
      const who = withheld
        ? `anonymous access (your credentials were withheld: the realm ${url.origin} is plain HTTP on another host)`
        : credentials
          ? 'the credentials'
          : 'anonymous access'
      throw new RegistryError(`${this.host}: the token service ${url.origin} refused ${who} (HTTP ${res.statusCode})`, res.statusCode)
    }
    const body = await readSmallBody(res, MAX_TOKEN_BYTES, (size) => new RegistryError(`${this.host}: the token service ${url.origin} answered ${size} bytes (the limit is ${MAX_TOKEN_BYTES})`))
    let json: { token?: unknown; access_token?: unknown }
    try {
      json = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown }
    } catch {
      throw new RegistryError(`${this.host}: the token service ${url.origin} answered something that is not JSON`)
    }
    const token = typeof json.token === 'string' && json.token ? json.token : typeof json.access_token === 'string' ? json.access_token : undefined
    if (!token) throw new RegistryError(`${this.host}: the token service ${url.origin} returned no token`)
    return token
  }

  private send(req: RegistryRequest, authorization: string | undefined): Promise<Dispatcher.ResponseData> {
    const url = new URL(req.path, this.base)
    const headers: Record<string, string> = { ...req.headers }
    // Credentials go to this registry's origin only (scheme, host and port): never to another
    // host an upload url names, and never downgraded to plain HTTP by one.
    if (authorization && url.origin === this.origin) headers.authorization = authorization
    return this.options.http.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method, headers, body: req.body }).catch((e: unknown) => {
      throw this.explained(e)
    })
  }

  /**
   * TLS spoken to a plain-HTTP registry fails deep in OpenSSL ("ssl3_get_record:wrong version
   * number"): said as what it means and what to do, in one line that is the same for every
   * image of that registry.
   */
  private explained(e: unknown): unknown {
    const text = `${(e as { code?: string })?.code ?? ''} ${(e as Error)?.message ?? ''}`
    if (this.base.startsWith('https:') && /WRONG_VERSION_NUMBER|wrong version number|packet length too long|http request/i.test(text)) {
      return new RegistryError(`${this.host} answered plain HTTP, not TLS: add --insecure-registry ${this.host} (push: --insecure; action input: insecure-registries)`)
    }
    return e
  }
}

function mergeScopes(a: string, b: string): string {
  return [...new Set([...a.split(' '), ...b.split(' ')].filter(Boolean))].join(' ')
}
