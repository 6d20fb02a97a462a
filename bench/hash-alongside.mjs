// The hash a verified download cannot skip, at its cheapest: sha256 of BYTES bytes from one hot
// 512 KiB buffer (no I/O, no cache misses), in a process of its own. measure_uncapped (lib.sh)
// runs it beside curl -Z to disk, so the cores curl shares with the servers also pay the hash:
// the wall time of a verifying client as lean as curl (docs/decisions.md §10, ninth pass).
// Usage: node bench/hash-alongside.mjs BYTES
import { createHash, randomFillSync } from 'node:crypto'

const bytes = Number(process.argv[2])
if (!Number.isSafeInteger(bytes) || bytes <= 0) {
  console.error(`bench/hash-alongside.mjs: BYTES must be a positive whole number, got ${JSON.stringify(process.argv[2])}`)
  process.exit(2)
}
const piece = randomFillSync(Buffer.allocUnsafe(512 << 10))
const hash = createHash('sha256')
for (let left = bytes; left > 0; left -= piece.length) hash.update(left >= piece.length ? piece : piece.subarray(0, left))
hash.digest()
