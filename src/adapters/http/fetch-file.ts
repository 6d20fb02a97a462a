/**
 * Fetches one url into a partial file, in parallel Range segments when the server allows it
 * and the file is big enough. Servers and CDNs cap each connection, so a big file on one
 * connection is the whole run's tail. The partial file and its segment state
 * (<part>.json) survive a killed run; the next run continues each segment where the state
 * says it stopped. The state is written only after the bytes it counts, so it never claims
 * data that is not there.
 *
 * Hashing follows the download: a PrefixHasher hands the hasher each stretch of the partial
 * file that continues the gap-free prefix once it is written, so the digests are ready when the
 * last byte lands. Where there is a second core, a second thread reads those stretches back
 * from the page cache and hashes them, and the main thread only moves bytes; on one core, or for
 * files on one connection while every core is busy, bytes in order are hashed from memory as
 * they are written (adapters/hashing.ts). The caller compares the digests with the expected
 * checksum and renames the partial file into place (pipeline/files.ts).
 */
import { readdir, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { closeSync, readFileSync, writeSync } from 'node:fs'
import { redactUrl, splitUserinfo } from '../../domain/redact.js'
import { createExclusiveFd, openExistingFd, regularFile, writeFileAtomic } from '../fs-atomic.js'
import { defaultHashing, type DigestSink, type Hashing } from '../hashing.js'
import { headerValue, type ByteBody, type ByteResponse } from './bytes.js'
import { bulkFetcher, isTransient, type HttpClient } from './client.js'
import { isHostAway } from './transient.js'
import { announceRetry, retryNotice } from './retry-policy.js'

export interface SegmentPolicy {
  /** Files smaller than this use one connection. */
  splitAbove: number
  /** No segment smaller than this. */
  minSegment: number
  /** At most this many connections for one file. */
  maxSegments: number
}

export const DEFAULT_SEGMENT_POLICY: SegmentPolicy = { splitAbove: 24 << 20, minSegment: 12 << 20, maxSegments: 8 }

export interface FetchEvents {
  /** The total size, once the first response tells it (undefined: unknown). */
  size(total: number | undefined): void
  /** Bytes written to the partial file (also counts bytes found there from a previous run). */
  bytes(count: number): void
}

/** Connections are a shared budget: every request holds a slot while it runs. */
export interface ConnectionSlots {
  /**
   * Segments of a file already started go first, so big files do not become the tail; `size`
   * (a new file's, when known) lets the pool start big files first.
   */
  acquire(priority: 'segment' | 'file', size?: number): Promise<() => void>
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    url: string
  ) {
    super(`HTTP ${status}${STATUS_TEXT[status] ? ' ' + STATUS_TEXT[status] : ''} from ${url}`)
    this.name = 'HttpStatusError'
  }
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  410: 'Gone',
  416: 'Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout'
}

interface Segment {
  start: number
  /** Exclusive; null when the size is unknown (one segment to the end of the body). */
  end: number | null
  /** Bytes of this segment already in the partial file. */
  done: number
}

interface PartState {
  url: string
  size: number | null
  validator: string | null
  segments: Segment[]
}

export interface FetchOutcome {
  size: number
  /** Hex digest of the whole file for each algorithm asked for. */
  digests: Map<string, string>
}

/** Spans of the partial file are handed over (to be read back) at least this much at a time. */
const HASH_STEP = 1 << 20

/**
 * Hands a partial file's bytes to its digest sink in file order while its segments fill it:
 * spans of the file once they continue the hashed prefix, or, to a sink that hashes from memory,
 * bytes that continue it as they are written.
 */
class PrefixHasher {
  /** Bytes handed to the sink, all from byte 0 without a gap. */
  private hashed = 0

  constructor(
    private readonly sink: DigestSink,
    private readonly segments: readonly Segment[]
  ) {}

  /** The end of the bytes written without a gap from byte 0. */
  private prefixEnd(): number {
    let end = 0
    for (const s of this.segments) {
      if (s.start !== end) break
      end = s.start + s.done
      if (s.end === null || s.done < s.end - s.start) break
    }
    return end
  }

  /** Bytes were just written at `position` (and counted in their segment). */
  written(position: number, piece: Uint8Array): void {
    if (position === this.hashed && this.sink.update) {
      this.sink.update(piece)
      this.hashed += piece.length
      return
    }
    this.advance()
  }

