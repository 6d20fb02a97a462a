/**
 * Our own HTTP/1.1 reader for bulk GETs, because on a fast link Node's general clients cost
 * more CPU than the bytes. Measured on bench/images.sh's uncapped door (1.44 GB of layers, 8
 * at a time, each hashed and written): undici's request() took 3.7 s wall and 2.6 s user; a
 * socket that reads into one reused buffer and writes each piece at once took 2.6 s and
 * 1.3 s, against 1.8 s for curl writing the same bytes unverified. The gain is curl's own
 * trick: no buffer per read (no garbage, no major GCs for external memory), and the bytes are
 * hashed and written while they are still in the CPU's cache.
 *
 * It does only what bulk downloads need: GET, HTTP/1.1 with keep-alive, Content-Length,
 * chunked or close-delimited bodies, redirects (Authorization dropped when the origin
 * changes, as undici does), retries with backoff on connection failures, 429 and 5xx
 * (Retry-After honoured), and an idle timeout. Plain http reads into the reused buffer; https
 * goes through Node's TLS (the system CAs and NODE_EXTRA_CA_CERTS), its records gathered into
 * one buffer per connection (Gather). With a proxy configured (HTTP(S)_PROXY), bulk GETs use the
 * undici dispatcher instead (http/client.ts).
 */
import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { redactUrl } from '../../domain/redact.js'
import { headerValue, type ByteBody, type ByteFetcher, type ByteResponse, type Headers } from './bytes.js'
import { RETRIED_ERRORS } from './transient.js'
import { announceRetry, QUICK_RETRIED, RETRIED_STATUS, retryDelayMs, retryNotice, UNREACHABLE, unreachableMessage, type TryOutcome } from './retry-policy.js'

export interface FastHttpOptions {
  connectionsPerHost: number
  retries: number
  minRetryDelayMs: number
  idleTimeoutMs: number
  /** Certificates to trust instead of Node's (tests; a run trusts NODE_EXTRA_CA_CERTS). */
  ca?: Array<string | Buffer>
  /** How names are resolved instead of the system's (tests; a run asks the system resolver). */
  lookup?: LookupFunction
  /** How long an unreachable origin fails at once before it is tried again (tests shorten it). */
  unreachableForMs?: number
}

const READ_BUFFER = 512 << 10
const MAX_HEAD = 64 << 10
const MAX_REDIRECTS = 10
/** How long a kept-alive connection waits for its next request (servers close theirs at 5 s and more). */
const KEEP_ALIVE_MS = 4000
const CONNECT_TIMEOUT_MS = 10_000
/** Informational (1xx) heads before a final one: more is a server that never answers. */
const MAX_INTERIM = 10
const REDIRECTS = new Set([301, 302, 303, 307, 308])
/**
 * An origin found unreachable fails at once for this long, then is tried again: a server that
 * comes back (a registry restarted, a mirror started late) is used again in a long run.
 */
const UNREACHABLE_FOR_MS = 30_000

const failure = (message: string, code: string): Error => Object.assign(new Error(message), { code })

/** The connections to one origin: a cap, the idle ones, and who waits for one. */
class OriginPool {
  readonly idle: Connection[] = []
  active = 0
  readonly waiting: Array<() => void> = []

  constructor(private readonly cap: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.cap) {
      this.active++
      return
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  /** A slot is given up: the next waiter takes it over. */
  release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.active--
  }
}

