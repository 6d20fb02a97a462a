/**
 * Our HTTP/1.1 reader for bulk GETs (src/adapters/http/fast-http.ts), against a server of our
 * own that frames bodies every way HTTP/1.1 allows and misbehaves in precise ways: chunked and
 * close-delimited bodies, keep-alive reuse and a server that drops idle connections, redirects
 * across origins (credentials dropped), 503 with Retry-After, a connection cut mid-body, and
 * the per-origin connection cap. The same server over TLS checks the bodies there too, where
 * records of 16 KiB are gathered before they are handed on.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, LookupFunction, Socket } from 'node:net'
import { FastHttp } from '../src/adapters/http/fast-http.js'
import type { ByteResponse } from '../src/adapters/http/bytes.js'
import { describeRetry, onRetry, REFUSED_RETRY_DELAY_MS, type RetryNotice } from '../src/adapters/http/retry-policy.js'
import { makePki, type TestPki } from './helpers/registry.js'

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
const BODY = randomBytes(3 << 20)

interface Seen {
  path: string
  authorization?: string
  socket: Socket
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

async function startServer(handler: Handler, tls?: TestPki): Promise<{ server: Server; base: string; seen: Seen[]; connections: () => number }> {
  const seen: Seen[] = []
  let connections = 0
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization, socket: req.socket })
    handler(req, res)
  }
  const server: Server = tls ? createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, listener) : createServer(listener)
  server.on(tls ? 'secureConnection' : 'connection', () => connections++)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, base: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, connections: () => connections }
}

/** Reads a whole body, checking that each piece is only used during its call (copied here). */
async function readAll(response: ByteResponse): Promise<Buffer> {
  const pieces: Buffer[] = []
  await response.body.pump((piece) => {
    pieces.push(Buffer.from(piece))
    return true
  })
  return Buffer.concat(pieces)
}

const client = (connectionsPerHost = 4): FastHttp => new FastHttp({ connectionsPerHost, retries: 3, minRetryDelayMs: 10, idleTimeoutMs: 5000 })

let main: Awaited<ReturnType<typeof startServer>>
let other: Awaited<ReturnType<typeof startServer>>
let secure: Awaited<ReturnType<typeof startServer>>
let pki: TestPki
let flaky = 0

beforeAll(async () => {
  other = await startServer((req, res) => {
    if (req.url === '/signed') return void res.writeHead(200, { 'content-length': String(BODY.length) }).end(BODY)
    res.writeHead(404).end()
  })
  main = await startServer(misbehaving)
  pki = makePki()
  secure = await startServer(misbehaving, pki)
})

