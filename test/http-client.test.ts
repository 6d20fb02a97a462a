/**
 * The run's HTTP client is made on its first request (src/adapters/http/client.ts): a pull
 * (`images`, `files`) that needs nothing but GETs through our own reader never loads undici.
 */
import type { Dispatcher } from 'undici'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHttpClient, LazyHttpClient, type HttpClient } from '../src/adapters/http/client.js'
import type { LookupFunction } from 'node:net'
import { describeRetry, onRetry, REFUSED_RETRY_DELAY_MS, retryNotice } from '../src/adapters/http/retry-policy.js'

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

describe("undici's retries follow the same policy as our reader (API calls, uploads, a proxy's bulk GETs)", () => {
  const options = { connectionsPerHost: 2, retries: 3, minRetryDelayMs: 10, idleTimeoutMs: 5000 }

  it('a refused connection: one quick retry, announced, then the error', async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((r) => server.close(() => r()))
    const http = createHttpClient(options)
    const notices: string[] = []
    const stop = onRetry((n) => notices.push(describeRetry(n)))
    try {
      const started = Date.now()
      await expect(http.request({ origin: `http://127.0.0.1:${port}`, path: '/repos', method: 'GET' })).rejects.toMatchObject({ code: 'ECONNREFUSED' })
      expect(Date.now() - started).toBeGreaterThanOrEqual(REFUSED_RETRY_DELAY_MS - 10)
      expect(Date.now() - started).toBeLessThan(REFUSED_RETRY_DELAY_MS + 500)
      expect(notices).toEqual([`retry 1/1 after ECONNREFUSED: 127.0.0.1:${port}`])
    } finally {
      stop()
      await http.close()
    }
  })

  it('no DNS server answering (EAI_AGAIN): one quick retry, announced, then one line naming the host and what to check', async () => {
    const noAnswer: LookupFunction = (hostname, _options, callback) =>
      setImmediate(() => callback(Object.assign(new Error(`getaddrinfo EAI_AGAIN ${hostname}`), { code: 'EAI_AGAIN', hostname }), '', 4))
    const http = createHttpClient({ ...options, minRetryDelayMs: 500, lookup: noAnswer })
    const notices: string[] = []
    const stop = onRetry((n) => notices.push(describeRetry(n)))
    try {
      const started = Date.now()
      await expect(http.request({ origin: 'https://api.example.org', path: '/repos', method: 'GET' })).rejects.toMatchObject({
        code: 'EAI_AGAIN',
        message: 'api.example.org: no DNS server answered (EAI_AGAIN): check /etc/resolv.conf, or use --mirror'
      })
      expect(Date.now() - started).toBeLessThan(REFUSED_RETRY_DELAY_MS + 500)
      expect(notices).toEqual(['retry 1/1 after EAI_AGAIN: api.example.org'])
    } finally {
      stop()
      await http.close()
    }
  })

  it('a 503 then a 200: each retry announced with its count', async () => {
    let hits = 0
    const server = createServer((_req, res) => (++hits < 3 ? res.writeHead(503).end('busy') : res.writeHead(200).end('ok')))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as AddressInfo
    const http = createHttpClient(options)
    const notices: string[] = []
    const stop = onRetry((n) => notices.push(describeRetry(n)))
    try {
      const res = await http.request({ origin: `http://127.0.0.1:${port}`, path: '/tags', method: 'GET' })
      expect(res.statusCode).toBe(200)
      expect(await res.body.text()).toBe('ok')
      expect(notices).toEqual([`retry 1/3 after 503: 127.0.0.1:${port}`, `retry 2/3 after 503: 127.0.0.1:${port}`])
    } finally {
      stop()
      await http.close()
      server.close()
    }
  })
})

test('a retry notice names the host of a source id without a scheme (a blob), and an id with no host whole', () => {
  const notice = (id: string): string => retryNotice(id, { code: 'ECONNRESET' }, 0, { retries: 3, minRetryDelayMs: 0 }, 0).host
  expect(notice('registry.local:5000/lib/x@sha256:abc')).toBe('registry.local:5000')
  expect(notice('quay.io/coreos/etcd@sha256:abc')).toBe('quay.io')
  expect(notice('localhost/lib/x@sha256:abc')).toBe('localhost')
  expect(notice('https://dl.k8s.io/release/v1.33.1/bin/linux/amd64/kubelet')).toBe('dl.k8s.io')
  expect(notice('example/nightly@kubespray-bundle-images-1.tar')).toBe('example/nightly@kubespray-bundle-images-1.tar')
})