export class FastHttp implements ByteFetcher {
  private readonly pools = new Map<string, OriginPool>()
  /** Origins that refused the connection or do not resolve, with what their requests fail with, until when. */
  private readonly unreachable = new Map<string, { message: string; code: string; until: number }>()
  /** One buffer for every plain-http read: pieces are consumed before the next read reuses it. */
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER)

  constructor(private readonly options: FastHttpOptions) {}

  async get(url: string, headers: Record<string, string>): Promise<ByteResponse> {
    let target = new URL(url)
    let sent = { ...headers }
    for (let redirects = 0, retries = 0; ; ) {
      const unreachable = this.unreachable.get(target.origin)
      if (unreachable && Date.now() < unreachable.until) throw failure(unreachable.message, unreachable.code)
      let response: ByteResponse
      try {
        response = await this.once(target, sent)
      } catch (e) {
        const code = (e as { code?: string })?.code
        const delay = isRetried(e) ? this.retryDelay(target, { code }, retries) : undefined
        if (delay === undefined) throw code !== undefined && UNREACHABLE.includes(code) ? this.unreachableFor(target, code) : e
        retries++
        await sleep(delay)
        continue
      }
      // It answered: whatever an earlier request found, it is reachable now.
      this.unreachable.delete(target.origin)
      const delay = RETRIED_STATUS.includes(response.statusCode) ? this.retryDelay(target, { statusCode: response.statusCode, headers: response.headers }, retries) : undefined
      if (delay !== undefined) {
        response.body.discard()
        retries++
        await sleep(delay)
        continue
      }
      const location = headerValue(response.headers.location)
      if (REDIRECTS.has(response.statusCode) && location) {
        response.body.discard()
        if (++redirects > MAX_REDIRECTS) throw new Error(`${redactUrl(url)}: more than ${MAX_REDIRECTS} redirects`)
        const next = new URL(location, target)
        if (next.origin !== target.origin) {
          // Credentials are for the origin they were given for (a signed CDN url needs none).
          sent = Object.fromEntries(Object.entries(sent).filter(([name]) => name.toLowerCase() !== 'authorization'))
        }
        target = next
        continue
      }
      return response
    }
  }

  /** The wait before retrying after `outcome` (announced to the progress line), or undefined: failed for good. */
  private retryDelay(target: URL, outcome: TryOutcome, retriesDone: number): number | undefined {
    const delay = retryDelayMs(outcome, retriesDone, this.options)
    if (delay !== undefined) announceRetry(retryNotice(target, outcome, retriesDone, this.options, delay))
    return delay
  }

  /**
   * A host that refused twice, whose name does not resolve, or for which no DNS server answered
   * twice, stays so for a while (UNREACHABLE_FOR_MS): every request to it meanwhile fails at once
   * with the same message (one line for all it would have served), instead of each waiting out
   * its own retry or DNS lookup. Then it is tried again, in case it came back.
   */
  private unreachableFor(target: URL, code: string): Error {
    const message = unreachableMessage(target, code) ?? code
    this.unreachable.set(target.origin, { message, code, until: Date.now() + (this.options.unreachableForMs ?? UNREACHABLE_FOR_MS) })
    return failure(message, code)
  }

  private pool(origin: string): OriginPool {
    let pool = this.pools.get(origin)
    if (!pool) this.pools.set(origin, (pool = new OriginPool(this.options.connectionsPerHost)))
    return pool
  }

  /** One request on a kept-alive connection or a new one; a kept-alive one the server closed meanwhile is replaced once. */
  private async once(url: URL, headers: Record<string, string>): Promise<ByteResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${url.protocol} urls are not supported`)
    const pool = this.pool(url.origin)
    await pool.acquire()
    let slotHeld = true
    const releaseSlot = (): void => {
      if (slotHeld) pool.release()
      slotHeld = false
    }
    try {
      const reused = takeIdle(pool)
      if (reused) {
        try {
          return await reused.send(url, headers, releaseSlot)
        } catch (e) {
          if (!reused.closedBeforeAnswer) throw e
        }
      }
      const fresh = await this.open(url, pool)
      return await fresh.send(url, headers, releaseSlot)
    } catch (e) {
      releaseSlot()
      throw e
    }
  }

  private open(url: URL, pool: OriginPool): Promise<Connection> {
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80)
    const host = url.hostname.replace(/^\[|\]$/g, '')
    return new Promise((resolve, reject) => {
      let connection: Connection | undefined
      let socket: Socket
      const onConnectError = (e: Error): void => reject(e)
      if (url.protocol === 'https:') {
        const gathered = new Gather((buffer, length) => connection?.feed(buffer, length))
        // tls.connect takes net's `onread` (Node's docs; @types/node lacks it).
        const tlsOptions = { host, port, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], ca: this.options.ca, lookup: this.options.lookup, onread: gathered.onread }
        socket = tlsConnect(tlsOptions, () => {
          clearTimeout(timer)
          socket.off('error', onConnectError)
          resolve((connection = new Connection(socket, pool, this.options.idleTimeoutMs)))
        })
        // Before the connection's own listeners (added once connected): the bytes that came
        // before an end, a reset or a close count, as they do over plain http.
        for (const event of ['end', 'error', 'close']) socket.on(event, () => gathered.flush())
      } else {
        socket = netConnect({ host, port, lookup: this.options.lookup, onread: { buffer: this.readBuffer, callback: (n: number, buffer: Uint8Array) => (connection?.feed(buffer as Buffer, n), true) } }, () => {
          clearTimeout(timer)
          socket.off('error', onConnectError)
          resolve((connection = new Connection(socket, pool, this.options.idleTimeoutMs)))
        })
      }
      socket.setNoDelay(true)
      socket.once('error', onConnectError)
      // Until the connection is up, the TLS handshake included (the callbacks above clear it).
      const timer = setTimeout(() => socket.destroy(failure(`connecting to ${url.host} took more than ${CONNECT_TIMEOUT_MS / 1000} s`, 'UND_ERR_CONNECT_TIMEOUT')), CONNECT_TIMEOUT_MS)
      socket.once('close', () => clearTimeout(timer))
    })
  }
}

/** Room Gather keeps for the next TLS record (16 KiB of plaintext at most). */
const RECORD_ROOM = 32 << 10

/**
 * TLS hands over one record, at most 16 KiB, per read: fed on one by one, a 1.5 GB download is
 * ~90,000 writes of the partial file, each record in a buffer of its own and through the
 * stream machinery. Node's TLS copies each record into the buffer `onread` names, so Gather
 * names the free end of one buffer per connection: the records of a turn of the event loop land
 * one after another and are fed on together, once the turn ends or the buffer is nearly full.
 * Over an uncapped TLS door (bench/images.sh): 3.26 -> 2.82 s, 1.64x -> 1.42x curl, CPU 3.45 ->
 * 2.84 s.
 */
class Gather {
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER)
  /** Bytes [start, end) have come and are not fed on yet; the next record lands at `end`. */
  private start = 0
  private end = 0
  private scheduled = false
  readonly onread = {
    buffer: (): Buffer => this.nextRegion(),
    callback: (n: number): boolean => {
      this.end += n
      if (this.buffer.length - this.end < RECORD_ROOM) this.flush()
      else this.flushLater()
      return true
    }
  }

  constructor(private readonly feed: (buffer: Buffer, length: number) => void) {}

  /** Where the next record goes: after the last one, or from the start once all is fed on. */
  private nextRegion(): Buffer {
    if (this.start === this.end && this.buffer.length - this.end < RECORD_ROOM) this.start = this.end = 0
    return this.buffer.subarray(this.end)
  }

  private flushLater(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.flush()
    })
  }

  /** Feeds on what came; those bytes are free again once the feed returns. */
  flush(): void {
    if (this.start === this.end) return
    const piece = this.buffer.subarray(this.start, this.end)
    this.start = this.end
    this.feed(piece, piece.length)
  }
}

function takeIdle(pool: OriginPool): Connection | undefined {
  for (let c = pool.idle.pop(); c; c = pool.idle.pop()) if (c.usable) return c
  return undefined
}

/**
 * A close-delimited body's `left` counts down from the length a 206's Content-Range announces
 * (Infinity when none does): the close alone cannot tell a whole body from a cut one.
 */
type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close'; expected: number; left: number } | { kind: 'none' }

/** One socket, one request at a time: parses the response head, then delivers the body. */
class Connection {
  private phase: 'idle' | 'head' | 'body' | 'closed' = 'idle'
  private head: Buffer[] = []
  private headBytes = 0
  /** Informational (1xx) heads skipped since the request. */
  private interim = 0
  private answered = false
  /** What the current request asked for, to name it in errors. */
  private target: URL | undefined
  /** True when the socket closed before any byte of an answer (a kept-alive socket the server dropped). */
  closedBeforeAnswer = false
  private framing: Framing = { kind: 'none' }
  private keepAlive = false
  private chunkLeft = 0
  private chunkState: 'size' | 'data' | 'data-end' | 'trailer' = 'size'
  private line = ''
  /** Body pieces that came before pump() was called (copied: the read buffer is reused). */
  private early: Buffer[] = []
  private take: ((piece: Buffer) => boolean) | undefined
  private onHead: ((response: ByteResponse) => void) | undefined
  private onHeadFailed: ((error: Error) => void) | undefined
  private onBodyDone: ((error?: Error) => void) | undefined
  private bodyError: Error | undefined
  private bodyComplete = false
  private releaseSlot: () => void = () => undefined

  constructor(
    private readonly socket: Socket,
    private readonly pool: OriginPool,
    private readonly idleTimeoutMs: number
  ) {
    socket.on('error', (e) => this.fail(e))
    socket.on('close', () => this.fail(failure('the server closed the connection', 'UND_ERR_SOCKET')))
    socket.on('end', () => this.endOfStream())
    socket.setTimeout(idleTimeoutMs, () => {
      if (this.phase === 'idle') this.socket.destroy()
      else this.socket.destroy(failure(`no data for ${idleTimeoutMs / 1000} s`, this.phase === 'head' ? 'UND_ERR_HEADERS_TIMEOUT' : 'UND_ERR_BODY_TIMEOUT'))
    })
  }

  get usable(): boolean {
    return this.phase === 'idle' && !this.socket.destroyed
  }

  send(url: URL, headers: Record<string, string>, releaseSlot: () => void): Promise<ByteResponse> {
    const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`]
    for (const [name, value] of Object.entries(headers)) {
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) return Promise.reject(new Error(`header ${name}: line breaks are not allowed`))
      if (name.toLowerCase() !== 'host') lines.push(`${name}: ${value}`)
    }
    this.phase = 'head'
    this.releaseSlot = releaseSlot
    this.head = []
    this.headBytes = 0
    this.interim = 0
    this.target = url
    this.answered = false
    this.closedBeforeAnswer = false
    this.early = []
    this.take = undefined
    this.bodyError = undefined
    this.bodyComplete = false
    this.socket.setTimeout(this.idleTimeoutMs)
    this.socket.ref()
    return new Promise((resolve, reject) => {
      this.onHead = resolve
      this.onHeadFailed = reject
      this.socket.resume()
      this.socket.write(`${lines.join('\r\n')}\r\n\r\n`)
    })
  }

  /** Bytes from the socket (pausing is done with socket.pause()). */
  feed(buffer: Buffer, length: number): void {
    let offset = 0
    if (this.phase === 'head') {
      this.answered = true
      offset = this.readHead(buffer, 0, length)
      if (offset < 0) return
    }
    if (this.phase === 'body' && offset < length) this.readBody(buffer, offset, length)
  }

  /**
   * Gathers the head from `start`; returns where the body starts in `buffer`, or -1 when the head
   * goes on. Only head bytes are copied: the body that came in the same read is delivered from
   * `buffer`. Informational heads (1xx: 100 Continue, 103 Early Hints) are skipped: the final
   * head follows them on the same connection.
   */
  private readHead(buffer: Buffer, start: number, length: number): number {
    for (;;) {
      const carried = this.headBytes
      // A head ends within MAX_HEAD bytes, so the search never scans a body.
      const window = buffer.subarray(start, Math.min(length, start + MAX_HEAD + 4 - carried))
      const all = carried === 0 ? window : Buffer.concat([...this.head, window])
      // The terminator may straddle two reads, so the search starts up to 3 bytes back.
      const end = all.indexOf('\r\n\r\n', Math.max(0, carried - 3))
      if (end < 0) {
        if (carried + window.length > MAX_HEAD) {
          this.socket.destroy(failure(`a response head of more than ${MAX_HEAD} bytes`, 'UND_ERR_HEADERS_OVERFLOW'))
          return -1
        }
        this.head.push(Buffer.from(window))
        this.headBytes += window.length
        return -1
      }
      const headEnd = start + end + 4 - carried
      this.head = []
      this.headBytes = 0
      const text = all.toString('latin1', 0, end)
      const interim = interimStatus(text)
      if (interim !== 0) {
        if (!this.skipInterim(interim)) return -1
        start = headEnd
        if (start === length) return -1
        continue
      }
      return this.startBody(text, headEnd)
    }
  }

  /** Whether an informational head can be passed over; fails the request when it cannot. */
  private skipInterim(status: number): boolean {
    const url = this.named()
    if (status === 101) {
      this.socket.destroy(failure(`${url}: the server answered 101 Switching Protocols to a plain GET, which asked for no upgrade`, 'KB_HTTP_PROTOCOL'))
      return false
    }
    if (++this.interim > MAX_INTERIM) {
      this.socket.destroy(failure(`${url}: more than ${MAX_INTERIM} informational (1xx) responses and no final one`, 'KB_HTTP_PROTOCOL'))
      return false
    }
    return true
  }

  /** The final head is in: hands the response over; returns where its body starts, or -1. */
  private startBody(head: string, bodyStart: number): number {
    const response = this.parseHead(head)
    if (!response) return -1
    this.phase = 'body'
    // Hold the body until someone pumps it (the caller may first open a file).
    this.socket.pause()
    const onHead = this.onHead
    this.onHead = this.onHeadFailed = undefined
    if (this.framing.kind === 'none' || (this.framing.kind === 'length' && this.framing.left === 0)) this.completeBody()
    onHead?.(response)
    return bodyStart
  }

  private parseHead(text: string): ByteResponse | undefined {
    const [statusLine = '', ...headerLines] = text.split('\r\n')
    const status = /^HTTP\/1\.([01]) (\d{3})/.exec(statusLine)
    if (!status) {
      this.socket.destroy(failure(`not an HTTP/1.x response: ${JSON.stringify(statusLine.slice(0, 80))}`, 'UND_ERR_SOCKET'))
      return undefined
    }
    // No prototype: a header named __proto__ is a header, not the object's prototype.
    const headers: Headers = Object.create(null) as Headers
    for (const line of headerLines) {
      const colon = line.indexOf(':')
      if (colon <= 0) continue
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      const had = headers[name]
      headers[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value]
    }
    const statusCode = Number(status[2])
    const connection = (headerValue(headers.connection) ?? '').toLowerCase()
    this.keepAlive = status[1] === '1' ? connection !== 'close' : connection === 'keep-alive'
    const encoding = (headerValue(headers['transfer-encoding']) ?? '').toLowerCase()
    const length = headerValue(headers['content-length'])
    if (statusCode === 204 || statusCode === 304) this.framing = { kind: 'none' }
    else if (encoding.includes('chunked')) {
      this.framing = { kind: 'chunked' }
      this.chunkState = 'size'
      this.line = ''
    } else if (length !== undefined && /^\d+$/.test(length)) this.framing = { kind: 'length', left: Number(length) }
    else {
      const expected = statusCode === 206 ? rangeLength(headers) : Infinity
      this.framing = { kind: 'close', expected, left: expected }
      this.keepAlive = false
    }
    const body: ByteBody = { pump: (take) => this.pump(take), discard: () => this.discard() }
    return { statusCode, headers, body }
  }

  private readBody(buffer: Buffer, start: number, end: number): void {
    const framing = this.framing
    if (framing.kind === 'length') {
      const n = Math.min(end - start, framing.left)
      framing.left -= n
      this.deliver(buffer, start, start + n)
      if (framing.left === 0) this.completeBody()
    } else if (framing.kind === 'close') {
      framing.left -= end - start
      if (framing.left < 0) this.socket.destroy(failure(`${this.named()}: the server sent more than the ${framing.expected} bytes its Content-Range announced`, 'KB_HTTP_PROTOCOL'))
      else this.deliver(buffer, start, end)
    } else if (framing.kind === 'chunked') this.readChunked(buffer, start, end)
  }

  private readChunked(buffer: Buffer, start: number, end: number): void {
    let i = start
    while (i < end && this.phase === 'body' && !this.bodyComplete) {
      if (this.chunkState === 'data') {
        const n = Math.min(end - i, this.chunkLeft)
        this.deliver(buffer, i, i + n)
        this.chunkLeft -= n
        i += n
        if (this.chunkLeft === 0) this.chunkState = 'data-end'
        continue
      }
      const newline = buffer.indexOf(10, i)
      const stop = newline < 0 || newline >= end ? end : newline + 1
      this.line += buffer.toString('latin1', i, stop)
      i = stop
      if (!this.line.endsWith('\n')) {
        if (this.line.length > 4096) this.socket.destroy(failure('a chunk-size line of more than 4 KiB', 'UND_ERR_SOCKET'))
        continue
      }
      const line = this.line.trim()
      this.line = ''
      if (this.chunkState === 'data-end') this.chunkState = 'size'
      else if (this.chunkState === 'size') {
        const size = Number.parseInt(line.split(';')[0] ?? '', 16)
        if (!Number.isFinite(size) || size < 0) {
          this.socket.destroy(failure(`a malformed chunk size ${JSON.stringify(line.slice(0, 40))}`, 'UND_ERR_SOCKET'))
          return
        }
        if (size === 0) this.chunkState = 'trailer'
        else {
          this.chunkLeft = size
          this.chunkState = 'data'
        }
      } else if (line === '') this.completeBody()
    }
  }

  private deliver(buffer: Buffer, start: number, end: number): void {
    if (start >= end || this.bodyError) return
    if (!this.take) {
      this.early.push(Buffer.from(buffer.subarray(start, end)))
      return
    }
    let more: boolean
    try {
      more = this.take(buffer.subarray(start, end))
    } catch (e) {
      this.stopBody(e as Error)
      return
    }
    // A consumer that has all it wants at the very end of a length-delimited body has not cut
    // the body short: the connection goes back to the pool (completeBody follows) instead of
    // being closed, which would cost a new connection (and a TLS handshake) per file.
    if (!more && !this.endsWithThisPiece()) this.stopBody()
  }

  private endsWithThisPiece(): boolean {
    return this.framing.kind === 'length' && this.framing.left === 0
  }

  /** The consumer stopped (or threw) mid-body: the connection cannot be reused. */
  private stopBody(error?: Error): void {
    this.phase = 'closed'
    this.socket.destroy()
    this.releaseSlot()
    this.settleBody(error)
  }

  /** Tells the pump how the body ended, once. */
  private settleBody(error?: Error): void {
    const done = this.onBodyDone
    this.onBodyDone = undefined
    this.take = undefined
    done?.(error)
  }

  private completeBody(): void {
    this.bodyComplete = true
    if (!this.take && this.onBodyDone === undefined) return
    this.finishBody()
  }

  private finishBody(): void {
    this.take = undefined
    this.recycle()
    this.settleBody()
  }

  /** Back to the pool for the next request, or closed. */
  private recycle(): void {
    if (this.keepAlive && !this.socket.destroyed) {
      this.phase = 'idle'
      this.socket.setTimeout(KEEP_ALIVE_MS)
      // An idle connection does not keep the process alive.
      this.socket.unref()
      this.pool.idle.push(this)
    } else {
      this.phase = 'closed'
      this.socket.destroy()
    }
    this.releaseSlot()
  }

  private pump(take: (piece: Buffer) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.take || this.onBodyDone) {
        reject(new Error('the body is already being read'))
        return
      }
      this.onBodyDone = (error) => (error ? reject(error) : resolve())
      this.take = take
      for (const piece of this.early.splice(0)) {
        this.deliver(piece, 0, piece.length)
        if (!this.take) return
      }
      if (this.bodyError) this.settleBody(this.bodyError)
      else if (this.bodyComplete) this.finishBody()
      else this.socket.resume()
    })
  }

  private discard(): void {
    this.early = []
    this.take = undefined
    if (this.phase === 'body' && this.bodyComplete) {
      this.recycle()
      return
    }
    if (this.phase === 'body') {
      this.phase = 'closed'
      this.socket.destroy()
    }
    this.releaseSlot()
  }

  /**
   * The server ended its side: a close-delimited body is complete unless a Content-Range told a
   * length it falls short of (anything else is cut short). A size known only to the caller (a
   * blob's descriptor) is the caller's to hold the body to (fetch-file.ts); with no size known
   * anywhere, a cut close-delimited body passes here and the checksum verified downstream fails it.
   */
  private endOfStream(): void {
    const framing = this.framing
    if (this.phase !== 'body' || framing.kind !== 'close' || this.bodyComplete) return
    if (framing.left > 0 && framing.left !== Infinity) {
      const got = framing.expected - framing.left
      this.socket.destroy(failure(`${this.named()}: the server closed the connection after ${got} of the ${framing.expected} bytes its Content-Range announced`, 'UND_ERR_SOCKET'))
      return
    }
    this.keepAlive = false
    this.completeBody()
  }

  /** The current request's url, for messages (secrets redacted). */
  private named(): string {
    return redactUrl(this.target?.href ?? '')
  }

  private fail(error: Error): void {
    const phase = this.phase
    if (phase === 'closed') return
    this.phase = 'closed'
    this.removeFromIdle()
    if (phase === 'idle') return
    if (phase === 'head') {
      this.closedBeforeAnswer = !this.answered
      const reject = this.onHeadFailed
      this.onHead = this.onHeadFailed = undefined
      // The caller may retry on a new connection under the same slot; it releases the slot itself.
      this.releaseSlot = () => undefined
      reject?.(error)
      return
    }
    // In the body.
    if (this.bodyComplete) {
      // Already complete: the close came after (a close-delimited or a non-kept-alive body).
      if (this.onBodyDone) this.finishBody()
      return
    }
    this.releaseSlot()
    this.bodyError = error
    this.settleBody(error)
  }

  private removeFromIdle(): void {
    const i = this.pool.idle.indexOf(this)
    if (i >= 0) this.pool.idle.splice(i, 1)
  }
}

/** The status of an informational (1xx) head, or 0 for a final one. */
function interimStatus(head: string): number {
  const status = /^HTTP\/1\.[01] (1\d\d)/.exec(head)
  return status ? Number(status[1]) : 0
}

/** The body length a 206's `Content-Range: bytes START-END/TOTAL` announces (Infinity when it has none). */
function rangeLength(headers: Headers): number {
  const range = /^\s*bytes\s+(\d+)-(\d+)\//i.exec(headerValue(headers['content-range']) ?? '')
  return range ? Number(range[2]) - Number(range[1]) + 1 : Infinity
}

/** Failures before a body starts: connection errors and timeouts (a cut body is the fetcher's to resume). */
function isRetried(error: unknown): boolean {
  const code = (error as { code?: string })?.code
  return typeof code === 'string' && code !== 'UND_ERR_BODY_TIMEOUT' && (RETRIED_ERRORS.includes(code) || QUICK_RETRIED.includes(code))
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
