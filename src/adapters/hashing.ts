/**
 * Where a download's bytes are hashed. sha256 costs 0.6-0.7 s of CPU per GB, as much as the
 * socket reads and file writes of the same bytes together, and all three used to share the main
 * thread: with a core free, hashing on a second thread lets the main thread only move bytes
 * (docs/decisions.md §10).
 *
 * Each file gets a DigestSink. Spans of the partial file that continue the hashed prefix are
 * handed over once written (`fromDisk`); where the hashing is on this thread, bytes in order may
 * also be handed over from memory as they are written (`update`), while still in the CPU's
 * cache. Calls are taken in order, so the digest is that of the bytes in file order.
 *
 * - inlineHashing hashes on the calling thread: one core, a thread that cannot start, or a file
 *   BalancedHashing keeps in place.
 * - OffThreadHashing hands spans to a worker thread through a ring of small records in shared
 *   memory; the thread reads each span back from the partial file (the page cache, where the
 *   bytes were just written) and hashes it. The main thread neither hashes nor copies a byte.
 * - BalancedHashing (the default with two cores or more) chooses per file between the two by
 *   the machine's load: the read-back is worth its CPU only where a core idles.
 */
import { createHash } from 'node:crypto'
import { readSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'
import { Worker } from 'node:worker_threads'

export interface DigestSink {
  /**
   * Bytes that continue the hashed prefix; `piece` may be reused once this returns. Absent
   * where every byte is read back from the partial file instead (the second thread).
   */
  update?(piece: Uint8Array): void
  /** Bytes [from, to) of the partial file, already written there, hashed from disk. */
  fromDisk(from: number, to: number): void
  /** Hex digest per algorithm, once every byte handed over is hashed. */
  digest(): Promise<Map<string, string>>
  /** The download failed: nothing more comes, no digest is wanted. */
  abandon(): void
}

export interface Hashing {
  /**
   * A sink for the partial file at `path`, open for reading at `fd` in this thread.
   * `inOrder`: the file's bytes will arrive from byte 0 on, over one connection, so they can be
   * hashed as they are written; false for a split or resumed file, much of which is read back.
   */
  open(path: string, fd: number, algorithms: string[], inOrder?: boolean): DigestSink
}

/**
 * How much is read back from disk at a time: small enough that the copy stays in the core's L2
 * cache (2 MiB here) for the hash to read. 1 MiB against the 4 MiB it was, paired on a busy
 * machine, three sessions of 8 rounds: `images` uncapped -2 %, -2 %, -7 % (CPU -0.04 to -0.2 s).
 */
const READ_BACK = 1 << 20

let readBackBuffer: Buffer | undefined
/**
 * One read-back buffer for the thread: reads and hashes run synchronously, so no two files use
 * it at once, and a buffer per file would count as external memory that V8 answers with a full
 * collection every few dozen files.
 */
function sharedReadBackBuffer(): Buffer {
  readBackBuffer ??= Buffer.allocUnsafe(READ_BACK)
  return readBackBuffer
}

export const inlineHashing: Hashing = {
  open(path, fd, algorithms) {
    const hashes = algorithms.map((a) => [a, createHash(a)] as const)
    return {
      update(piece) {
        for (const [, h] of hashes) h.update(piece)
      },
      fromDisk(from, to) {
        const buffer = sharedReadBackBuffer()
        for (let at = from; at < to; ) {
          // From the page cache, where these bytes were just written.
          const n = readSync(fd, buffer, 0, Math.min(buffer.length, to - at), at)
          if (n === 0) throw new Error(`${path} ends at ${at} bytes, its segments say ${to}`)
          for (const [, h] of hashes) h.update(buffer.subarray(0, n))
          at += n
        }
      },
      digest: () => Promise.resolve(new Map(hashes.map(([a, h]) => [a, h.digest('hex')]))),
      abandon: () => undefined
    }
  }
}

// ---- the ring: records [kind, file id, payload length, 0] (4 × int32) + payload, 8-aligned ----

/**
 * Records are small (a span is 32 bytes, a file's opening its path), so 64 KiB holds ~2,000 of
 * them: a thread that far behind (a span is 1 MiB or more) makes the main thread wait for room,
 * which holds back the sockets as a slow disk would.
 */
const RING_BYTES = 64 << 10
const HEADER = 16
/** Indexes into the control words. Positions are byte counts that wrap at 2^32. */
const WRITE = 0
const READ = 1
const FAILED = 2
/** Set by the thread while it sleeps for records; set by this side while it waits for room. */
const THREAD_ASLEEP = 3
const WAITING_FOR_ROOM = 4
/**
 * A sleeping thread is woken once this many bytes of spans wait for it (or a digest is wanted,
 * a file is abandoned, or the ring fills), and a busy one is not notified at all: each wake is
 * a futex call and, with every core busy, a context switch that preempts whoever the thread
 * lands on. With the thread-pool round trips of small writes gone too (fs-atomic.ts), a pull
 * of 1.5 GB makes 724 futex calls instead of 2,862. 4 MiB is 4 ms of hashing: a digest asked
 * for waits no longer than that for spans held back.
 */
const WAKE_AFTER_BYTES = 4 << 20

/** Record kinds (the hashing thread below spells them as numbers). */
const Kind = { open: 1, fromDisk: 3, finish: 4, abandon: 5 } as const
type Kind = (typeof Kind)[keyof typeof Kind]

type Reply = { id: number; digests: [string, string][] } | { id: number; error: string }

/** A full ring that has not moved for this long means the hashing thread is stuck. */
const STALL_LIMIT_MS = 60_000

export class OffThreadHashing implements Hashing {
  private readonly ring = new Uint8Array(new SharedArrayBuffer(RING_BYTES))
  private readonly control = new Int32Array(new SharedArrayBuffer(5 * 4))
  private readonly header = new Int32Array(HEADER / 4)
  private readonly headerBytes = new Uint8Array(this.header.buffer)
  private thread: Worker | undefined
  private readonly waiting = new Map<number, { resolve(d: Map<string, string>): void; reject(e: Error): void }>()
  private written = 0
  /** Bytes of spans sent since the thread was last woken. */
  private unwoken = 0
  private nextId = 1
  private broken: Error | undefined

  /** Started with the first file: a run with nothing to download starts no thread. */
  private ensureThread(): Worker {
    if (this.thread) return this.thread
    const worker = new Worker(`(${hashingThread.toString()})()`, { eval: true, workerData: { ring: this.ring.buffer, control: this.control.buffer, readBack: READ_BACK } })
    worker.on('message', (reply: Reply) => this.settle(reply))
    worker.on('error', (e: Error) => this.fail(new Error(`the hashing thread failed: ${e.message}`)))
    worker.on('exit', (code) => this.fail(new Error(`the hashing thread exited (code ${code})`)))
    // Idle, the thread does not keep the process alive; it does while a digest is awaited. After
    // the listeners: adding a 'message' listener refs the thread again.
    worker.unref()
    return (this.thread = worker)
  }

  open(path: string, fd: number, algorithms: string[]): DigestSink {
    // Files in flight when the thread failed fail with it; later ones are hashed here.
    if (this.broken) return inlineHashing.open(path, fd, algorithms)
    const id = this.nextId++
    try {
      this.ensureThread()
      this.send(Kind.open, id, new TextEncoder().encode(JSON.stringify({ path, algorithms })))
    } catch {
      return inlineHashing.open(path, fd, algorithms)
    }
    let finished = false
    const span = new Float64Array(2)
    return {
      fromDisk: (from, to) => {
        span[0] = from
        span[1] = to
        this.unwoken += to - from
        this.send(Kind.fromDisk, id, new Uint8Array(span.buffer), this.unwoken >= WAKE_AFTER_BYTES)
      },
      digest: () => {
        finished = true
        return new Promise<Map<string, string>>((resolve, reject) => {
          if (this.broken) return reject(this.broken)
          this.waiting.set(id, { resolve, reject })
          this.ensureThread().ref()
          this.send(Kind.finish, id, undefined, true)
        })
      },
      abandon: () => {
        if (finished || this.broken) return
        finished = true
        // Called on the way out of a failed download: the failure to report is that one.
        try {
          this.send(Kind.abandon, id, undefined, true) // so the thread closes the file now
        } catch {
          // the thread is gone, and the file with it
        }
      }
    }
  }

  /**
   * Copies a record into the ring, waiting for room (the hashing thread frees it as it goes).
   * `wake`: a sleeping thread must take it now; other records wait for the next wake.
   */
  private send(kind: Kind, id: number, payload?: Uint8Array, wake = false): void {
    const length = payload?.length ?? 0
    const size = HEADER + ((length + 7) & ~7)
    this.waitForRoom(size)
    this.header[0] = kind
    this.header[1] = id
    this.header[2] = length
    this.copyIn(this.written, this.headerBytes)
    if (payload) this.copyIn(this.written + HEADER, payload)
    this.written = (this.written + size) | 0
    Atomics.store(this.control, WRITE, this.written)
    if (wake) this.wakeThread()
  }

  /** Only a sleeping thread is notified: a busy one finds the record when it looks. */
  private wakeThread(): void {
    this.unwoken = 0
    if (Atomics.load(this.control, THREAD_ASLEEP)) Atomics.notify(this.control, WRITE)
  }

  private waitForRoom(size: number): void {
    let stalledSince: number | undefined
    for (;;) {
      if (this.broken) throw this.broken
      if (Atomics.load(this.control, FAILED)) throw this.fail(new Error('the hashing thread failed'))
      const read = Atomics.load(this.control, READ)
      if (RING_BYTES - ((this.written - read) | 0) >= size) return
      this.wakeThread()
      Atomics.store(this.control, WAITING_FOR_ROOM, 1)
      const outcome = Atomics.wait(this.control, READ, read, 1000)
      Atomics.store(this.control, WAITING_FOR_ROOM, 0)
      if (outcome === 'timed-out') {
        stalledSince ??= Date.now()
        if (Date.now() - stalledSince > STALL_LIMIT_MS) throw this.fail(new Error(`the hashing thread made no progress for ${STALL_LIMIT_MS / 1000} s`))
      } else stalledSince = undefined
    }
  }

  private copyIn(position: number, bytes: Uint8Array): void {
    const at = position & (RING_BYTES - 1)
    const first = Math.min(bytes.length, RING_BYTES - at)
    this.ring.set(bytes.subarray(0, first), at)
    if (first < bytes.length) this.ring.set(bytes.subarray(first), 0)
  }

  private settle(reply: Reply): void {
    const waiter = this.waiting.get(reply.id)
    if (!waiter) return
    this.waiting.delete(reply.id)
    if (this.waiting.size === 0) this.thread?.unref()
    if ('error' in reply) waiter.reject(new Error(reply.error))
    else waiter.resolve(new Map(reply.digests))
  }

  private fail(error: Error): Error {
    this.broken ??= error
    for (const waiter of this.waiting.values()) waiter.reject(this.broken)
    this.waiting.clear()
    return this.broken
  }

  /** Stops the thread (tests; a process that exits stops it anyway). */
  async close(): Promise<void> {
    this.fail(new Error('hashing was closed'))
    await this.thread?.terminate()
  }
}

/**
 * The hashing thread, run from its source text (so the bundles need no second file): it must
 * not refer to anything outside itself. It waits on the ring's write position, takes records in
 * order and frees each one's room as soon as it is hashed.
 */
function hashingThread(): void {
  const { workerData, parentPort } = require('node:worker_threads') as typeof import('node:worker_threads')
  const { createHash } = require('node:crypto') as typeof import('node:crypto')
  const { openSync, readSync, closeSync, constants } = require('node:fs') as typeof import('node:fs')
  const ring = new Uint8Array(workerData.ring as SharedArrayBuffer)
  const RING = ring.length
  const control = new Int32Array(workerData.control as SharedArrayBuffer)
  const header = new Int32Array(4)
  const headerBytes = new Uint8Array(header.buffer)
  const span = new Float64Array(2)
  const spanBytes = new Uint8Array(span.buffer)
  const readBack = Buffer.allocUnsafe(workerData.readBack as number)
  interface File {
    path: string
    hashes: [string, import('node:crypto').Hash][]
    fd?: number
    error?: string
  }
  const files = new Map<number, File>()

  /** Copies ring bytes out (header, span, open payload), across the wrap. */
  const copyOut = (position: number, into: Uint8Array, length = into.length): void => {
    const at = position & (RING - 1)
    const first = Math.min(length, RING - at)
    into.set(ring.subarray(at, at + first), 0)
    if (first < length) into.set(ring.subarray(0, length - first), first)
  }
  const hashFromDisk = (file: File, from: number, to: number): void => {
    file.fd ??= openSync(file.path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
    for (let at = from; at < to; ) {
      const n = readSync(file.fd, readBack, 0, Math.min(readBack.length, to - at), at)
      if (n === 0) throw new Error(`${file.path} ends at ${at} bytes, its segments say ${to}`)
      for (const [, h] of file.hashes) h.update(readBack.subarray(0, n))
      at += n
    }
  }
  const close = (id: number, file: File): void => {
    if (file.fd !== undefined) closeSync(file.fd)
    files.delete(id)
  }
  const take = (position: number): number => {
    copyOut(position, headerBytes)
    const [kind, id, length] = header
    const payload = position + 16
    const file = files.get(id)
    if (kind === 1) {
      const open = JSON.parse(new TextDecoder().decode(Uint8Array.from({ length }, (_, i) => ring[(payload + i) & (RING - 1)]))) as { path: string; algorithms: string[] }
      files.set(id, { path: open.path, hashes: open.algorithms.map((a) => [a, createHash(a)]) })
    } else if (file && !file.error) {
      try {
        if (kind === 3) {
          copyOut(payload, spanBytes)
          hashFromDisk(file, span[0], span[1])
        }
      } catch (e) {
        file.error = e instanceof Error ? e.message : String(e)
      }
    }
    if (file && kind === 4) {
      parentPort?.postMessage(file.error ? { id, error: file.error } : { id, digests: file.hashes.map(([a, h]) => [a, h.digest('hex')]) })
      close(id, file)
    } else if (file && kind === 5) close(id, file)
    return (position + 16 + ((length + 7) & ~7)) | 0
  }

  let read = 0
  try {
    for (;;) {
      const written = Atomics.load(control, 0)
      if (written === read) {
        // The flag is set before the wait, which returns at once if a record came meanwhile.
        Atomics.store(control, 3, 1)
        Atomics.wait(control, 0, read)
        Atomics.store(control, 3, 0)
        continue
      }
      while (read !== written) {
        read = take(read)
        Atomics.store(control, 1, read)
        if (Atomics.load(control, 4)) Atomics.notify(control, 1)
      }
    }
  } catch (e) {
    Atomics.store(control, 2, 1)
    Atomics.notify(control, 1)
    throw e
  }
}

/** Whether every core of the machine has been busy lately. */
export interface MachineLoad {
  saturated(): boolean
}

/** Per-core CPU times in ms, as os.cpus() gives them. */
type CpuTimes = () => { idle: number; user: number; nice: number; sys: number; irq: number }[]

interface CpuSample {
  at: number
  idle: number
  total: number
}

/**
 * Idle time across every core, from os.cpus(), over windows of at least `windowMs`; the verdict
 * of the last full window holds until the next one ends. Saturated: idle below `idleBelow` of
 * the window's core time. Before a first window has passed it answers "not saturated", the
 * choice that was every file's before this sampler existed.
 */
export class CpuIdleSampler implements MachineLoad {
  private since: CpuSample
  private verdict = false

  constructor(
    private readonly times: CpuTimes = () => cpus().map((c) => c.times),
    private readonly now: () => number = () => performance.now(),
    private readonly windowMs = 100,
    private readonly idleBelow = 0.1
  ) {
    this.since = this.sample()
  }

  saturated(): boolean {
    const at = this.now()
    if (at - this.since.at < this.windowMs) return this.verdict
    const next = this.sample()
    const total = next.total - this.since.total
    // No cores reported (a sandbox without /proc/stat): never saturated, as before.
    this.verdict = total > 0 && (next.idle - this.since.idle) / total < this.idleBelow
    this.since = next
    return this.verdict
  }

  private sample(): CpuSample {
    let idle = 0
    let total = 0
    for (const t of this.times()) {
      idle += t.idle
      total += t.idle + t.user + t.nice + t.sys + t.irq
    }
    return { at: this.now(), idle, total }
  }
}

/**
 * The second thread where some core idles; where none does, every in-order file is hashed in
 * place. Reading bytes back on the thread costs CPU of its own (~0.13 s per GB here), worth
 * paying only with cycles nobody else wants: with the registry and its door busy on the same two
 * cores, every cycle is someone's, and a file hashed as it is written, still in the main
 * thread's cache, costs the hash alone. Split and resumed files always go to the thread, which
 * reads most of them back either way, and keeps the main thread from becoming the run's limit:
 * hashing those in place too measured 1.48x curl against 1.45x. Every other in-order file in
 * place, as a first version did, used 0.07-0.14 s more CPU a run for the same wall time
 * (docs/decisions.md §10).
 */
export class BalancedHashing implements Hashing {
  constructor(
    private readonly thread: Hashing,
    private readonly load: MachineLoad = new CpuIdleSampler()
  ) {}

  open(path: string, fd: number, algorithms: string[], inOrder = false): DigestSink {
    if (inOrder && this.load.saturated()) return inlineHashing.open(path, fd, algorithms)
    return this.thread.open(path, fd, algorithms)
  }
}

let shared: Hashing | undefined

/**
 * Where there is a second core, the hashing thread, balanced with the main thread by the
 * machine's load (BalancedHashing); else this thread. Reading back on the thread, against the
 * previous rule (files on one connection hashed in place, split ones on the thread; 8 rounds,
 * uncapped, 2 cores): `files` 1.66 -> 1.41 s where nginx's sendfile leaves a core spare. Feeding
 * in-order bytes through a 2 MiB ring of data instead, as a first version did, cost the main
 * thread the copy, more than hashing them in place (docs/decisions.md §10).
 * KUBESPRAY_BUNDLE_HASH_THREAD=1 or 0 puts every file on the thread or on the main thread
 * (measurements, odd machines).
 */
export function defaultHashing(): Hashing {
  if (!shared) {
    const mode = hashingMode(process.env.KUBESPRAY_BUNDLE_HASH_THREAD, availableParallelism())
    shared = mode === 'main' ? inlineHashing : mode === 'thread' ? new OffThreadHashing() : new BalancedHashing(new OffThreadHashing())
  }
  return shared
}

export type HashingMode = 'main' | 'thread' | 'balanced'

export function hashingMode(forced: string | undefined, cores: number): HashingMode {
  if (forced === undefined || forced === '') return cores >= 2 ? 'balanced' : 'main'
  if (forced === '1') return 'thread'
  if (forced === '0') return 'main'
  throw new Error(`KUBESPRAY_BUNDLE_HASH_THREAD is ${JSON.stringify(forced)}: set it to 1 (hash on a second thread), 0 (on the main thread) or leave it unset`)
}