/** Every way of framing a body, and the ways of misbehaving the tests ask for, by path. */
function misbehaving(req: IncomingMessage, res: ServerResponse): void {
  switch (req.url) {
    case '/length':
      return void res.writeHead(200, { 'content-length': String(BODY.length) }).end(BODY)
    case '/chunked': {
      res.writeHead(200, { 'transfer-encoding': 'chunked' })
      // Chunks of awkward sizes, so chunk headers fall across reads.
      for (let at = 0; at < BODY.length; at += 70_001) res.write(BODY.subarray(at, at + 70_001))
      return void res.end()
    }
    case '/close': {
      // No length, no chunking: the body ends when the server closes.
      const socket = res.socket as Socket
      socket.write(`HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n`)
      socket.end(BODY)
      return
    }
    case '/empty':
      return void res.writeHead(200, { 'content-length': '0' }).end()
    case '/elsewhere':
      return void res.writeHead(302, { location: `${other.base}/signed` }).end()
    case '/here':
      return void res.writeHead(307, { location: '/length' }).end()
    case '/flaky':
      if (flaky++ < 2) return void res.writeHead(503, { 'retry-after': '0', 'content-length': '4' }).end('busy')
      return void res.writeHead(200, { 'content-length': String(BODY.length) }).end(BODY)
    case '/cut': {
      const socket = res.socket as Socket
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${BODY.length}\r\n\r\n`)
      socket.write(BODY.subarray(0, 100_000), () => socket.destroy())
      return
    }
    case '/dribble': {
      // The head in pieces, its blank line split across two writes, the body's start with its end.
      const socket = res.socket as Socket
      socket.setNoDelay(true)
      const head = `HTTP/1.1 200 OK\r\nx-pad: ${'p'.repeat(3000)}\r\ncontent-length: ${BODY.length}\r\n\r\n`
      const pieces = [head.slice(0, 7), head.slice(7, -3), head.slice(-3, -1), head.slice(-1) + BODY.subarray(0, 10).toString('latin1')]
      const next = (): void => {
        const piece = pieces.shift()
        if (piece !== undefined) socket.write(Buffer.from(piece, 'latin1'), () => setTimeout(next, 20))
        else socket.write(BODY.subarray(10))
      }
      return next()
    }
    case '/huge-head': {
      const socket = res.socket as Socket
      socket.write(`HTTP/1.1 200 OK\r\n${'x-filler: yes\r\n'.repeat(6000)}content-length: 4\r\n\r\nbody`)
      return
    }
    case '/slow':
      // Holds its connection until the test lets it go.
      res.writeHead(200, { 'content-length': String(BODY.length) })
      setTimeout(() => res.end(BODY), 300)
      return
    default:
      res.writeHead(404, { 'content-length': '0' }).end()
  }
}

afterAll(() => {
  for (const { server } of [main, other, secure]) {
    server.closeAllConnections()
    server.close()
  }
  rmSync(pki.dir, { recursive: true, force: true })
})

test('reads Content-Length, chunked and close-delimited bodies byte for byte', async () => {
  const http = client()
  for (const path of ['/length', '/chunked', '/close']) {
    const response = await http.get(`${main.base}${path}`, {})
    expect(response.statusCode).toBe(200)
    expect(sha256(await readAll(response))).toBe(sha256(BODY))
  }
  const empty = await http.get(`${main.base}/empty`, {})
  expect((await readAll(empty)).length).toBe(0)
})

test('reads a head that arrives in pieces, its blank line split across reads', async () => {
  const response = await client().get(`${main.base}/dribble`, {})
  expect(response.statusCode).toBe(200)
  expect(response.headers['x-pad']).toBe('p'.repeat(3000))
  expect(sha256(await readAll(response))).toBe(sha256(BODY))
})

test('refuses a response head longer than 64 KiB', async () => {
  await expect(client().get(`${main.base}/huge-head`, {})).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_OVERFLOW' })
})

test('keeps connections alive between requests, and replaces one the server dropped while idle', async () => {
  const http = client(1)
  const before = main.connections()
  for (let i = 0; i < 3; i++) await readAll(await http.get(`${main.base}/length`, {}))
  expect(main.connections() - before).toBe(1)
  // The server drops the idle connection; the next request still succeeds, on a new one.
  main.seen.at(-1)?.socket.destroy()
  await new Promise((r) => setTimeout(r, 50))
  expect(sha256(await readAll(await http.get(`${main.base}/length`, {})))).toBe(sha256(BODY))
  expect(main.connections() - before).toBe(2)
})

test('follows redirects, and drops Authorization when one leaves the origin', async () => {
  const http = client()
  const auth = { authorization: 'Bearer secret-token' }
  expect(sha256(await readAll(await http.get(`${main.base}/elsewhere`, auth)))).toBe(sha256(BODY))
  expect(other.seen.at(-1)?.authorization).toBeUndefined()
  expect(sha256(await readAll(await http.get(`${main.base}/here`, auth)))).toBe(sha256(BODY))
  expect(main.seen.filter((s) => s.path === '/length').at(-1)?.authorization).toBe('Bearer secret-token')
})

test('retries 503 with Retry-After before handing over a body', async () => {
  flaky = 0
  const response = await client().get(`${main.base}/flaky`, {})
  expect(response.statusCode).toBe(200)
  expect(main.seen.filter((s) => s.path === '/flaky')).toHaveLength(3)
  expect(sha256(await readAll(response))).toBe(sha256(BODY))
})

test('each retry is announced for the progress line: which retry, of how many, after what, to which host', async () => {
  flaky = 0
  const notices: RetryNotice[] = []
  const stop = onRetry((n) => notices.push(n))
  try {
    const response = await client().get(`${main.base}/flaky`, {})
    response.body.discard()
  } finally {
    stop()
  }
  const host = new URL(main.base).host
  expect(notices.map(describeRetry)).toEqual([`retry 1/3 after 503: ${host}`, `retry 2/3 after 503: ${host}`])
})

test('a refused connection gets one quick retry, then its origin fails at once, with one message naming host and port', async () => {
  const port = await closedPort()
  const http = client()
  const notices: RetryNotice[] = []
  const stop = onRetry((n) => notices.push(n))
  try {
    const started = Date.now()
    const first = http.get(`http://127.0.0.1:${port}/a`, {})
    await expect(first).rejects.toMatchObject({ code: 'ECONNREFUSED', message: expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1:${port} refused the connection \\(ECONNREFUSED\\)`)) })
    const firstMs = Date.now() - started
    expect(firstMs).toBeGreaterThanOrEqual(REFUSED_RETRY_DELAY_MS - 10)
    expect(firstMs).toBeLessThan(REFUSED_RETRY_DELAY_MS + 500)
    // Not the backoff (minRetryDelayMs 10 here would have made 3 retries): one, 250 ms after.
    expect(notices.map(describeRetry)).toEqual([`retry 1/1 after ECONNREFUSED: 127.0.0.1:${port}`])
    const again = Date.now()
    const second = http.get(`http://127.0.0.1:${port}/b`, {})
    const refusal = await first.then(() => new Error('the first request was answered'), (e: Error) => e)
    await expect(second).rejects.toThrow(refusal.message)
    expect(Date.now() - again).toBeLessThan(50)
    expect(notices).toHaveLength(1)
  } finally {
    stop()
  }
})

test('no DNS server answering (EAI_AGAIN) is a refusal: one quick retry, then the host fails at once, in one line saying what to check', async () => {
  let lookups = 0
  const noAnswer: LookupFunction = (hostname, _options, callback) => {
    lookups++
    setImmediate(() => callback(Object.assign(new Error(`getaddrinfo EAI_AGAIN ${hostname}`), { code: 'EAI_AGAIN', hostname }), '', 4))
  }
  const http = new FastHttp({ connectionsPerHost: 4, retries: 5, minRetryDelayMs: 500, idleTimeoutMs: 5000, lookup: noAnswer })
  const notices: RetryNotice[] = []
  const stop = onRetry((n) => notices.push(n))
  try {
    const started = Date.now()
    const line = 'registry.example.org: no DNS server answered (EAI_AGAIN): check /etc/resolv.conf, or use --mirror'
    await expect(http.get('https://registry.example.org/v2/', {})).rejects.toMatchObject({ code: 'EAI_AGAIN', message: line })
    // One quick retry, not five backoffs (0.5 + 1 + 2 + 4 + 8 s).
    expect(Date.now() - started).toBeLessThan(REFUSED_RETRY_DELAY_MS + 500)
    expect(notices.map(describeRetry)).toEqual(['retry 1/1 after EAI_AGAIN: registry.example.org'])
    expect(lookups).toBe(2)
    await expect(http.get('https://registry.example.org/v2/lib/x/blobs/sha256:ab', {})).rejects.toThrow(line)
    expect(lookups).toBe(2)
  } finally {
    stop()
  }
})

test('an origin that refused is tried again once a while has passed, and used when it is back', async () => {
  const port = await closedPort()
  const http = new FastHttp({ connectionsPerHost: 4, retries: 3, minRetryDelayMs: 10, idleTimeoutMs: 5000, unreachableForMs: 400 })
  await expect(http.get(`http://127.0.0.1:${port}/a`, {})).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  const back = createServer((_req, res) => res.writeHead(200, { 'content-length': 2 }).end('ok'))
  await new Promise<void>((r) => back.listen(port, '127.0.0.1', r))
  try {
    // Within the while, still refused at once (one line for all it would have served)...
    await expect(http.get(`http://127.0.0.1:${port}/b`, {})).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    await new Promise((r) => setTimeout(r, 450))
    // ...after it, asked again: it answers.
    const response = await http.get(`http://127.0.0.1:${port}/c`, {})
    expect(response.statusCode).toBe(200)
    response.body.discard()
  } finally {
    await new Promise<void>((r) => back.close(() => r()))
  }
})

/** A port on 127.0.0.1 nothing listens on (it was just freed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

/** The pump of a body the server cut fails with a retryable code, after exactly the bytes that came. */
async function expectCutAfter(response: ByteResponse, arrived: number): Promise<void> {
  let got = 0
  const pumped = response.body.pump((piece) => {
    got += piece.length
    return true
  })
  await expect(pumped).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' })
  expect(got).toBe(arrived)
}

test('a connection cut mid-body fails the pump with a retryable code, after the bytes that did arrive', async () => {
  await expectCutAfter(await client().get(`${main.base}/cut`, {}), 100_000)
})

test('a consumer that has all it wants at the very end of a body keeps the connection for the next request', async () => {
  // The fetcher's consumer answers "no more" with the last byte of its segment, which for a
  // whole file is the end of the body: that is no reason to close a good connection.
  const http = client(1)
  const before = main.connections()
  for (let i = 0; i < 3; i++) {
    const response = await http.get(`${main.base}/length`, {})
    let got = 0
    await response.body.pump((piece) => (got += piece.length) < BODY.length)
    expect(got).toBe(BODY.length)
  }
  expect(main.connections() - before).toBe(1)
  // Stopping before the end is a real stop: that connection is closed, the next is new.
  const short = await http.get(`${main.base}/length`, {})
  await short.body.pump(() => false)
  expect(sha256(await readAll(await http.get(`${main.base}/length`, {})))).toBe(sha256(BODY))
  expect(main.connections() - before).toBe(2)
})

test('a consumer that stops early frees the connection slot (a cap of one does not deadlock)', async () => {
  const http = client(1)
  const first = await http.get(`${main.base}/length`, {})
  await first.body.pump(() => false)
  const second = await http.get(`${main.base}/length`, {})
  second.body.discard()
  expect(sha256(await readAll(await http.get(`${main.base}/length`, {})))).toBe(sha256(BODY))
})

test('holds to the per-origin connection cap', async () => {
  const http = client(2)
  const before = main.connections()
  await Promise.all(Array.from({ length: 5 }, async () => readAll(await http.get(`${main.base}/slow`, {}))))
  expect(main.connections() - before).toBeLessThanOrEqual(2)
})

describe('over TLS', () => {
  const tlsClient = (connectionsPerHost = 4): FastHttp =>
    new FastHttp({ connectionsPerHost, retries: 3, minRetryDelayMs: 10, idleTimeoutMs: 5000, ca: [readFileSync(pki.caCert)] })

  test('reads every framing byte for byte, and a head that arrives in pieces', async () => {
    const http = tlsClient()
    for (const path of ['/length', '/chunked', '/close']) {
      const response = await http.get(`${secure.base}${path}`, {})
      expect(response.statusCode).toBe(200)
      expect(sha256(await readAll(response))).toBe(sha256(BODY))
    }
    expect((await readAll(await http.get(`${secure.base}/empty`, {}))).length).toBe(0)
    // On a connection of its own: the server never ends that response for a next request.
    const dribbled = await tlsClient().get(`${secure.base}/dribble`, {})
    expect(dribbled.headers['x-pad']).toBe('p'.repeat(3000))
    expect(sha256(await readAll(dribbled))).toBe(sha256(BODY))
  })

  test('hands records on gathered, not one 16 KiB record at a time', async () => {
    // Each piece costs the consumer a write of the partial file: 3 MiB as TLS records would be
    // 192 pieces or more.
    let pieces = 0
    let bytes = 0
    await (await tlsClient().get(`${secure.base}/length`, {})).body.pump((piece) => {
      pieces++
      bytes += piece.length
      return true
    })
    expect(bytes).toBe(BODY.length)
    expect(bytes / pieces).toBeGreaterThan(32 << 10)
  })

  test('keeps a connection alive across requests', async () => {
    const http = tlsClient(1)
    const before = secure.connections()
    for (let i = 0; i < 3; i++) expect(sha256(await readAll(await http.get(`${secure.base}/length`, {})))).toBe(sha256(BODY))
    expect(secure.connections() - before).toBe(1)
  })

  test('a connection cut mid-body fails the pump after the bytes that did arrive', async () => {
    await expectCutAfter(await tlsClient().get(`${secure.base}/cut`, {}), 100_000)
  })

  test('refuses a server its trust does not cover', async () => {
    const untrusting = new FastHttp({ connectionsPerHost: 1, retries: 0, minRetryDelayMs: 10, idleTimeoutMs: 5000 })
    await expect(untrusting.get(`${secure.base}/length`, {})).rejects.toThrow(/certificate/i)
  })
})
