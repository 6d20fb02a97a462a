/**
 * GitHub releases and their assets: find or create a release by tag, list, delete, rename,
 * upload (streamed from disk to the release's upload_url, retried on 5xx after deleting the
 * empty asset a failed upload can leave behind, as GitHub documents) and download (the asset API url
 * with Accept: application/octet-stream, which works for private repositories with a token and
 * redirects to storage that serves Range requests).
 */
import { createReadStream } from 'node:fs'
import type { Dispatcher } from 'undici'
import { GitHubClient, GitHubError } from './client.js'
import type { ByteSource } from '../http/fetch-file.js'
import { fromUndici } from '../http/bytes.js'

export interface ReleaseAsset {
  id: number
  name: string
  size: number
  state: string
  /** "sha256:<hex>" where GitHub computed it. */
  digest?: string | null
  url: string
  /** When the asset last changed (ISO 8601): how long an unfinished upload has sat. */
  updated_at?: string
}

export interface Release {
  id: number
  tag_name: string
  html_url: string
  upload_url: string
  draft: boolean
}

/** GitHub's cap on assets per release. */
export const MAX_ASSETS = 1000

const UPLOAD_ATTEMPTS = 4

export class GitHubReleases {
  constructor(
    readonly client: GitHubClient,
    readonly repo: string
  ) {}

  byTag(tag: string): Promise<Release | undefined> {
    return this.client.jsonOrMissing<Release>(`repos/${this.repo}/releases/tags/${encodeURIComponent(tag)}`)
  }

  /**
   * Creates the release, or finds it when another publisher created it first (jobs of a matrix
   * publish into one release at once: GitHub answers 422 for a tag that has a release).
   */
  async createOrFind(tag: string, name: string, body: string): Promise<{ release: Release; created: boolean }> {
    const res = await this.client.request('POST', `repos/${this.repo}/releases`, {
      body: JSON.stringify({ tag_name: tag, name, body, draft: false, prerelease: false }),
      headers: { 'content-type': 'application/json' }
    })
    if (res.statusCode === 201) return { release: (await res.body.json()) as Release, created: true }
    const failure = await this.client.failure(res, `POST repos/${this.repo}/releases`)
    const existing = res.statusCode === 422 ? await this.byTag(tag) : undefined
    if (existing) return { release: existing, created: false }
    throw failure
  }

  async update(release: Release, fields: { draft?: boolean; body?: string }): Promise<Release> {
    const res = await this.client.request('PATCH', `repos/${this.repo}/releases/${release.id}`, { body: JSON.stringify(fields), headers: { 'content-type': 'application/json' } })
    if (res.statusCode !== 200) throw await this.client.failure(res, `PATCH repos/${this.repo}/releases/${release.id}`)
    return (await res.body.json()) as Release
  }

  assets(release: Release): Promise<ReleaseAsset[]> {
    return this.client.paginate<ReleaseAsset>(`repos/${this.repo}/releases/${release.id}/assets`)
  }

  /** Deletes an asset by its id: false when it was gone already (someone else deleted it). */
  async deleteAsset(asset: Pick<ReleaseAsset, 'id' | 'name'>): Promise<boolean> {
    const res = await this.client.request('DELETE', `repos/${this.repo}/releases/assets/${asset.id}`)
    await res.body.dump()
    if (res.statusCode !== 204 && res.statusCode !== 404) throw new GitHubError(`deleting asset ${asset.name}: HTTP ${res.statusCode}`, res.statusCode)
    return res.statusCode === 204
  }

  /** Renames an asset; GitHub answers 422 when the release has an asset of that name already. */
  async rename(asset: Pick<ReleaseAsset, 'id' | 'name'>, name: string): Promise<ReleaseAsset> {
    const where = `PATCH repos/${this.repo}/releases/assets/${asset.id}`
    const res = await this.client.request('PATCH', `repos/${this.repo}/releases/assets/${asset.id}`, { body: JSON.stringify({ name }), headers: { 'content-type': 'application/json' } })
    if (res.statusCode !== 200) throw await this.client.failure(res, `${where} (${asset.name} → ${name})`)
    return (await res.body.json()) as ReleaseAsset
  }

  /**
   * Streams a file to the release as asset `name`. A 5xx or a cut connection is retried with a
   * fresh stream, after deleting the half-made asset the failure left: only one this upload
   * made (of that name, not there before it, still 'starter'), never another publisher's.
   */
  async upload(release: Release, name: string, path: string, size: number): Promise<ReleaseAsset> {
    const url = new URL(release.upload_url.replace(/\{.*\}$/, ''))
    url.searchParams.set('name', name)
    let last: unknown
    const before = new Set((await this.assets(release)).filter((a) => a.name === name).map((a) => a.id))
    for (let attempt = 1; attempt <= UPLOAD_ATTEMPTS; attempt++) {
      let res: Dispatcher.ResponseData
      try {
        res = await this.client.request('POST', url.toString(), {
          body: createReadStream(path, { highWaterMark: 1 << 20 }),
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) }
        })
      } catch (e) {
        last = e
        await this.removeLeftover(release, name, before)
        continue
      }
      if (res.statusCode === 201) return (await res.body.json()) as ReleaseAsset
      // A secondary rate limit (403/429 with Retry-After) is waited out like a 5xx; other 4xx are final.
      const retryAfter = Number(res.headers['retry-after'] ?? NaN)
      const limited = (res.statusCode === 403 || res.statusCode === 429) && Number.isFinite(retryAfter)
      last = await this.client.failure(res, `POST ${url.pathname}`)
      if (res.statusCode < 500 && !limited) throw last
      await this.removeLeftover(release, name, before)
      await new Promise((r) => setTimeout(r, limited ? retryAfter * 1000 : 500 * 2 ** (attempt - 1)))
    }
    throw new GitHubError(`uploading ${name} failed ${UPLOAD_ATTEMPTS} times: ${(last as Error).message}`)
  }

  private async removeLeftover(release: Release, name: string, before: ReadonlySet<number>): Promise<void> {
    for (const a of await this.assets(release)) if (a.name === name && a.state === 'starter' && !before.has(a.id)) await this.deleteAsset(a)
  }

  /** An asset as a byte source for the resumable fetcher. */
  source(asset: ReleaseAsset): ByteSource {
    return {
      id: `${this.repo}@${asset.name}`,
      get: async (headers) => fromUndici(await this.client.request('GET', asset.url, { headers: { ...headers, accept: 'application/octet-stream' } }))
    }
  }

  async text(asset: ReleaseAsset): Promise<string> {
    const res = await this.client.request('GET', asset.url, { headers: { accept: 'application/octet-stream' } })
    if (res.statusCode !== 200) throw await this.client.failure(res, `GET ${asset.url}`)
    return res.body.text()
  }
}
