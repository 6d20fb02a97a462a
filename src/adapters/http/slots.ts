import type { ConnectionSlots } from './fetch-file.js'

interface Waiter {
  grant: () => void
  size: number
}

/**
 * A pool of connection slots where segments of started files go before new files, and among
 * new files the largest known go first: a big file that starts last is the whole run's tail,
 * while small ones fill the gaps at the end. Files of unknown size keep their order, after
 * every known one.
 */
export class PrioritySlots implements ConnectionSlots {
  private free: number
  private readonly segments: Array<() => void> = []
  /** By size, largest first; equal sizes in arrival order. */
  private readonly files: Waiter[] = []

  constructor(capacity: number) {
    this.free = capacity
  }

  acquire(priority: 'segment' | 'file', size?: number): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => resolve(this.releaser())
      if (this.free > 0) {
        this.free--
        grant()
      } else if (priority === 'segment') this.segments.push(grant)
      else this.enqueueFile({ grant, size: size ?? -1 })
    })
  }

  private enqueueFile(waiter: Waiter): void {
    let at = this.files.length
    while (at > 0 && (this.files[at - 1] as Waiter).size < waiter.size) at--
    this.files.splice(at, 0, waiter)
  }

  private releaser(): () => void {
    let done = false
    return () => {
      if (done) return
      done = true
      const next = this.segments.shift() ?? this.files.shift()?.grant
      if (next) next()
      else this.free++
    }
  }
}
