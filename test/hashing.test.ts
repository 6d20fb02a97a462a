/**
 * Where downloads are hashed (src/adapters/hashing.ts): on the calling thread, or on a second
 * thread that reads spans back from the file, fed through a ring of records in shared memory.
 * Both must give exactly the digests of the bytes in file order, whatever the piece sizes,
 * however many files are open at once, and however often the ring wraps or fills.
 */
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BalancedHashing, CpuIdleSampler, hashingMode, inlineHashing, OffThreadHashing, type Hashing } from '../src/adapters/hashing.js'

const ALGORITHMS = ['sha256', 'sha512']
const digestsOf = (data: Buffer): Map<string, string> => new Map(ALGORITHMS.map((a) => [a, createHash(a).update(data).digest('hex')]))
/** Descriptors of this process open on `path` (others come and go with jest's own work). */
const openOn = (path: string): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path
    } catch {
      return false // closed while we looked
    }
  }).length

let work: string
let offThread: OffThreadHashing

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kb-hashing-'))
  offThread = new OffThreadHashing()
})

afterAll(async () => {
  await offThread.close()
  rmSync(work, { recursive: true, force: true })
})

describe.each([
  ['on the main thread', (): Hashing => inlineHashing],
  ['on a second thread', (): Hashing => offThread]
])('hashing %s', (_name, hashing) => {
  it('digests several files at once, pieces of every size and spans read back from disk, in file order', async () => {
    // 5 files of 7 MiB, pieces up to 3 MiB, files interleaved.
    const files = Array.from({ length: 5 }, (_, i) => {
      const data = randomBytes(7 << 20)
      const path = join(work, `interleaved-${i}`)
      writeFileSync(path, data)
      const fd = openSync(path, 'r')
      return { data, fd, sink: hashing().open(path, fd, ALGORITHMS), at: 0 }
    })
    let round = 0
    while (files.some((f) => f.at < f.data.length)) {
      for (const f of files) {
        if (f.at >= f.data.length) continue
        const size = Math.min(f.data.length - f.at, 1 + ((round * 7919 + f.fd * 104729) % (3 << 20)))
        // Every third piece (every piece, for a sink that reads everything back) as a span of
        // the file on disk, as a later Range segment would be.
        if (round % 3 === 2 || !f.sink.update) f.sink.fromDisk(f.at, f.at + size)
        else f.sink.update(f.data.subarray(f.at, f.at + size))
        f.at += size
      }
      round++
    }
    const digests = await Promise.all(files.map((f) => f.sink.digest()))
    files.forEach((f, i) => expect(digests[i]).toEqual(digestsOf(f.data)))
    for (const f of files) closeSync(f.fd)
  })

  it('a span past the end of the file fails the digest, naming the file', async () => {
    const path = join(work, 'short')
    writeFileSync(path, randomBytes(1000))
    const fd = openSync(path, 'r')
    const sink = hashing().open(path, fd, ALGORITHMS)
    // On the main thread the read fails at once; on the second thread, at the digest.
    let failure: unknown
    try {
      sink.fromDisk(0, 5000)
      await sink.digest()
    } catch (e) {
      failure = e
    }
    expect(String(failure)).toContain(`${path} ends at 1000 bytes, its segments say 5000`)
    closeSync(fd)
  })

  it('an abandoned file leaves nothing open, and the next files still hash right', async () => {
    const path = join(work, 'abandoned')
    const data = randomBytes(3 << 20)
    writeFileSync(path, data)
    const fd = openSync(path, 'r')
    for (let i = 0; i < 20; i++) {
      const sink = hashing().open(path, fd, ALGORITHMS)
      sink.fromDisk(0, 1 << 20)
      sink.fromDisk(1 << 20, 2 << 20)
      sink.abandon()
    }
    const sink = hashing().open(path, fd, ALGORITHMS)
    sink.fromDisk(0, data.length)
    expect(await sink.digest()).toEqual(digestsOf(data))
    // The second thread opened the file itself for each span; every one of those is closed,
    // and only ours is left.
    expect(openOn(path)).toBe(1)
    closeSync(fd)
  })
})

test('on the main thread, each piece is hashed before update returns: the caller may overwrite it at once', async () => {
  const data = randomBytes(5 << 20)
  const path = join(work, 'reused')
  writeFileSync(path, data)
  const fd = openSync(path, 'r')
  const sink = inlineHashing.open(path, fd, ALGORITHMS)
  const buffer = Buffer.alloc(512 << 10)
  for (let at = 0; at < data.length; at += buffer.length) {
    data.copy(buffer, 0, at, at + buffer.length)
    sink.update?.(buffer.subarray(0, Math.min(buffer.length, data.length - at)))
    buffer.fill(0xee)
  }
  expect(await sink.digest()).toEqual(digestsOf(data))
  closeSync(fd)
})

test('the second thread takes no bytes from memory: the main thread neither hashes nor copies them', () => {
  const path = join(work, 'no-update')
  writeFileSync(path, 'x')
  const fd = openSync(path, 'r')
  const sink = offThread.open(path, fd, ALGORITHMS)
  expect(sink.update).toBeUndefined()
  sink.abandon()
  closeSync(fd)
})

