/**
 * index.json's best-effort rewrites during an `images` run (coalesced in src/pipeline/images.ts):
 * requests that come while a write runs make one more write, not one each.
 */
import { coalesced } from '../src/pipeline/images.js'

/** A write that stays open until the test finishes it. */
function controlledWrites(): { write: () => Promise<void>; started: number; finish: (error?: Error) => void; running: () => number } {
  const open: Array<(error?: Error) => void> = []
  const state = {
    started: 0,
    write: (): Promise<void> => {
      state.started++
      return new Promise<void>((resolve, reject) => open.push((error) => (error ? reject(error) : resolve())))
    },
    finish: (error?: Error): void => (open.shift() as (error?: Error) => void)(error),
    running: (): number => open.length
  }
  return state
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r))

test('requests while a write runs make one more write after it, however many came', async () => {
  const w = controlledWrites()
  const writes = coalesced(w.write)
  writes.request()
  for (let i = 0; i < 40; i++) writes.request()
  expect(w.started).toBe(1)
  w.finish()
  await turn()
  expect(w.started).toBe(2)
  expect(w.running()).toBe(1)
  let settled = false
  void writes.settled().then(() => (settled = true))
  await turn()
  expect(settled).toBe(false)
  w.finish()
  await turn()
  expect(settled).toBe(true)
  expect(w.started).toBe(2)
  // Idle again: the next request writes at once.
  writes.request()
  expect(w.started).toBe(3)
  w.finish()
  await writes.settled()
})

test('a failed write neither stops the writes after it nor fails settled()', async () => {
  const w = controlledWrites()
  const writes = coalesced(w.write)
  writes.request()
  writes.request()
  w.finish(new Error('disk full'))
  await turn()
  expect(w.started).toBe(2)
  w.finish()
  await expect(writes.settled()).resolves.toBeUndefined()
})
