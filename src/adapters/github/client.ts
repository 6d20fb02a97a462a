/**
 * The GitHub REST API (github.com or GHES at GITHUB_API_URL) on the shared undici dispatcher:
 * JSON calls, Link-header pagination, rate limits honoured (a short wait until the reset or
 * Retry-After, else a clear error naming when it resets and that a token raises it), and
 * streamed downloads (the tarball redirects to codeload; undici drops Authorization when a
 * redirect leaves the API's origin). The token is only ever a request header.
 */
import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { HttpClient } from '../http/client.js'
import { redactText } from '../../domain/redact.js'

export class GitHubError extends Error {
  constructor(
    message: string,
    readonly status?: number
  ) {
    super(message)
    this.name = 'GitHubError'
  }
}

export interface GitHubClientOptions {
  http: HttpClient
  /** e.g. https://api.github.com or https://ghe.example.com/api/v3 */
  apiUrl: string
  token?: string
  userAgent: string
  /** Longest wait for a rate limit to reset before failing (default 60 s). */
  maxRateLimitWaitMs?: number
  /**
   * What the user set the url and token with, for errors (default GITHUB_API_URL, GITHUB_TOKEN
   * or github-token): Kubespray's API is set apart from the workflow's on GHES.
   */
  settings?: { url: string; token: string }
}

/** 10,000 items at 100 a page: far more than a repository's tags or releases, or a release's assets (at most 1,000). */
const MAX_PAGES = 100

const header = (res: Dispatcher.ResponseData, name: string): string | undefined => {
  const v = res.headers[name]
  return Array.isArray(v) ? v[0] : v
}

export class GitHubClient {
  private readonly base: URL

  constructor(private readonly options: GitHubClientOptions) {
    this.base = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`)
  }

  /** An absolute url for an API path (`repos/o/r/tags`), keeping a GHES base path such as /api/v3. */
  url(path: string): URL {
    return /^https?:\/\//.test(path) ? new URL(path) : new URL(path.replace(/^\//, ''), this.base)
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': this.options.userAgent,
      ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      ...extra
    }
  }

  /** One request, waiting out a rate limit once when the wait is short. */
  async request(method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', path: string, init: { body?: string | Buffer | Readable; headers?: Record<string, string> } = {}): Promise<Dispatcher.ResponseData> {
    const url = this.url(path)
    for (let attempt = 0; ; attempt++) {
      let res: Dispatcher.ResponseData
      try {
        res = await this.options.http.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method,
          headers: this.headers(init.headers),
          body: init.body
        })
      } catch (e) {
        throw new GitHubError(`the GitHub API at ${this.base.origin} (${this.options.settings?.url ?? 'GITHUB_API_URL'}) did not answer ${method} ${url.pathname}: ${(e as Error).message}`)
      }
      // A streamed body cannot be sent twice: the caller retries those (releases.upload).
      const replayable = !(init.body && typeof (init.body as Readable).pipe === 'function')
      const wait = attempt === 0 && replayable ? this.rateLimitWait(res) : undefined
      if (wait === undefined) return res
      await res.body.dump()
      if (wait > (this.options.maxRateLimitWaitMs ?? 60_000)) {
        const reset = header(res, 'x-ratelimit-reset')
        const when = reset ? new Date(Number(reset) * 1000).toISOString() : `in ${Math.ceil(wait / 1000)} s`
        throw new GitHubError(
          `${url.origin}: API rate limit exhausted (HTTP ${res.statusCode}) until ${when}` +
            (this.options.token ? '' : `; a token (${this.options.settings?.token ?? 'GITHUB_TOKEN, or the github-token input'}) raises the limit`),
          res.statusCode
        )
      }
      await new Promise((r) => setTimeout(r, wait))
    }
  }

  /** How long a rate-limited answer asks us to wait (ms), or undefined when it is not one. */
  private rateLimitWait(res: Dispatcher.ResponseData): number | undefined {
    if (res.statusCode !== 403 && res.statusCode !== 429) return undefined
    const retryAfter = header(res, 'retry-after')
    if (retryAfter && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000
    if (header(res, 'x-ratelimit-remaining') === '0') {
      const reset = Number(header(res, 'x-ratelimit-reset') ?? 0) * 1000
      return Math.max(1000, reset - Date.now() + 1000)
    }
    return undefined
  }

  async json<T>(path: string): Promise<T> {
    const res = await this.request('GET', path)
    if (res.statusCode !== 200) throw await this.failure(res, `GET ${path}`)
    return (await res.body.json()) as T
  }

  /** A GET that may 404: undefined then. */
  async jsonOrMissing<T>(path: string): Promise<T | undefined> {
    const res = await this.request('GET', path)
    if (res.statusCode === 404 || res.statusCode === 422) {
      await res.body.dump()
      return undefined
    }
    if (res.statusCode !== 200) throw await this.failure(res, `GET ${path}`)
    return (await res.body.json()) as T
  }

  /** Every page of a list endpoint, following Link: <…>; rel="next". */
  async paginate<T>(path: string): Promise<T[]> {
    const items: T[] = []
    let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}per_page=100`
    for (let page = 0; next; page++) {
      // A list cut short would be taken for the whole (an asset count, a tag search): fail instead.
      if (page === MAX_PAGES) throw new GitHubError(`GET ${path}: more than ${MAX_PAGES} pages of results`)
      const res = await this.request('GET', next)
      if (res.statusCode !== 200) throw await this.failure(res, `GET ${path}`)
      items.push(...((await res.body.json()) as T[]))
      next = /<([^>]+)>;\s*rel="next"/.exec(header(res, 'link') ?? '')?.[1]
    }
    return items
  }

  /** A streamed GET (redirects followed); the caller consumes the body. */
  async stream(path: string): Promise<Readable> {
    const res = await this.request('GET', path, { headers: { accept: 'application/octet-stream' } })
    if (res.statusCode !== 200) throw await this.failure(res, `GET ${path}`)
    return res.body
  }

  async failure(res: Dispatcher.ResponseData, what: string): Promise<GitHubError> {
    const text = await res.body.text().catch(() => '')
    let message = text.slice(0, 300)
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message
    } catch {
      // Not JSON: the text itself.
    }
    const hint = res.statusCode === 401 ? ' (the token was refused)' : res.statusCode === 404 && !this.options.token ? ' (a private repository needs a token)' : ''
    return new GitHubError(redactText(`${this.url(what.split(' ')[1] ?? '').origin}: ${what}: HTTP ${res.statusCode} ${message}${hint}`), res.statusCode)
  }
}
