import type { ConnectionSlots } from './fetch-file.js'

/** A pool of connection slots where segments of started files go before new files. */
export class PrioritySlots implements ConnectionSlots {
  private free: number
  private readonly waiting: { segment: Array<() => void>; file: Array<() => void> } = { segment: [], file: [] }

  constructor(capacity: number) {
    this.free = capacity
  }

  acquire(priority: 'segment' | 'file'): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => resolve(this.releaser())
      if (this.free > 0) {
        this.free--
        grant()
      } else this.waiting[priority].push(grant)
    })
  }

  private releaser(): () => void {
    let done = false
    return () => {
      if (done) return
      done = true
      const next = this.waiting.segment.shift() ?? this.waiting.file.shift()
      if (next) next()
      else this.free++
    }
  }
}