  /** Hands over from disk what became contiguous, `step` bytes or more at a time. */
  advance(step = HASH_STEP): void {
    const end = this.prefixEnd()
    if (end - this.hashed < step) return
    this.sink.fromDisk(this.hashed, end)
    this.hashed = end
  }

  finish(): Promise<Map<string, string>> {
    this.advance(1)
    return this.sink.digest()
  }

  /** No digest is wanted after all (a no-op once finish was called). */
  abandon(): void {
    this.sink.abandon()
  }
}

const MAX_BODY_ATTEMPTS = 4

/**
 * Where the bytes come from: a url on the shared dispatcher, or a registry blob (whose
 * requests carry the registry's auth). `id` names it in state files and messages, so it
 * never carries a secret.
 */
export interface ByteSource {
  id: string
  /** The size the caller expects, when it knows it (a blob's descriptor does). */
  size?: number
  get(headers: Record<string, string>): Promise<ByteResponse>
}

/**
 * A url's bytes. Userinfo in it (a mirror behind a login) becomes Basic auth to that origin
 * only: undici's redirect handler drops Authorization when a redirect leaves the origin.
 */
export function urlSource(http: HttpClient, url: string): ByteSource {
  const { url: bare, username, password } = splitUserinfo(url)
  const auth: Record<string, string> = username !== undefined ? { authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` } : {}
  const bytes = bulkFetcher(http)
  return { id: redactUrl(url), get: (headers) => bytes.get(bare, { ...headers, ...auth }) }
}

/**
 * The partial file cannot be continued (the server changed the file, ignores our range, or
 * the part is gone): it is discarded and fetched again from byte 0.
 */
class RestartFromZero extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RestartFromZero'
  }
}

export class FileFetcher {
  constructor(
    private readonly slots: ConnectionSlots,
    private readonly policy: SegmentPolicy = DEFAULT_SEGMENT_POLICY,
    private readonly hashing: Hashing = defaultHashing()
  ) {}

  /**
   * Downloads `url` into `partPath` and returns its `algorithms` digests, hashed while it
   * downloads (a resumed file's earlier bytes included).
   */
  async fetch(source: ByteSource, partPath: string, algorithms: string[], events: FetchEvents): Promise<FetchOutcome> {
    const statePath = `${partPath}.json`
    const resumed = await readPartState(statePath, source.id, partPath)
    // A run killed while saving its state leaves that save's temp file beside it.
    if (resumed !== 'absent') await removeStaleSaves(statePath)
    try {
      if (typeof resumed === 'object') return await this.continueSegments(source, partPath, statePath, resumed, algorithms, events)
      // No state file at all (the usual case): a stray partial, if any, is found when the new
      // one is created (see start), which spares two file-system round trips per file.
      if (resumed === 'unusable') await discardPart(partPath)
      return await this.start(source, partPath, statePath, algorithms, events)
    } catch (e) {
      if (!(e instanceof RestartFromZero)) throw e
      // Once: a server that keeps changing the file mid-fetch fails the file, not the run forever.
      events.bytes(-(await partBytes(statePath)))
      await discardPart(partPath)
      try {
        return await this.start(source, partPath, statePath, algorithms, events)
      } catch (again) {
        if (again instanceof RestartFromZero) throw new Error(`${source.id}: ${again.message} (twice; giving up on this file)`)
        throw again
      }
    }
  }

  private async start(source: ByteSource, partPath: string, statePath: string, algorithms: string[], events: FetchEvents): Promise<FetchOutcome> {
    const url = source.id
    const release = await this.slots.acquire('file', source.size)
    let released = false
    const releaseOnce = (): void => {
      if (!released) release()
      released = true
    }
    try {
      // "bytes=0-" asks for everything but makes a range-capable server say so (206) and
      // tell the total size in Content-Range. A size known beforehand (a blob's descriptor)
      // plans the split first, and the first request asks for exactly the first segment: its
      // response ends where the segment does, so nothing is sent past it only to be thrown
      // away (~7 MB a split layer from nginx here), and the connection is kept.
      const planned = source.size === undefined ? undefined : this.plan(source.size)
      const asked = planned && planned.length > 1 ? `bytes=0-${(planned[0].end ?? 0) - 1}` : 'bytes=0-'
      const response = await source.get({ range: asked })
      if (response.statusCode !== 200 && response.statusCode !== 206) {
        response.body.discard()
        throw new HttpStatusError(response.statusCode, url)
      }
      const range = response.statusCode === 206 ? contentRange(response) : undefined
      if (response.statusCode === 206) {
        // Asked for part of the file, the total must be the one the split was planned for.
        const wrongTotal = asked !== 'bytes=0-' && range?.total !== source.size
        if (!range || range.start !== 0 || wrongTotal) {
          response.body.discard()
          const expected = wrongTotal ? ` (${source.size} bytes were expected)` : ''
          throw new Error(`${url}: asked for ${asked}, the server answered Content-Range ${headerValue(response.headers['content-range']) ?? '(none)'}${expected}`)
        }
      }
      // A body that tells no size (close-delimited, or `Content-Range: …/*`) is held to the one
      // known beforehand: a close alone cannot tell a whole body from a cut one.
      const total = totalSize(response) ?? source.size
      events.size(total)
      const rangesWork = response.statusCode === 206 && total !== undefined
      // A partial answer's total was checked above, so this plans the segments asked for.
      const segments = rangesWork ? this.plan(total) : [{ start: 0, end: total ?? null, done: 0 }]
      const state: PartState = { url, size: total ?? null, validator: rangesWork ? strongValidator(response) : null, segments }
      const file = await createPart(partPath)
      const hasher = new PrefixHasher(this.hashing.open(partPath, file, algorithms, segments.length === 1), segments)
      try {
        if (rangesWork && segments.length > 1) await writeFileAtomic(statePath, JSON.stringify(state))
        const checkpoint = segments.length > 1 ? () => persist(state, statePath) : undefined
        const bodyLength = range ? range.end - range.start + 1 : total
        const first = this.copyBody(url, response.body, file, segments[0], endsWith(segments[0], 0, bodyLength), hasher, events, checkpoint).finally(releaseOnce)
        const others = segments.slice(1).map((s) => this.fetchSegment(source, file, s, state, statePath, hasher, events))
        const results = await Promise.allSettled([first, ...others])
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
        if (failed) {
          if (rangesWork) await saveState(state, statePath).catch(() => undefined)
          // A host away (refused, no DNS answer) is not tried again at once: the part stays for the next run.
          const resumable = (e: unknown): boolean => isTransient(e) && !isHostAway(e)
          if (resumable(failed.reason) && rangesWork && results.every((r) => r.status === 'fulfilled' || resumable(r.reason))) {
            // Connections that broke mid-body (the probe's among them, which has no retry loop
            // of its own): carry on from where each segment stopped.
            announceRetry(retryNotice(source.id, { code: (failed.reason as { code?: string }).code }, 0, { retries: MAX_BODY_ATTEMPTS - 1, minRetryDelayMs: 0 }, 0))
            return this.continueSegments(source, partPath, statePath, state, algorithms, events)
          }
          throw failed.reason
        }
        const size = segments.reduce((n, s) => n + s.done, 0)
        if (total !== undefined && size !== total) throw new Error(`${url}: got ${size} bytes, ${total} were expected`)
        const digests = await hasher.finish()
        if (segments.length > 1) await removeState(state, statePath)
        return { size, digests }
      } finally {
        hasher.abandon()
        closeSync(file)
      }
    } finally {
      releaseOnce()
    }
  }

  /** Equal segments, each at least minSegment, at most maxSegments of them. */
  private plan(total: number): Segment[] {
    const count =
      total <= this.policy.splitAbove ? 1 : Math.max(1, Math.min(this.policy.maxSegments, Math.floor(total / this.policy.minSegment)))
    const size = Math.ceil(total / count)
    const segments: Segment[] = []
    for (let start = 0; start < total; start += size) segments.push({ start, end: Math.min(total, start + size), done: 0 })
    return segments.length ? segments : [{ start: 0, end: 0, done: 0 }]
  }

  private async continueSegments(
    source: ByteSource,
    partPath: string,
    statePath: string,
    state: PartState,
    algorithms: string[],
    events: FetchEvents
  ): Promise<FetchOutcome> {
    events.size(state.size ?? undefined)
    events.bytes(state.segments.reduce((n, s) => n + s.done, 0))
    const file = openExistingFd(partPath)
    const hasher = new PrefixHasher(this.hashing.open(partPath, file, algorithms), state.segments)
    try {
      await writeFileAtomic(statePath, JSON.stringify(state))
      hasher.advance()
      const results = await Promise.allSettled(state.segments.map((s) => this.fetchSegment(source, file, s, state, statePath, hasher, events)))
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) {
        await saveState(state, statePath).catch(() => undefined)
        throw failed.reason
      }
      const digests = await hasher.finish()
      await removeState(state, statePath)
      return { size: state.segments.reduce((n, s) => n + s.done, 0), digests }
    } finally {
      hasher.abandon()
      closeSync(file)
    }
  }

  /** One Range segment, retried from where it stopped when the connection breaks. */
  private async fetchSegment(
    source: ByteSource,
    file: number,
    segment: Segment,
    state: PartState,
    statePath: string,
    hasher: PrefixHasher,
    events: FetchEvents
  ): Promise<void> {
    for (let attempt = 1; segment.end === null || segment.start + segment.done < segment.end; attempt++) {
      const release = await this.slots.acquire('segment')
      try {
        const from = segment.start + segment.done
        const range = `bytes=${from}-${segment.end === null ? '' : segment.end - 1}`
        const headers: Record<string, string> = { range }
        if (state.validator) headers['if-range'] = state.validator
        const response = await source.get(headers)
        if (response.statusCode !== 206) {
          response.body.discard()
          // 200 to a ranged request with If-Range: the file changed since the partial was
          // started; 200 without it, or 416: the server cannot continue it.
          if (response.statusCode === 200) throw new RestartFromZero('the server no longer continues the partial file (it changed, or ignores Range)')
          if (response.statusCode === 416) throw new RestartFromZero(`the server refused range ${range} (416)`)
          throw new HttpStatusError(response.statusCode, source.id)
        }
        const answered = contentRange(response)
        if (!answered || answered.start !== from || (state.size !== null && answered.total !== undefined && answered.total !== state.size)) {
          response.body.discard()
          throw new RestartFromZero(
            `asked for ${range} of ${state.size ?? '?'} bytes, the server answered Content-Range ${headerValue(response.headers['content-range']) ?? '(none)'}`
          )
        }
        const bodyEnds = endsWith(segment, from, answered.end - answered.start + 1)
        await this.copyBody(source.id, response.body, file, segment, bodyEnds, hasher, events, () => persist(state, statePath))
        await saveState(state, statePath)
        return
      } catch (e) {
        if (!isTransient(e) || isHostAway(e) || attempt >= MAX_BODY_ATTEMPTS) throw e
        // A body cut mid-way is taken up where it stopped: a retry the progress line shows too.
        const code = (e as { code?: string }).code
        announceRetry(retryNotice(source.id, { code }, attempt - 1, { retries: MAX_BODY_ATTEMPTS - 1, minRetryDelayMs: 0 }, 0))
      } finally {
        release()
      }
    }
  }

  /**
   * Writes a body at its segment's offset as it arrives: each piece is hashed and written at
   * once, while it is still in the CPU's cache (bytes count once written). A body that is to end
   * where the segment does (`bodyEnds`) is read to its very end, so one that runs longer fails
   * instead of being cut to size; one that ends short fails as a cut connection, to be resumed.
   */
  private async copyBody(
    url: string,
    body: ByteBody,
    file: number,
    segment: Segment,
    bodyEnds: boolean,
    hasher: PrefixHasher,
    events: FetchEvents,
    checkpoint?: () => void
  ): Promise<void> {
    // The end is read at each piece: the probe response of a split file carries the whole body.
    const limit = (): number => (segment.end === null ? Infinity : segment.end - segment.start)
    await body.pump((chunk) => {
      const room = limit() - segment.done
      if (bodyEnds && chunk.length > room) throw new Error(`${url}: the server sent more than the ${segmentBytes(segment)} expected`)
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk
      const position = segment.start + segment.done
      for (let written = 0; written < piece.length; ) {
        const n = writeSync(file, piece, written, piece.length - written, position + written)
        if (n === 0) throw new Error(`wrote 0 bytes to the partial file at ${position + written} (disk full?)`)
        written += n
      }
      segment.done += piece.length
      hasher.written(position, piece)
      events.bytes(piece.length)
      checkpoint?.()
      return bodyEnds || segment.done < limit()
    })
    if (segment.end !== null && segment.done < limit()) {
      throw Object.assign(new Error(`${url}: the connection closed after ${segment.done} of the ${segmentBytes(segment)} expected`), { code: 'UND_ERR_SOCKET' })
    }
  }
}

