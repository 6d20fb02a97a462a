/**
 * Garbage collection for a download-bound process on a small machine. A download allocates a
 * 64 KiB buffer per socket read (Node's, not ours), and V8 answers that external memory with a
 * major GC every few dozen megabytes: ~47 of them for 1.5 GB of layers. By default each one
 * marks on helper threads, which on a 2-core runner take CPU from the registry, the door and
 * the kernel's copies rather than from idle cores. Marking in small steps on the main thread
 * instead measured, on bench/images.sh's uncapped door (2 cores): user CPU 2.9 -> 2.5 s and
 * wall 4.24 -> 4.05 s (medians of 3), peak RSS 140 -> 180 MB. Machines with more cores keep
 * V8's default. The flag is read at the start of each marking cycle, so setting it at run time
 * takes effect (checked on Node 20 and Node 24).
 */
import { availableParallelism } from 'node:os'
import { setFlagsFromString } from 'node:v8'

export function tuneGarbageCollectionForDownloads(cores = availableParallelism()): void {
  if (cores <= 2) setFlagsFromString('--no-concurrent-marking')
}
