/**
 * The fetcher itself, from src/: segment planning, hashing of split downloads, resume state,
 * and the cases where a partial cannot be continued. The server is a small one of our own,
 * because each case needs a server that misbehaves in one precise way (nginx cannot change a
 * file's bytes between two requests, send a weak ETag, or lie in Content-Range).
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent } from 'undici'
import { createHttpClient, DEFAULT_HTTP_OPTIONS, type HttpClient } from '../src/adapters/http/client.js'
import { discardPart, FileFetcher, urlSource, type SegmentPolicy } from '../src/adapters/http/fetch-file.js'
import { PrioritySlots } from '../src/adapters/http/slots.js'
import { BalancedHashing, inlineHashing, OffThreadHashing, type Hashing } from '../src/adapters/hashing.js'

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

interface Served {
  body: Buffer
  etag?: string
  /** Answer Range requests with 200 and the whole body. */
  ignoreRange?: boolean
  /** Shift the start of every Content-Range by this many bytes (a lying server). */
  skewRange?: number
}

let server: Server
let base: string
const files = new Map<string, Served>()
const seen: Array<{ path: string; range?: string; ifRange?: string; authorization?: string }> = []
let work: string
let http: HttpClient
let hashing: Hashing

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/'
  seen.push({ path, range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined, authorization: req.headers.authorization })
  const file = files.get(path)
  if (!file) return void res.writeHead(404).end()
  const headers: Record<string, string> = file.etag ? { etag: file.etag } : {}
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
  const ifRangeFails = req.headers['if-range'] !== undefined && req.headers['if-range'] !== file.etag
  if (!range || file.ignoreRange || ifRangeFails) {
    return void res.writeHead(200, { ...headers, 'content-length': String(file.body.length) }).end(file.body)
  }
  const start = Number(range[1])
  const end = range[2] ? Number(range[2]) : file.body.length - 1
  if (start >= file.body.length) return void res.writeHead(416, { 'content-range': `bytes */${file.body.length}` }).end()
  const shown = start + (file.skewRange ?? 0)
  res
    .writeHead(206, { ...headers, 'content-range': `bytes ${shown}-${end}/${file.body.length}`, 'content-length': String(end - start + 1) })
    .end(file.body.subarray(start, end + 1))
}

