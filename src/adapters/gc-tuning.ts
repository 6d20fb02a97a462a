/**
 * Garbage collection for a download-bound process on a small machine. Node allocates a buffer
 * per socket read wherever bodies arrive as 'data' events (https, undici), and V8 answers that
 * external memory with major GCs: ~47 of them for 1.5 GB of layers before our plain-http reader
 * (fast-http.ts) reused one buffer, 7 after, 1 once hashers shared one read-back buffer. By
 * default each one marks on helper threads, which on a 2-core runner take CPU from the
 * registry, the door and the kernel's copies rather than from idle cores. Marking in small
 * steps on the main thread instead measured, on bench/images.sh's uncapped door: user CPU
 * 2.9 -> 2.5 s, wall 4.40 -> 4.10 s (before the reader, medians of 5), and 3.39-3.45 s against
 * 3.44-3.67 s with concurrent marking (after it). Machines with more cores keep V8's default.
 * The flag is read at the start of each marking cycle, so setting it at run time takes effect
 * (checked on Node 20 and Node 24).
 */
import { availableParallelism } from 'node:os'
import { setFlagsFromString } from 'node:v8'

export function tuneGarbageCollectionForDownloads(cores = availableParallelism()): void {
  if (cores <= 2) setFlagsFromString('--no-concurrent-marking')
}
