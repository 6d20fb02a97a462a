/**
 * Moves a response body to disk with as little work per chunk as Node allows. Profiled on
 * 1.5 GB of layers (bench/images.sh, uncapped door): reading a body with `for await` costs a
 * promise and two microtask hops per 64 KiB chunk, and writing each chunk on its own costs a
 * thread-pool round trip; together they were about a fifth of our CPU. Here chunks arrive as
 * 'data' events, go to the sink synchronously (hash, count), and are written a megabyte at a
 * time in one writev while the body is paused, so memory stays flat and disk order holds.
 */
import type { FileHandle } from 'node:fs/promises'
import type { Readable } from 'node:stream'

/** Bytes gathered before one write. */
export const WRITE_BATCH = 1 << 20

/** What a pump does with a body's chunks. */
export interface ChunkSink {
  /**
   * Takes a chunk (hashing, counting, gathering it) and returns whether it wants more: false
   * once the body has given all the sink needs (the rest is not read).
   */
  push(chunk: Buffer): boolean
  /** Whether what was gathered should be written now (the body waits while it is). */
  full(): boolean
  /** Writes what was gathered (nothing gathered: nothing to do). */
  flush(): Promise<void>
}

/**
 * Pumps `body` into `sink` until the body ends or the sink wants no more. When the body
 * fails, what arrived before the failure is still flushed (a cut connection keeps its bytes)
 * and the body's error is the result.
 */
export function pumpBody(body: Readable, sink: ChunkSink): Promise<void> {
  return new Promise((resolve, reject) => {
    // Writes run one after another, in order, each after the one before it.
    let writing: Promise<void> = Promise.resolve()
    let settled = false
    const write = (): Promise<void> => (writing = writing.then(() => sink.flush()))
    const detach = (): void => {
      body.off('data', onData)
      body.off('end', onEnd)
      body.off('error', onError)
      // An error after we are done (a destroyed body) must not be unhandled.
      body.on('error', () => undefined)
    }
    const settle = (error?: unknown): void => {
      if (settled) return
      settled = true
      detach()
      if (error === undefined) resolve()
      else {
        body.destroy()
        reject(error)
      }
    }
    const finish = (error?: unknown): void => {
      if (settled) return
      detach()
      write().then(
        () => settle(error),
        (e: unknown) => settle(error ?? e)
      )
    }
    function onData(chunk: Buffer): void {
      let more: boolean
      try {
        more = sink.push(chunk)
      } catch (e) {
        settle(e)
        return
      }
      if (!more) {
        body.destroy()
        finish()
      } else if (sink.full()) {
        body.pause()
        write().then(
          () => {
            if (!settled) body.resume()
          },
          (e: unknown) => settle(e)
        )
      }
    }
    function onEnd(): void {
      finish()
    }
    function onError(e: unknown): void {
      finish(e)
    }
    body.on('data', onData)
    body.once('end', onEnd)
    body.once('error', onError)
  })
}

/** Gathers chunks and writes them with one writev, at `position` or at the file's offset. */
export class BatchedWrites {
  private pending: Buffer[] = []
  private pendingBytes = 0

  constructor(
    private readonly file: FileHandle,
    private readonly what: string
  ) {}

  get gathered(): number {
    return this.pendingBytes
  }

  add(chunk: Buffer): void {
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
  }

  full(): boolean {
    return this.pendingBytes >= WRITE_BATCH
  }

  /** Writes what was gathered and returns the chunks written, in order. */
  async write(position?: number): Promise<Buffer[]> {
    if (!this.pendingBytes) return []
    const chunks = this.pending
    const bytes = this.pendingBytes
    this.pending = []
    this.pendingBytes = 0
    const { bytesWritten } = await this.file.writev(chunks, position)
    if (bytesWritten !== bytes) throw new Error(`${this.what}: wrote ${bytesWritten} of ${bytes} bytes (disk full?)`)
    return chunks
  }
}
