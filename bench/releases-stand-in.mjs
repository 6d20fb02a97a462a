// A minimal GitHub REST stand-in for the benchmarks (plain Node, no TypeScript runner): the
// Kubespray repository's tags, releases, commits and tarballs, and the releases API that
// `publish` (and its --base-tag lookup) and `fetch` call, behaving as test/helpers/world.ts's
// startGitHubStandIn does for those calls:
//   GET    /repos/R/releases/tags/T           a release by tag (404 if none)
//   POST   /repos/R/releases                  create (422 if the tag has one)
//   PATCH  /repos/R/releases/ID               update (draft, body)
//   GET    /repos/R/releases/ID/assets        its assets (one page: no Link header)
//   POST   /uploads/repos/R/releases/ID/assets?name=N   upload (the release's upload_url; 422 if N is taken)
//   GET    /repos/R/releases/assets/ID        JSON, or with Accept: application/octet-stream the bytes (Range served)
//   PATCH  /repos/R/releases/assets/ID        rename (422 if the name is taken)
//   DELETE /repos/R/releases/assets/ID
// Uploaded bytes are streamed to disk, hashed as they arrive; an asset's size and digest are what
// arrived, never what the client claimed. GET /_bench/releases/R/T answers what a benchmark
// measures: the release's assets ({name, size}) and every byte its uploads received (temporary
// SHA256SUMS uploads included).
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'

