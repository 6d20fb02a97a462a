/** A stream written to a new file (never through a link: O_EXCL), hashed and counted on the way. */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export async function writeHashed(source: Readable | AsyncIterable<Buffer>, path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    }
  })
  await pipeline(source, meter, createWriteStream(path, { flags: 'wx' }))
  return { sha256: hash.digest('hex'), size }
}