/** Whether a body of `length` bytes starting at `from` ends exactly where the segment does. */
function endsWith(segment: Segment, from: number, length: number | undefined): boolean {
  return length !== undefined && segment.end !== null && from + length === segment.end
}

/** A segment's bytes for messages: "N bytes" for a whole file, "N bytes from byte S" for a part. */
function segmentBytes(segment: Segment): string {
  const size = `${(segment.end ?? 0) - segment.start} bytes`
  return segment.start === 0 ? size : `${size} from byte ${segment.start}`
}

const lastPersisted = new WeakMap<PartState, number>()
const persisting = new WeakMap<PartState, Promise<void>>()
const PERSIST_EVERY_MS = 1000

/**
 * Saves segment progress at most once a second, so a killed run loses at most that much. It
 * runs beside the download (writes are chained, each after the last); a failed save only
 * costs resumability.
 */
function persist(state: PartState, statePath: string): void {
  const now = Date.now()
  if (now - (lastPersisted.get(state) ?? 0) < PERSIST_EVERY_MS) return
  lastPersisted.set(state, now)
  const snapshot = JSON.stringify(state)
  const previous = persisting.get(state) ?? Promise.resolve()
  persisting.set(state, previous.then(() => writeFileAtomic(statePath, snapshot)).catch(() => undefined))
}

