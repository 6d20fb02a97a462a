/**
 * HTTP edge cases of bulk downloads (issue #25 item 11), against a raw `net` server of our own
 * that writes responses byte for byte: informational (1xx) heads before the final one, which
 * are skipped (src/adapters/http/fast-http.ts; undici skips them itself), and close-delimited
 * bodies (no Content-Length, no chunking) that end short of, or run past, a size known from
 * elsewhere: a 206's Content-Range (the transport holds the body to it) or a blob descriptor's
 * size (the fetcher does, src/adapters/http/fetch-file.ts). With no size known, a cut
 * close-delimited body passes the transport and only the checksum can catch it.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent } from 'undici'
import type { ByteResponse } from '../src/adapters/http/bytes.js'
import { createHttpClient, DEFAULT_HTTP_OPTIONS, type HttpClient } from '../src/adapters/http/client.js'
import { FastHttp } from '../src/adapters/http/fast-http.js'
import { DEFAULT_SEGMENT_POLICY, FileFetcher, urlSource } from '../src/adapters/http/fetch-file.js'
import { PrioritySlots } from '../src/adapters/http/slots.js'
import { describeRetry, onRetry } from '../src/adapters/http/retry-policy.js'
import { inlineHashing } from '../src/adapters/hashing.js'

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
const BODY = randomBytes(100_000)
/** Where the server cuts a body short. */
const CUT = 30_000
const EARLY_HINTS = 'HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n'
const finalHead = (length: number): string => `HTTP/1.1 200 OK\r\nContent-Length: ${length}\r\n\r\n`

interface RawRequest {
  path: string
  range?: string
}
type Script = (request: RawRequest, socket: Socket) => void

/** Writes each piece as a TCP packet of its own (no Nagle, a pause between writes). */
function writeInPieces(socket: Socket, pieces: Array<string | Buffer>): void {
  const next = (): void => {
    const piece = pieces.shift()
    if (piece !== undefined) socket.write(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece, () => setTimeout(next, 20))
  }
  next()
}

/** A close-delimited response: the head, then `body`, then the server closes. */
function closeDelimited(socket: Socket, head: string, body: Buffer): void {
  socket.write(head)
  socket.end(body)
}