test('the ring wraps and fills many times over: 20,000 spans of one file, and the digest is right', async () => {
  // A span's record is 32 bytes, so 20,000 of them pass through the 64 KiB ring ten times, the
  // main thread waiting for room whenever the thread falls behind. The thread is asleep when
  // they start (it sleeps once it has caught up), and 20,000 × 512 bytes of spans fill the ring
  // long before they add up to a wake: the main thread must wake it to get room.
  const warmUp = join(work, 'warm-up')
  writeFileSync(warmUp, 'x')
  const warmUpFd = openSync(warmUp, 'r')
  const first = offThread.open(warmUp, warmUpFd, ALGORITHMS)
  first.fromDisk(0, 1)
  await first.digest()
  closeSync(warmUpFd)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const data = randomBytes(20_000 * 512)
  const path = join(work, 'many-spans')
  writeFileSync(path, data)
  const fd = openSync(path, 'r')
  const sink = offThread.open(path, fd, ALGORITHMS)
  for (let at = 0; at < data.length; at += 512) sink.fromDisk(at, at + 512)
  expect(await sink.digest()).toEqual(digestsOf(data))
  closeSync(fd)
})

test('a second core balances hashing by the machine\'s load, unless KUBESPRAY_BUNDLE_HASH_THREAD says otherwise', () => {
  expect([1, 2, 3, 8].map((cores) => hashingMode(undefined, cores))).toEqual(['main', 'balanced', 'balanced', 'balanced'])
  expect(hashingMode('', 2)).toBe('balanced')
  expect(hashingMode('1', 1)).toBe('thread')
  expect(hashingMode('0', 8)).toBe('main')
  expect(() => hashingMode('yes', 8)).toThrow('KUBESPRAY_BUNDLE_HASH_THREAD is "yes": set it to 1 (hash on a second thread), 0 (on the main thread) or leave it unset')
})

describe('BalancedHashing', () => {
  const file = (name: string, data: Buffer): { path: string; fd: number } => {
    const path = join(work, name)
    writeFileSync(path, data)
    return { path, fd: openSync(path, 'r') }
  }
  /** Where each opened file went: 'main' sinks take bytes from memory, the thread's do not. */
  const placesOf = (hashing: Hashing, inOrder: boolean[]): string[] =>
    inOrder.map((o, i) => {
      const { path, fd } = file(`placed-${i}`, Buffer.from('x'))
      const sink = hashing.open(path, fd, ALGORITHMS, o)
      sink.abandon()
      closeSync(fd)
      return sink.update ? 'main' : 'thread'
    })

  it('sends every file to the thread while some core idles', () => {
    const balanced = new BalancedHashing(offThread, { saturated: () => false })
    expect(placesOf(balanced, [true, true, true, false])).toEqual(['thread', 'thread', 'thread', 'thread'])
  })

  it('on a busy machine, hashes in-order files in place; split or resumed files go to the thread', () => {
    const balanced = new BalancedHashing(offThread, { saturated: () => true })
    expect(placesOf(balanced, [true, true, false, true, false])).toEqual(['main', 'main', 'thread', 'main', 'thread'])
  })

  it('gives the digests of the bytes, wherever each file went', async () => {
    let busy = true
    const balanced = new BalancedHashing(offThread, { saturated: () => busy })
    // Four files opened while the machine is busy, two after it calms down.
    const files = Array.from({ length: 6 }, (_, i) => {
      const data = randomBytes((1 << 20) + i * 4099)
      const { path, fd } = file(`balanced-${i}`, data)
      busy = i < 4
      return { data, fd, sink: balanced.open(path, fd, ALGORITHMS, true) }
    })
    for (const f of files) {
      // In-order pieces as written, from memory where the sink takes them, else read back.
      for (let at = 0; at < f.data.length; at += 300_000) {
        const end = Math.min(f.data.length, at + 300_000)
        if (f.sink.update) f.sink.update(f.data.subarray(at, end))
        else f.sink.fromDisk(at, end)
      }
    }
    expect(files.map((f) => (f.sink.update ? 'main' : 'thread'))).toEqual(['main', 'main', 'main', 'main', 'thread', 'thread'])
    const digests = await Promise.all(files.map((f) => f.sink.digest()))
    files.forEach((f, i) => expect(digests[i]).toEqual(digestsOf(f.data)))
    for (const f of files) closeSync(f.fd)
  })
})

describe('CpuIdleSampler', () => {
  /** Two cores whose idle and busy ms the test moves on, and a clock it sets. */
  const machine = () => {
    const state = { now: 0, idle: 0, busy: 0 }
    const times = () => [0, 1].map(() => ({ idle: state.idle / 2, user: state.busy / 2, nice: 0, sys: 0, irq: 0 }))
    return { state, sampler: new CpuIdleSampler(times, () => state.now) }
  }

  it('says saturated once a full window passes with idle below a tenth of the cores\' time', () => {
    const { state, sampler } = machine()
    // 200 core-ms in 100 ms, 10 of them idle: 5 %.
    Object.assign(state, { now: 100, idle: 10, busy: 190 })
    expect(sampler.saturated()).toBe(true)
    // Next window: 60 of 200 idle.
    Object.assign(state, { now: 200, idle: 70, busy: 330 })
    expect(sampler.saturated()).toBe(false)
  })

  it('keeps the last full window\'s verdict until the next window ends', () => {
    const { state, sampler } = machine()
    // Before a first window has passed: not saturated, whatever the counters say.
    Object.assign(state, { now: 50, idle: 0, busy: 100 })
    expect(sampler.saturated()).toBe(false)
    Object.assign(state, { now: 120, idle: 0, busy: 240 })
    expect(sampler.saturated()).toBe(true)
    // 60 ms later, all of it idle: the window is not over, the verdict holds.
    Object.assign(state, { now: 180, idle: 120, busy: 240 })
    expect(sampler.saturated()).toBe(true)
    Object.assign(state, { now: 230, idle: 200, busy: 260 })
    expect(sampler.saturated()).toBe(false)
  })

  it('a machine that reports no cores is never saturated', () => {
    const sampler = new CpuIdleSampler(() => [], (() => {
      let now = 0
      return () => (now += 1000)
    })())
    expect([sampler.saturated(), sampler.saturated()]).toEqual([false, false])
  })
})