/** Saves the state now, after the saves in flight, so this one is the last word. */
async function saveState(state: PartState, statePath: string): Promise<void> {
  await persisting.get(state)
  await writeFileAtomic(statePath, JSON.stringify(state))
}

/** The part is complete: its state goes, after any save still in flight. */
async function removeState(state: PartState, statePath: string): Promise<void> {
  await persisting.get(state)
  await rm(statePath, { force: true })
}

/** `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`). */
function contentRange(response: ByteResponse): { start: number; end: number; total: number | undefined } | undefined {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(headerValue(response.headers['content-range']) ?? '')
  return match ? { start: Number(match[1]), end: Number(match[2]), total: match[3] === '*' ? undefined : Number(match[3]) } : undefined
}

/**
 * What If-Range may carry: a strong ETag, else Last-Modified. A weak ETag (W/"…") is never
 * sent, since a server must not honour If-Range with one and would resend the whole file.
 */
function strongValidator(response: ByteResponse): string | null {
  const etag = headerValue(response.headers.etag)
  if (etag && !etag.startsWith('W/')) return etag
  return headerValue(response.headers['last-modified']) ?? null
}

function totalSize(response: ByteResponse): number | undefined {
  if (response.statusCode === 206) return contentRange(response)?.total

  const length = headerValue(response.headers['content-length'])
  return length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined
}