beforeAll(async () => {
  server = createServer(handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => {
  server.close()
})

const SMALL_SEGMENTS: SegmentPolicy = { splitAbove: 64 << 10, minSegment: 32 << 10, maxSegments: 4 }

function fetcher(policy = SMALL_SEGMENTS): FileFetcher {
  return new FileFetcher(new PrioritySlots(8), policy, hashing)
}

const events = (): { bytes: number; size: number | undefined; size_(t: number | undefined): void } => ({
  bytes: 0,
  size: undefined,
  size_(t) {
    this.size = t
  }
})

async function fetchTo(name: string, path: string, policy?: SegmentPolicy, knownSize?: number): Promise<{ size: number; sha256: string; counted: number }> {
  const ev = events()
  const part = join(work, `${name}.part`)
  const source = { ...urlSource(http, `${base}${path}`), size: knownSize }
  const outcome = await fetcher(policy).fetch(source, part, ['sha256', 'sha512'], {
    size: (t) => ev.size_(t),
    bytes: (n) => (ev.bytes += n)
  })
  return { size: outcome.size, sha256: outcome.digests.get('sha256') ?? '', counted: ev.bytes }
}

const rangesFor = (path: string): string[] => seen.filter((s) => s.path === path).map((s) => s.range ?? '')

// Both ways bulk bodies arrive: our own HTTP/1.1 reader (what createHttpClient gives when no
// proxy is configured) and an undici dispatcher (with a proxy); both ways bytes are hashed: on
// a second thread (a machine with a core to spare) and on the main thread.
const ourReader = (): HttpClient => createHttpClient({ ...DEFAULT_HTTP_OPTIONS, minRetryDelayMs: 10 })
// And balanced on a machine whose every core is busy: files on one connection alternate between
// the main thread and the second thread, split ones go to the thread.
let thread: OffThreadHashing | undefined
const onThread = (): Hashing => (thread = new OffThreadHashing())
const busyMachine = { saturated: () => true }
describe.each([
  ['our HTTP/1.1 reader, hashing on a second thread', ourReader, onThread],
  ['our HTTP/1.1 reader, hashing on the main thread', ourReader, () => inlineHashing],
  ['our HTTP/1.1 reader, hashing balanced on a busy machine', ourReader, () => new BalancedHashing(onThread(), busyMachine)],
  ['undici, hashing on a second thread', () => new Agent(), onThread]
])('FileFetcher over %s', (_name, makeClient, makeHashing) => {
  beforeAll(() => {
    http = makeClient()
    thread = undefined
    hashing = makeHashing()
    work = mkdtempSync(join(tmpdir(), 'kb-fetch-'))
    seen.length = 0
  })
  afterAll(async () => {
    await http.close()
    await thread?.close()
    rmSync(work, { recursive: true, force: true })
  })

  it('splits a big file into equal Range segments and hashes it right, whatever order they land in', async () => {
    const body = randomBytes(200 << 10)
    files.set('/split', { body, etag: '"v1"' })
    const got = await fetchTo('split', '/split')
    expect(got).toEqual({ size: body.length, sha256: sha256(body), counted: body.length })
    expect(readFileSync(join(work, 'split.part'))).toEqual(body)
    // The probe (bytes=0-) plus 4 segments of 50 KiB (its first one served by the probe itself).
    expect(rangesFor('/split')).toEqual(['bytes=0-', 'bytes=51200-102399', 'bytes=102400-153599', 'bytes=153600-204799'])
  })

  it('with the size known beforehand (a blob descriptor), the first request asks for exactly the first segment', async () => {
    const body = randomBytes(200 << 10)
    files.set('/known', { body, etag: '"k"' })
    const got = await fetchTo('known', '/known', undefined, body.length)
    expect(got).toEqual({ size: body.length, sha256: sha256(body), counted: body.length })
    expect(readFileSync(join(work, 'known.part'))).toEqual(body)
    // Nothing past the first segment is asked for twice.
    expect(rangesFor('/known')).toEqual(['bytes=0-51199', 'bytes=51200-102399', 'bytes=102400-153599', 'bytes=153600-204799'])
  })

  it('a file of another size than the one known beforehand fails by name, once asked for its first segment', async () => {
    files.set('/grown', { body: randomBytes(200 << 10), etag: '"g"' })
    await expect(fetchTo('grown', '/grown', undefined, 150 << 10)).rejects.toThrow(
      `${base}/grown: asked for bytes=0-38399, the server answered Content-Range bytes 0-38399/204800 (153600 bytes were expected)`
    )
    expect(rangesFor('/grown')).toEqual(['bytes=0-38399'])
  })

  it('with the size known beforehand, a server that ignores Range sends the whole file on one connection', async () => {
    const body = randomBytes(200 << 10)
    files.set('/known-no-range', { body, ignoreRange: true })
    const got = await fetchTo('known-no-range', '/known-no-range', undefined, body.length)
    expect(got).toEqual({ size: body.length, sha256: sha256(body), counted: body.length })
    expect(rangesFor('/known-no-range')).toEqual(['bytes=0-51199'])
  })

  it('keeps a small file on one connection', async () => {
    const body = randomBytes(10_000)
    files.set('/small', { body })
    const got = await fetchTo('small', '/small')
    expect(got.sha256).toBe(sha256(body))
    expect(rangesFor('/small')).toEqual(['bytes=0-'])
  })

  it('resumes each segment where its saved state says, and hashes the bytes found on disk too', async () => {
    const body = randomBytes(200 << 10)
    files.set('/resume', { body, etag: '"r1"' })
    const part = join(work, 'resume.part')
    // A partial as a killed run leaves it: segment 0 half done, segment 1 done, the rest not begun.
    const seg = 51200
    const disk = Buffer.alloc(2 * seg)
    body.copy(disk, 0, 0, seg / 2)
    body.copy(disk, seg, seg, 2 * seg)
    writeFileSync(part, disk)
    const segments = [0, 1, 2, 3].map((i) => ({ start: i * seg, end: (i + 1) * seg, done: i === 0 ? seg / 2 : i === 1 ? seg : 0 }))
    writeFileSync(`${part}.json`, JSON.stringify({ url: `${base}/resume`, size: body.length, validator: '"r1"', segments }))
    // The run was killed while saving its state again: that save's temp file is beside it.
    const interruptedSave = join(work, '.resume.part.json.4242.7.tmp')
    writeFileSync(interruptedSave, '{"url":')
    const got = await fetchTo('resume', '/resume')
    expect(got.sha256).toBe(sha256(body))
    // Complete: no state left, and the interrupted save is gone too.
    expect(existsSync(`${part}.json`)).toBe(false)
    expect(existsSync(interruptedSave)).toBe(false)
    expect(rangesFor('/resume').sort()).toEqual(['bytes=102400-153599', 'bytes=153600-204799', 'bytes=25600-51199'])
    expect(seen.filter((s) => s.path === '/resume').every((s) => s.ifRange === '"r1"')).toBe(true)
  })

  it('starts clean when the saved state outlived its partial file', async () => {
    const body = randomBytes(100 << 10)
    files.set('/gone', { body, etag: '"g"' })
    const part = join(work, 'gone.part')
    writeFileSync(`${part}.json`, JSON.stringify({ url: `${base}/gone`, size: body.length, validator: '"g"', segments: [{ start: 0, end: body.length, done: 60_000 }] }))
    expect(existsSync(part)).toBe(false)
    const got = await fetchTo('gone', '/gone')
    expect(got.sha256).toBe(sha256(body))
    expect(rangesFor('/gone')[0]).toBe('bytes=0-')
  })

  it('a partial the server will not continue (the file changed) is discarded and fetched from byte 0 in the same run', async () => {
    const old = randomBytes(100 << 10)
    const now = randomBytes(100 << 10)
    files.set('/changed', { body: now, etag: '"new"' })
    const part = join(work, 'changed.part')
    writeFileSync(part, old.subarray(0, 40_000))
    writeFileSync(`${part}.json`, JSON.stringify({ url: `${base}/changed`, size: old.length, validator: '"old"', segments: [{ start: 0, end: old.length, done: 40_000 }] }))
    const got = await fetchTo('changed', '/changed')
    expect(got.sha256).toBe(sha256(now))
    expect(readFileSync(part)).toEqual(now)
    expect(rangesFor('/changed')[0]).toBe('bytes=40000-102399')
    expect(rangesFor('/changed')).toContain('bytes=0-')
  })

  it('never sends a weak ETag as If-Range', async () => {
    const body = randomBytes(200 << 10)
    files.set('/weak', { body, etag: 'W/"weak"' })
    const got = await fetchTo('weak', '/weak')
    expect(got.sha256).toBe(sha256(body))
    expect(seen.filter((s) => s.path === '/weak').every((s) => s.ifRange === undefined)).toBe(true)
  })

  it('checks Content-Range against the request: a server that answers other bytes fails by name, twice, not forever', async () => {
    const body = randomBytes(200 << 10)
    files.set('/skewed', { body, etag: '"s"', skewRange: 1 })
    await expect(fetchTo('skewed', '/skewed')).rejects.toThrow(/asked for bytes=0-, the server answered Content-Range bytes 1-204799\/204800/)
    files.set('/skewed-later', { body, etag: '"s"' })
    const part = join(work, 'skewed-later.part')
    writeFileSync(part, body.subarray(0, 1000))
    writeFileSync(`${part}.json`, JSON.stringify({ url: `${base}/skewed-later`, size: body.length, validator: '"s"', segments: [{ start: 0, end: body.length, done: 1000 }] }))
    files.set('/skewed-later', { body, etag: '"s"', skewRange: 5 })
    await expect(fetchTo('skewed-later', '/skewed-later')).rejects.toThrow(/asked for bytes=0-, the server answered Content-Range bytes 5-/)
    expect(rangesFor('/skewed-later')[0]).toBe('bytes=1000-204799')
  })

  it('a server that ignores Range still gets the whole file on one connection', async () => {
    const body = randomBytes(200 << 10)
    files.set('/norange', { body, ignoreRange: true })
    const got = await fetchTo('norange', '/norange')
    expect(got.sha256).toBe(sha256(body))
    expect(rangesFor('/norange')).toEqual(['bytes=0-'])
  })

  it('sends userinfo as Basic auth, and names the source without it', async () => {
    const body = randomBytes(1000)
    files.set('/private', { body })
    const source = urlSource(http, `${base.replace('http://', 'http://mirror-user:s3cret@')}/private`)
    expect(source.id).toBe(`${base.replace('http://', 'http://***@')}/private`)
    const part = join(work, 'private.part')
    await fetcher().fetch(source, part, ['sha256'], { size: () => undefined, bytes: () => undefined })
    expect(seen.filter((s) => s.path === '/private').map((s) => s.authorization)).toEqual([`Basic ${Buffer.from('mirror-user:s3cret').toString('base64')}`])
    await discardPart(part)
  })
})

test('tells the hashing which files arrive in order: a file on one connection does, a split one does not', async () => {
  http = ourReader()
  work = mkdtempSync(join(tmpdir(), 'kb-fetch-'))
  const inOrder: boolean[] = []
  hashing = {
    open: (path, fd, algorithms, arrivesInOrder = false) => {
      inOrder.push(arrivesInOrder)
      return inlineHashing.open(path, fd, algorithms)
    }
  }
  try {
    files.set('/one-connection', { body: randomBytes(10_000) })
    files.set('/split-in-four', { body: randomBytes(200 << 10), etag: '"v1"' })
    await fetchTo('one-connection', '/one-connection')
    await fetchTo('split-in-four', '/split-in-four')
    expect(inOrder).toEqual([true, false])
  } finally {
    await http.close()
    rmSync(work, { recursive: true, force: true })
  }
})

test('a refused connection or no DNS answer keeps the partial file for the next run (isTransient), but is not tried again at once (isHostAway)', async () => {
  const { isTransient, isHostAway } = await import('../src/adapters/http/transient.js')
  for (const code of ['ECONNREFUSED', 'EAI_AGAIN']) {
    expect(isTransient({ code })).toBe(true)
    expect(isHostAway({ code })).toBe(true)
  }
  expect(isTransient({ code: 'ECONNRESET' })).toBe(true)
  expect(isHostAway({ code: 'ECONNRESET' })).toBe(false)
  expect(isTransient({ code: 'ENOTFOUND' })).toBe(false)
})
