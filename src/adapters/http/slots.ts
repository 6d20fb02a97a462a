import type { ConnectionSlots } from './fetch-file.js'

interface Waiter {
  grant: () => void
  size: number
}

/**
 * A pool of connection slots where segments of started files go before new files. Among new
 * files, those known to be bigger than `firstAbove` go first, largest first: a big file that
 * starts last is the whole run's tail. The others keep their order, so a run's items (images)
 * complete as it goes rather than all at its end.
 */
export class PrioritySlots implements ConnectionSlots {
  private free: number
  private readonly segments: Array<() => void> = []
  /** Files above firstAbove, largest first (equal sizes in arrival order). */
  private readonly big: Waiter[] = []
  private readonly files: Array<() => void> = []

  constructor(
    capacity: number,
    private readonly firstAbove = Infinity
  ) {
    this.free = capacity
  }

  acquire(priority: 'segment' | 'file', size?: number): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => resolve(this.releaser())
      if (this.free > 0) {
        this.free--
        grant()
      } else if (priority === 'segment') this.segments.push(grant)
      else if (size !== undefined && size > this.firstAbove) this.enqueueBig({ grant, size })
      else this.files.push(grant)
    })
  }

  private enqueueBig(waiter: Waiter): void {
    let at = this.big.length
    while (at > 0 && (this.big[at - 1] as Waiter).size < waiter.size) at--
    this.big.splice(at, 0, waiter)
  }

  private releaser(): () => void {
    let done = false
    return () => {
      if (done) return
      done = true
      const next = this.segments.shift() ?? this.big.shift()?.grant ?? this.files.shift()
      if (next) next()
      else this.free++
    }
  }
}