/**
 * The saved state of a partial file, when it can be continued: same source, well-formed
 * segments, and the partial file still there holding at least the bytes the state counts.
 * 'absent' when there is no state file, 'unusable' when there is one that cannot be used.
 */
async function readPartState(statePath: string, url: string, partPath: string): Promise<PartState | 'absent' | 'unusable'> {
  let state: PartState
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as PartState
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unusable'
  }
  const wellFormed =
    state.url === url &&
    Array.isArray(state.segments) &&
    state.segments.length > 0 &&
    state.segments.every((s) => Number.isInteger(s.start) && Number.isInteger(s.done) && s.done >= 0 && (s.end === null || s.start + s.done <= s.end))
  if (!wellFormed) return 'unusable'
  const part = await regularFile(partPath)
  const needed = Math.max(0, ...state.segments.filter((s) => s.done > 0).map((s) => s.start + s.done))
  return part && part.size >= needed ? state : 'unusable'
}

/** A new partial file (a descriptor); one left without a state (a run killed before its first save) is discarded first. */
async function createPart(partPath: string): Promise<number> {
  try {
    return createExclusiveFd(partPath)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    await discardPart(partPath)
    return createExclusiveFd(partPath)
  }
}

/** Removes temp files of interrupted state saves (fs-atomic's `.<name>.<pid>.<n>.tmp`) beside a state file. */
async function removeStaleSaves(statePath: string): Promise<void> {
  const prefix = `.${basename(statePath)}.`
  const dir = dirname(statePath)
  for (const name of await readdir(dir).catch(() => [])) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) await rm(join(dir, name), { force: true })
  }
}

/** Bytes a saved state counts (0 without one): progress gives them back on a restart. */
async function partBytes(statePath: string): Promise<number> {
  try {
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as PartState
    return state.segments.reduce((n, s) => n + s.done, 0)
  } catch {
    return 0
  }
}

/** Removes a partial file and its segment state. */
export async function discardPart(partPath: string): Promise<void> {
  await Promise.all([rm(partPath, { force: true }), rm(`${partPath}.json`, { force: true })])
}
