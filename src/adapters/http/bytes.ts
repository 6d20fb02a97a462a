/**
 * Bulk bodies (files, layers, release assets): a response whose body is handed over piece by
 * piece to a consumer that takes each piece at once (hashes it, writes it). A piece is valid
 * only during the call, which lets the fast reader (fast-http.ts) deliver straight from one
 * reused read buffer, the way curl does.
 */
import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { HttpClient } from './client.js'

export type Headers = Record<string, string | string[] | undefined>

export interface ByteBody {
  /**
   * Hands every piece of the body to `take` as it arrives, until the body ends (resolves) or
   * fails (rejects with the connection's error). `take` returns false to stop early: the rest
   * is not read. A piece must not be kept after `take` returns.
   */
  pump(take: (piece: Buffer) => boolean): Promise<void>
  /** Not reading this body: frees its connection. */
  discard(): void
}

export interface ByteResponse {
  statusCode: number
  headers: Headers
  body: ByteBody
}

/** GETs of bulk bodies: redirects followed, transient failures retried before the body starts. */
export interface ByteFetcher {
  get(url: string, headers: Record<string, string>): Promise<ByteResponse>
}

/**
 * A small body (a manifest, a token) read whole, refused beyond `cap` bytes whether or not a
 * length was announced: a chunked body is counted as it arrives, never kept past the cap.
 * `refuse` makes the error from the size (a number announced, or "more than N").
 */
export async function readSmallBody(response: ByteResponse, cap: number, refuse: (size: string) => Error): Promise<Buffer> {
  const announced = Number(headerValue(response.headers['content-length']) ?? 0)
  if (announced > cap) {
    response.body.discard()
    throw refuse(String(announced))
  }
  const pieces: Buffer[] = []
  let size = 0
  await response.body.pump((piece) => {
    size += piece.length
    if (size > cap) return false
    // Copied: a piece is only valid during the call.
    pieces.push(Buffer.from(piece))
    return true
  })
  if (size > cap) throw refuse(`more than ${cap}`)
  return Buffer.concat(pieces, size)
}

/** An undici response as a ByteResponse: its chunks are handed over as 'data' events deliver them. */
export function fromUndici(response: Dispatcher.ResponseData): ByteResponse {
  return { statusCode: response.statusCode, headers: response.headers, body: readableBody(response.body) }
}

/** A Readable body handed over chunk by chunk ('data' events, no promise per chunk). */
function readableBody(body: Readable): ByteBody {
  return {
    pump: (take) =>
      new Promise((resolve, reject) => {
        const done = (error?: unknown): void => {
          body.off('data', onData)
          body.off('end', onEnd)
          body.off('error', onError)
          // Errors after we are done (a destroyed body) must not go unhandled.
          body.on('error', () => undefined)
          if (error === undefined) resolve()
          else reject(error)
        }
        const onData = (chunk: Buffer): void => {
          let more: boolean
          try {
            more = take(chunk)
          } catch (e) {
            body.destroy()
            done(e)
            return
          }
          if (!more) {
            body.destroy()
            done()
          }
        }
        const onEnd = (): void => done()
        const onError = (e: unknown): void => done(e)
        body.on('data', onData)
        body.once('end', onEnd)
        body.once('error', onError)
      }),
    discard: () => {
      body.on('error', () => undefined)
      body.destroy()
    }
  }
}

/** Bulk GETs through an undici dispatcher (its redirect and retry interceptors included). */
export class DispatcherBytes implements ByteFetcher {
  constructor(private readonly http: HttpClient) {}

  async get(url: string, headers: Record<string, string>): Promise<ByteResponse> {
    const u = new URL(url)
    return fromUndici(await this.http.request({ origin: u.origin, path: `${u.pathname}${u.search}`, method: 'GET', headers }))
  }
}

/** The first value of a header that may come more than once. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
