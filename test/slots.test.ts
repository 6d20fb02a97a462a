/**
 * The connection budget shared by every download (src/adapters/http/slots.ts): who gets the
 * next free connection.
 */
import { PrioritySlots } from '../src/adapters/http/slots.js'

/** Queues `who` on the pool; records the order slots are granted in, releasing each at once. */
function queue(slots: PrioritySlots, order: string[], who: string, priority: 'segment' | 'file', size?: number): Promise<void> {
  return slots.acquire(priority, size).then((release) => {
    order.push(who)
    release()
  })
}

test('segments of started files first, then files above the threshold largest first, then the rest in their order', async () => {
  const slots = new PrioritySlots(1, 15)
  const hold = await slots.acquire('file')
  const order: string[] = []
  const all = [
    queue(slots, order, '10 B', 'file', 10),
    queue(slots, order, 'unknown a', 'file'),
    queue(slots, order, '30 B', 'file', 30),
    queue(slots, order, '20 B first', 'file', 20),
    queue(slots, order, 'segment', 'segment'),
    queue(slots, order, 'unknown b', 'file'),
    queue(slots, order, '20 B second', 'file', 20),
    queue(slots, order, '15 B', 'file', 15),
    queue(slots, order, '0 B', 'file', 0)
  ]
  expect(order).toEqual([])
  hold()
  await Promise.all(all)
  expect(order).toEqual(['segment', '30 B', '20 B first', '20 B second', '10 B', 'unknown a', 'unknown b', '15 B', '0 B'])
})

test('without a threshold, new files keep their order', async () => {
  const slots = new PrioritySlots(1)
  const hold = await slots.acquire('file')
  const order: string[] = []
  const all = [queue(slots, order, 'small', 'file', 1), queue(slots, order, 'huge', 'file', 1 << 30), queue(slots, order, 'unknown', 'file')]
  hold()
  await Promise.all(all)
  expect(order).toEqual(['small', 'huge', 'unknown'])
})

test('never grants more slots than it has, and a release twice frees one slot', async () => {
  const slots = new PrioritySlots(2)
  const a = await slots.acquire('file', 5)
  await slots.acquire('file', 5)
  let third = false
  const pending = slots.acquire('file', 5).then(() => (third = true))
  await new Promise((r) => setImmediate(r))
  expect(third).toBe(false)
  a()
  a()
  await pending
  let fourth = false
  void slots.acquire('file', 5).then(() => (fourth = true))
  await new Promise((r) => setImmediate(r))
  expect(fourth).toBe(false)
})