const routes = new Map<string, Script>([
  ['/hints', (_, socket) => void socket.write(Buffer.concat([Buffer.from(EARLY_HINTS + finalHead(BODY.length), 'latin1'), BODY]))],
  ['/two-interim', (_, socket) => void socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 102 Processing\r\n\r\n${EARLY_HINTS}${finalHead(BODY.length)}`, 'latin1'), BODY]))],
  // Unasked-for 100 Continue: RFC 9110 §15.2 has clients parse it; undici 7 refuses it (bad response).
  ['/continue', (_, socket) => void socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 100 Continue\r\n\r\n${finalHead(BODY.length)}`, 'latin1'), BODY]))],
  [
    '/interim-in-pieces',
    // An interim head split mid-status-line and inside its blank line, a second one ending
    // exactly at the end of a packet, and the final head split too.
    (_, socket) => writeInPieces(socket, ['HTTP/1.1 10', '2 Processing\r\n\r', `\n${EARLY_HINTS}`, 'HTTP/1.1 200 OK\r\nContent-Le', `ngth: ${BODY.length}\r\n\r\n`, BODY])
  ],
  ['/switch', (_, socket) => void socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')],
  ['/endless-interim', (_, socket) => void socket.write('HTTP/1.1 100 Continue\r\n\r\n'.repeat(11))],
  ['/close-cut', (_, socket) => closeDelimited(socket, 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', BODY.subarray(0, CUT))],
  ['/close-long', (_, socket) => closeDelimited(socket, 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', Buffer.concat([BODY, Buffer.from('surplus')]))],
  [
    '/range-cut',
    // Content-Range with an unknown total (`*`), which a streaming server may send: the first
    // answer is cut, the retry with Range gets the rest whole.
    ({ range }, socket) => {
      const from = Number(/^bytes=(\d+)-/.exec(range ?? '')?.[1] ?? 0)
      const head = `HTTP/1.1 206 Partial Content\r\nContent-Range: bytes ${from}-${BODY.length - 1}/*\r\nConnection: close\r\n\r\n`
      closeDelimited(socket, head, from === 0 ? BODY.subarray(0, CUT) : BODY.subarray(from))
    }
  ],
  [
    '/range-long',
    (_, socket) => closeDelimited(socket, `HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-${CUT - 1}/${BODY.length}\r\n\r\n`, BODY.subarray(0, CUT + 10))
  ]
])

let server: Server
let base: string
const seen: RawRequest[] = []
const sockets = new Set<Socket>()
let connections = 0
let work: string

/** Reads request heads off each connection (keep-alive included) and answers each by its path. */
function answerRequests(socket: Socket): void {
  connections++
  sockets.add(socket)
  socket.on('close', () => sockets.delete(socket))
  socket.on('error', () => undefined)
  socket.setNoDelay(true)
  let pending = ''
  socket.on('data', (data: Buffer) => {
    pending += data.toString('latin1')
    for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
      const [line = '', ...fields] = pending.slice(0, end).split('\r\n')
      pending = pending.slice(end + 4)
      const range = fields.find((f) => /^range:/i.test(f))?.slice('range:'.length).trim()
      const request = { path: line.split(' ')[1] ?? '', range }
      seen.push(request)
      const script = routes.get(request.path)
      if (script) script(request, socket)
      else socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
    }
  })
}

beforeAll(async () => {
  server = createServer(answerRequests)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  work = mkdtempSync(join(tmpdir(), 'kb-http-edge-'))
})

afterAll(() => {
  for (const socket of sockets) socket.destroy()
  server.close()
  rmSync(work, { recursive: true, force: true })
})

const fastHttp = (): FastHttp => new FastHttp({ connectionsPerHost: 1, retries: 2, minRetryDelayMs: 10, idleTimeoutMs: 5000 })

async function readAll(response: ByteResponse): Promise<Buffer> {
  const pieces: Buffer[] = []
  await response.body.pump((piece) => {
    pieces.push(Buffer.from(piece))
    return true
  })
  return Buffer.concat(pieces)
}

const rangesFor = (path: string): string[] => seen.filter((s) => s.path === path).map((s) => s.range ?? '')

let parts = 0

/** Fetches a path the way `files` and `images` do; `size` is one known beforehand (a blob descriptor's). */
async function fetchFile(http: HttpClient, path: string, size?: number): Promise<{ size: number; sha256: string }> {
  const source = { ...urlSource(http, `${base}${path}`), size }
  const part = join(work, `${path.slice(1)}-${parts++}.part`)
  const outcome = await new FileFetcher(new PrioritySlots(8), DEFAULT_SEGMENT_POLICY, inlineHashing).fetch(source, part, ['sha256'], {
    size: () => undefined,
    bytes: () => undefined
  })
  return { size: outcome.size, sha256: outcome.digests.get('sha256') ?? '' }
}

// Both ways bulk bodies arrive: our own reader (no proxy) and undici (with a proxy).
describe.each([
  ['our HTTP/1.1 reader', (): HttpClient => createHttpClient({ ...DEFAULT_HTTP_OPTIONS, minRetryDelayMs: 10 })],
  ['undici', (): HttpClient => new Agent()]
])('over %s', (_name, makeClient) => {
  let http: HttpClient
  beforeAll(() => {
    http = makeClient()
    seen.length = 0
  })
  afterAll(() => http.close())

  test('a 103 Early Hints before the answer is skipped: the file is downloaded and verified', async () => {
    expect(await fetchFile(http, '/hints')).toEqual({ size: BODY.length, sha256: sha256(BODY) })
  })

  test('two informational heads in a row (102, then 103) are skipped', async () => {
    expect(await fetchFile(http, '/two-interim')).toEqual({ size: BODY.length, sha256: sha256(BODY) })
  })

  test('informational heads split across TCP packets are skipped', async () => {
    expect(await fetchFile(http, '/interim-in-pieces', BODY.length)).toEqual({ size: BODY.length, sha256: sha256(BODY) })
  })

  test('a close-delimited body cut short of the size known beforehand fails, naming the url and the bytes', async () => {
    const fetched = fetchFile(http, '/close-cut', BODY.length)
    await expect(fetched).rejects.toThrow(`${base}/close-cut: the connection closed after ${CUT} of the ${BODY.length} bytes expected`)
    // Retryable, like any cut body: a run keeps the part and continues it.
    await expect(fetched).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' })
  })

  test('a close-delimited body longer than the size known beforehand fails', async () => {
    await expect(fetchFile(http, '/close-long', BODY.length)).rejects.toThrow(`${base}/close-long: the server sent more than the ${BODY.length} bytes expected`)
  })

  test('a cut close-delimited partial answer is resumed with Range, and the file comes out whole; the progress line hears of it', async () => {
    const notices: string[] = []
    const stop = onRetry((n) => notices.push(describeRetry(n)))
    try {
      expect(await fetchFile(http, '/range-cut', BODY.length)).toEqual({ size: BODY.length, sha256: sha256(BODY) })
    } finally {
      stop()
    }
    expect(rangesFor('/range-cut')).toEqual(['bytes=0-', `bytes=${CUT}-${BODY.length - 1}`])
    expect(notices).toEqual([`retry 1/3 after UND_ERR_SOCKET: ${new URL(base).host}`])
  })

  test('with no size known, a cut close-delimited body passes the transport and fails only its checksum', async () => {
    const fetched = await fetchFile(http, '/close-cut')
    expect(fetched.size).toBe(CUT)
    expect(fetched.sha256).not.toBe(sha256(BODY))
  })
})

describe('our HTTP/1.1 reader on its own', () => {
  test('the answer after a 103 is the one handed over, and the connection is kept for the next request', async () => {
    const http = fastHttp()
    const before = connections
    for (let i = 0; i < 2; i++) {
      const response = await http.get(`${base}/hints`, {})
      expect(response.statusCode).toBe(200)
      expect(response.headers.link).toBeUndefined()
      expect(sha256(await readAll(response))).toBe(sha256(BODY))
    }
    expect(connections - before).toBe(1)
  })

  test('an unasked-for 100 Continue is skipped (undici refuses one; this reader does as RFC 9110 asks)', async () => {
    const response = await fastHttp().get(`${base}/continue`, {})
    expect(response.statusCode).toBe(200)
    expect(sha256(await readAll(response))).toBe(sha256(BODY))
  })

  test('101 Switching Protocols, never asked for, fails the request by its url', async () => {
    await expect(fastHttp().get(`${base}/switch`, {})).rejects.toThrow(`${base}/switch: the server answered 101 Switching Protocols`)
  })

  test('a server that sends only informational heads is given up on', async () => {
    await expect(fastHttp().get(`${base}/endless-interim`, {})).rejects.toThrow(`${base}/endless-interim: more than 10 informational (1xx) responses`)
  })

  test('a close-delimited 206 cut short of its Content-Range fails the pump with a retryable code', async () => {
    const response = await fastHttp().get(`${base}/range-cut`, { range: 'bytes=0-' })
    await expect(readAll(response)).rejects.toMatchObject({
      code: 'UND_ERR_SOCKET',
      message: `${base}/range-cut: the server closed the connection after ${CUT} of the ${BODY.length} bytes its Content-Range announced`
    })
  })

  test('a close-delimited 206 longer than its Content-Range fails the pump', async () => {
    const response = await fastHttp().get(`${base}/range-long`, {})
    await expect(readAll(response)).rejects.toThrow(`${base}/range-long: the server sent more than the ${CUT} bytes its Content-Range announced`)
  })
})
