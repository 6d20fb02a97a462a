/**
 * The body pump both download paths share (src/adapters/body-pump.ts): bytes land in order,
 * in megabyte writes, with the body paused while a write runs; a body that fails keeps what
 * arrived before the failure; a sink that has enough stops the body.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { BatchedWrites, pumpBody, WRITE_BATCH, type ChunkSink } from '../src/adapters/body-pump.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kb-pump-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** 64 KiB chunks of a known pattern, then optionally an error. */
function chunks(count: number, failAfter?: number): { body: Readable; expected: Buffer } {
  const parts = Array.from({ length: count }, (_, i) => Buffer.alloc(64 << 10, i % 251))
  let sent = 0
  const body = new Readable({
    read() {
      if (failAfter !== undefined && sent === failAfter) {
        this.destroy(Object.assign(new Error('socket cut'), { code: 'UND_ERR_SOCKET' }))
        return
      }
      // Asynchronous like a socket, so pausing between chunks matters.
      setImmediate(() => this.push(sent < count ? parts[sent++] : null))
    }
  })
  return { body, expected: Buffer.concat(parts.slice(0, failAfter ?? count)) }
}

/** A sink writing through BatchedWrites, recording each write's size and whether the body was paused then. */
async function recordingSink(path: string, body: Readable, limit = Infinity): Promise<{ sink: ChunkSink; writes: number[]; pausedDuringWrites: boolean[]; close: () => Promise<void> }> {
  const file = await open(path, 'w')
  const batch = new BatchedWrites(file, path)
  const writes: number[] = []
  const pausedDuringWrites: boolean[] = []
  let taken = 0
  const sink: ChunkSink = {
    push(chunk) {
      const room = limit - taken
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk
      batch.add(piece)
      taken += piece.length
      return taken < limit
    },
    full: () => batch.full(),
    async flush() {
      pausedDuringWrites.push(body.isPaused())
      const written = await batch.write()
      if (written.length) writes.push(written.reduce((n, c) => n + c.length, 0))
    }
  }
  return { sink, writes, pausedDuringWrites, close: () => file.close() }
}

test('writes every byte in order, a megabyte at a time, with the body paused during each write', async () => {
  const { body, expected } = chunks(40)
  const path = join(dir, 'whole')
  const { sink, writes, pausedDuringWrites, close } = await recordingSink(path, body)
  await pumpBody(body, sink)
  await close()
  expect(readFileSync(path).equals(expected)).toBe(true)
  // 40 chunks of 64 KiB: two full megabytes, then the 512 KiB left at the end.
  expect(writes).toEqual([WRITE_BATCH, WRITE_BATCH, 8 * (64 << 10)])
  // Every write but the last (after the end) ran with the body paused.
  expect(pausedDuringWrites.slice(0, 2)).toEqual([true, true])
})

test('a body that fails keeps the bytes that arrived before the failure, and fails with its own error', async () => {
  const { body, expected } = chunks(40, 21)
  const path = join(dir, 'cut')
  const { sink, close } = await recordingSink(path, body)
  await expect(pumpBody(body, sink)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' })
  await close()
  expect(readFileSync(path).equals(expected)).toBe(true)
})

test('a sink that has what it needs stops the body there', async () => {
  const { body, expected } = chunks(40)
  const path = join(dir, 'limited')
  const limit = 5 * (64 << 10) + 1000
  const { sink, close } = await recordingSink(path, body, limit)
  await pumpBody(body, sink)
  await close()
  expect(readFileSync(path).equals(expected.subarray(0, limit))).toBe(true)
  expect(body.destroyed).toBe(true)
})

test('a sink that throws fails the pump with that error and writes nothing more', async () => {
  const { body } = chunks(40)
  let flushes = 0
  const sink: ChunkSink = {
    push() {
      throw new Error('more than the descriptor gives')
    },
    full: () => false,
    async flush() {
      flushes++
    }
  }
  await expect(pumpBody(body, sink)).rejects.toThrow('more than the descriptor gives')
  expect(flushes).toBe(0)
  expect(body.destroyed).toBe(true)
})
