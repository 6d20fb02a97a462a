// The simplest verified download Node can do, as a yardstick for ours: every url of a list,
// 8 at a time (as curl -Z --parallel-max 8), with undici's request(), each body hashed
// (sha256) as it streams and written a megabyte at a time (one writev). No resume, no
// segments, no progress, no layout: what is left is the cost of Node's own I/O.
// Usage: node bench/node-download.mjs URLS_FILE OUT_DIR
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { Agent, request } from 'undici'

const [list, out] = process.argv.slice(2)
const urls = readFileSync(list, 'utf8').split('\n').filter(Boolean)
const agent = new Agent({ connections: 8 })
mkdirSync(out, { recursive: true })

async function download(url, path) {
  const { statusCode, body } = await request(url, { dispatcher: agent })
  const hash = createHash('sha256')
  const file = await open(path, 'w')
  try {
    let pending = []
    let bytes = 0
    for await (const chunk of body) {
      hash.update(chunk)
      pending.push(chunk)
      bytes += chunk.length
      if (bytes >= 1 << 20) {
        await file.writev(pending)
        pending = []
        bytes = 0
      }
    }
    if (bytes) await file.writev(pending)
  } finally {
    await file.close()
  }
  // Like curl without -f, a failed request counts with whatever body it had.
  return statusCode === 200 ? hash.digest('hex') : undefined
}

let next = 0
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next < urls.length) {
      const i = next++
      await download(urls[i], `${out}/${i}`)
    }
  })
)
await agent.close()
