// Micro-benchmark: the CPU of three ways to verify and write the same bytes, 1,500 MiB in 150 files
// of 512 KiB pieces, with no network (a copy from memory stands in for the socket read):
//   local     one thread: copy in, hash in place, pwrite;
//   writer    the main thread copies in and hashes in place, a second thread pwrites each piece
//             from shared memory (the design that would spare the read-back);
//   readback  the main thread copies in and pwrites, a second thread reads each file back from
//             the page cache and hashes it (what OffThreadHashing does).
// process.cpuUsage() counts every thread. On a machine whose cores the servers keep busy, wall
// time follows total CPU, so CPU is the figure to compare (docs/decisions.md §10, eighth pass).
// Usage: node bench/hash-placement.mjs local|writer|readback [DIR] (default /var/tmp/kb-hash-placement)
import { createHash, randomFillSync } from 'node:crypto'
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { isMainThread, Worker, workerData } from 'node:worker_threads'

const PIECE = 512 << 10
const SLOTS = 8
const FILES = 150
const FILE_SIZE = (1500 << 20) / FILES
// Per slot in shared memory: fd, file offset, length, full (1) or free (0).
const FD = 0, POS = 1, LEN = 2, FULL = 3

if (isMainThread) await main(process.argv[2], process.argv[3] ?? '/var/tmp/kb-hash-placement')
else runSecondThread(workerData)

async function main(mode, dir) {
  if (!['local', 'writer', 'readback'].includes(mode)) {
    console.error(`bench/hash-placement.mjs: unknown mode ${JSON.stringify(mode)}; usage: node bench/hash-placement.mjs local|writer|readback [DIR]`)
    process.exit(2)
  }
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const source = randomFillSync(Buffer.alloc(4 << 20))
  const pieces = new SharedArrayBuffer(PIECE * SLOTS)
  const slots = new Int32Array(new SharedArrayBuffer(SLOTS * 16))
  const handoff = new Int32Array(new SharedArrayBuffer(16)) // readback: fd, size, busy
  const worker = mode === 'local' ? undefined : new Worker(new URL(import.meta.url), { workerData: { mode, pieces, slots, handoff } })
  if (worker) await new Promise((resolve) => worker.once('online', resolve))

  const before = process.cpuUsage()
  const started = performance.now()
  const own = Buffer.allocUnsafe(PIECE)
  let slot = 0
  let from = 0
  for (let f = 0; f < FILES; f++) {
    const fd = openSync(join(dir, String(f)), 'w+')
    const hash = mode === 'readback' ? undefined : createHash('sha256')
    for (let pos = 0; pos < FILE_SIZE; pos += PIECE) {
      const len = Math.min(PIECE, FILE_SIZE - pos)
      let piece = own.subarray(0, len)
      if (mode === 'writer') {
        waitWhile(slots, slot * 4 + FULL, 1)
        piece = Buffer.from(pieces, slot * PIECE, len)
      }
      source.copy(piece, 0, from, from + len) // the socket read
      from = (from + len) % (source.length - PIECE)
      hash?.update(piece)
      if (mode === 'writer') {
        slots.set([fd, pos, len], slot * 4)
        Atomics.store(slots, slot * 4 + FULL, 1)
        Atomics.notify(slots, slot * 4 + FULL)
        slot = (slot + 1) % SLOTS
      } else writeSync(fd, piece, 0, len, pos)
    }
    hash?.digest('hex')
    if (mode === 'writer') for (let s = 0; s < SLOTS; s++) waitWhile(slots, s * 4 + FULL, 1)
    if (mode === 'readback') {
      handoff.set([fd, FILE_SIZE], 0)
      Atomics.store(handoff, 2, 1)
      Atomics.notify(handoff, 2)
      waitWhile(handoff, 2, 1)
    }
    closeSync(fd)
  }
  const cpu = process.cpuUsage(before)
  const wall = performance.now() - started
  console.log(`${mode.padEnd(9)} wall ${wall.toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)}, sys ${(cpu.system / 1e6).toFixed(2)})`)
  await worker?.terminate()
  rmSync(dir, { recursive: true, force: true })
}

function waitWhile(words, index, value) {
  while (Atomics.load(words, index) === value) Atomics.wait(words, index, value, 50)
}

function runSecondThread({ mode, pieces, slots, handoff }) {
  if (mode === 'writer') writeFromSlots(pieces, slots)
  else readBackAndHash(handoff)
}

/** Writes each full slot where its record says, then frees it. Runs until terminated. */
function writeFromSlots(pieces, slots) {
  for (let slot = 0; ; slot = (slot + 1) % SLOTS) {
    waitWhile(slots, slot * 4 + FULL, 0)
    const len = slots[slot * 4 + LEN]
    writeSync(slots[slot * 4 + FD], Buffer.from(pieces, slot * PIECE, len), 0, len, slots[slot * 4 + POS])
    Atomics.store(slots, slot * 4 + FULL, 0)
    Atomics.notify(slots, slot * 4 + FULL)
  }
}

/** Reads each handed-over file back and hashes it, then hands it back. Runs until terminated. */
function readBackAndHash(handoff) {
  const back = Buffer.allocUnsafe(1 << 20) // as OffThreadHashing: fits the core's L2
  for (;;) {
    waitWhile(handoff, 2, 0)
    const [fd, size] = handoff
    const hash = createHash('sha256')
    for (let at = 0; at < size; ) {
      const n = readSync(fd, back, 0, Math.min(back.length, size - at), at)
      hash.update(back.subarray(0, n))
      at += n
    }
    hash.digest('hex')
    Atomics.store(handoff, 2, 0)
    Atomics.notify(handoff, 2)
  }
}
