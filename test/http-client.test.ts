/**
 * The run's HTTP client is made on its first request (src/adapters/http/client.ts): a pull
 * (`images`, `files`) that needs nothing but GETs through our own reader never loads undici.
 */
import type { Dispatcher } from 'undici'
import { LazyHttpClient, type HttpClient } from '../src/adapters/http/client.js'

function countingFactory(): { make: () => Promise<HttpClient>; made: () => number; closed: () => number } {
  let made = 0
  let closed = 0
  const client: HttpClient = {
    request: async () => ({ statusCode: 204 }) as unknown as Dispatcher.ResponseData,
    close: async () => void closed++
  }
  return {
    make: async () => {
      made++
      return client
    },
    made: () => made,
    closed: () => closed
  }
}

test('nothing is made until the first request, and once for requests that come together', async () => {
  const f = countingFactory()
  const http = new LazyHttpClient(f.make)
  expect(f.made()).toBe(0)
  const answers = await Promise.all([1, 2, 3].map(() => http.request({ origin: 'http://127.0.0.1:1', path: '/', method: 'GET' })))
  expect(answers.map((a) => a.statusCode)).toEqual([204, 204, 204])
  expect(f.made()).toBe(1)
  await http.close()
  expect(f.closed()).toBe(1)
})

test('closing a client that never made a request makes none', async () => {
  const f = countingFactory()
  const http = new LazyHttpClient(f.make)
  await http.close()
  expect(f.made()).toBe(0)
  expect(f.closed()).toBe(0)
})

test('a client that cannot be made fails its requests with the reason', async () => {
  const http = new LazyHttpClient(async () => {
    throw new Error('no undici here')
  })
  await expect(http.request({ origin: 'http://127.0.0.1:1', path: '/', method: 'GET' })).rejects.toThrow('no undici here')
})