/**
 * @param {{ kubespray: string, tags: { name: string, commit: string, tarball: Buffer }[], assetDir: string }} options
 *   tags newest first, as GitHub lists them
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startStandIn({ kubespray, tags, assetDir }) {
  mkdirSync(assetDir, { recursive: true })
  /** repo → releases: { id, tag_name, draft, body, assets: { id, name, size, state, digest, path, updated }[], received } */
  const releases = new Map()
  let nextId = 1
  let url = ''

  const json = (res, status, body, headers = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
  const notFound = (res) => json(res, 404, { message: 'Not Found' })
  const taken = (res, resource) => json(res, 422, { message: 'Validation Failed', errors: [{ resource, code: 'already_exists' }] })
  const listOf = (repo) => releases.get(repo) ?? releases.set(repo, []).get(repo)
  const assetJson = (repo, a) => ({ id: a.id, name: a.name, size: a.size, state: a.state, digest: a.digest, url: `${url}/repos/${repo}/releases/assets/${a.id}`, updated_at: new Date(a.updated).toISOString() })
  const releaseJson = (repo, r) => ({
    id: r.id,
    tag_name: r.tag_name,
    draft: r.draft,
    html_url: `https://github.example/${repo}/releases/tag/${r.tag_name}`,
    upload_url: `${url}/uploads/repos/${repo}/releases/${r.id}/assets{?name,label}`
  })
  const bodyOf = (req) =>
    new Promise((resolve, reject) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => resolve(Buffer.concat(chunks).toString()))
      req.on('error', reject)
    })

  /** The Kubespray repository: what build resolves a version spec with and downloads. */
  function kubesprayApi(res, kind, ref) {
    const commitOf = (r) => tags.find((t) => t.name === r || t.commit.startsWith(r))
    if (kind === 'tags') return json(res, 200, tags.map((t) => ({ name: t.name, commit: { sha: t.commit, url: '' } })))
    if (kind === 'releases' && !ref) return json(res, 200, tags.map((t) => ({ tag_name: t.name, prerelease: false, draft: false })))
    const tag = ref && commitOf(ref)
    if (kind === 'commits') return tag ? json(res, 200, { sha: tag.commit }) : json(res, 422, { message: `No commit found for SHA: ${ref}` })
    if (kind === 'tarball' && tag) return void res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': String(tag.tarball.length) }).end(tag.tarball)
    notFound(res)
  }

  function upload(req, res, repo, id, name) {
    const release = listOf(repo).find((r) => r.id === id)
    if (!release || !name) return void req.resume().on('end', () => notFound(res))
    if (release.assets.some((a) => a.name === name)) return void req.resume().on('end', () => taken(res, 'ReleaseAsset'))
    const asset = { id: nextId++, name, size: 0, state: 'starter', digest: null, path: '', updated: Date.now() }
    asset.path = join(assetDir, String(asset.id))
    release.assets.push(asset)
    const hash = createHash('sha256')
    const out = createWriteStream(asset.path)
    req.on('data', (c) => {
      hash.update(c)
      asset.size += c.length
      release.received += c.length
    })
    req.pipe(out)
    out.on('finish', () => {
      Object.assign(asset, { state: 'uploaded', digest: `sha256:${hash.digest('hex')}`, updated: Date.now() })
      json(res, 201, assetJson(repo, asset))
    })
  }

  /** GET of an asset's bytes, whole or a Range of them (fetch resumes with one). */
  function download(req, res, asset) {
    const size = statSync(asset.path).size
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    if (!range) return void createReadStream(asset.path).pipe(res.writeHead(200, { 'content-length': String(size), etag: `"${asset.digest}"` }))
    const start = Number(range[1])
    const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1
    if (start >= size) return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end()
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1), etag: `"${asset.digest}"` })
    createReadStream(asset.path, { start, end }).pipe(res)
  }

  async function releasesApi(req, res, repo, rest) {
    const list = listOf(repo)
    let m
    if (req.method === 'GET' && (m = /^tags\/(.+)$/.exec(rest))) {
      const r = list.find((x) => x.tag_name === decodeURIComponent(m[1]) && !x.draft)
      return r ? json(res, 200, releaseJson(repo, r)) : notFound(res)
    }
    if (req.method === 'POST' && rest === '') {
      const input = JSON.parse(await bodyOf(req))
      if (list.some((x) => x.tag_name === input.tag_name)) return taken(res, 'Release')
      const r = { id: nextId++, tag_name: input.tag_name, draft: Boolean(input.draft), body: input.body, assets: [], received: 0 }
      list.push(r)
      return json(res, 201, releaseJson(repo, r))
    }
    if (req.method === 'PATCH' && (m = /^(\d+)$/.exec(rest))) {
      const r = list.find((x) => x.id === Number(m[1]))
      if (!r) return notFound(res)
      const { draft, body } = JSON.parse(await bodyOf(req))
      Object.assign(r, draft === undefined ? {} : { draft }, body === undefined ? {} : { body })
      return json(res, 200, releaseJson(repo, r))
    }
    if (req.method === 'GET' && (m = /^(\d+)\/assets$/.exec(rest))) {
      const r = list.find((x) => x.id === Number(m[1]))
      return r ? json(res, 200, r.assets.map((a) => assetJson(repo, a))) : notFound(res)
    }
    if ((m = /^assets\/(\d+)$/.exec(rest))) {
      const id = Number(m[1])
      const owner = list.find((x) => x.assets.some((a) => a.id === id))
      const asset = owner?.assets.find((a) => a.id === id)
      if (!owner || !asset) return notFound(res)
      if (req.method === 'DELETE') {
        owner.assets = owner.assets.filter((a) => a.id !== id)
        return void res.writeHead(204).end()
      }
      if (req.method === 'PATCH') {
        const name = JSON.parse(await bodyOf(req)).name ?? asset.name
        if (owner.assets.some((a) => a.name === name && a.id !== id)) return taken(res, 'ReleaseAsset')
        Object.assign(asset, { name, updated: Date.now() })
        return json(res, 200, assetJson(repo, asset))
      }
      if (req.headers.accept === 'application/octet-stream') return download(req, res, asset)
      return json(res, 200, assetJson(repo, asset))
    }
    notFound(res)
  }

  async function answer(req, res) {
    const path = new URL(req.url, 'http://x').pathname
    let m
    if ((m = /^\/uploads\/repos\/([^/]+\/[^/]+)\/releases\/(\d+)\/assets$/.exec(path))) {
      return upload(req, res, m[1], Number(m[2]), new URL(req.url, 'http://x').searchParams.get('name') ?? '')
    }
    if ((m = /^\/_bench\/releases\/([^/]+\/[^/]+)\/(.+)$/.exec(path))) {
      const r = listOf(m[1]).find((x) => x.tag_name === decodeURIComponent(m[2]))
      return r ? json(res, 200, { assets: r.assets.map((a) => ({ name: a.name, size: a.size, state: a.state })), received: r.received }) : notFound(res)
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/(tags|releases|commits|tarball)(?:\/(.+))?$/.exec(path)) && m[1] === kubespray) {
      return kubesprayApi(res, m[2], m[3] && decodeURIComponent(m[3]))
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/releases\/?(.*)$/.exec(path))) return releasesApi(req, res, m[1], m[2])
    notFound(res)
  }

  const server = createServer((req, res) =>
    answer(req, res).catch((e) => {
      if (!res.headersSent) json(res, 500, { message: String(e) })
      else res.destroy()
    })
  )
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${server.address().port}`
  return { url, close: () => new Promise((resolve) => server.close(resolve)) }
}
