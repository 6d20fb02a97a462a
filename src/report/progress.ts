/**
 * Progress of a long job on stderr: on a terminal one line redrawn a few times a second,
 * otherwise (CI logs) one line every few seconds (KUBESPRAY_BUNDLE_PROGRESS_MS sets how often).
 */
import { writeErr } from './output.js'

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

export class ProgressLine {
  private timer: NodeJS.Timeout | undefined
  private readonly started = Date.now()
  private lastLength = 0

  constructor(
    private readonly render: (elapsedMs: number) => string,
    private readonly tty = Boolean(process.stderr.isTTY),
    intervalMs = tty ? 250 : Number(process.env.KUBESPRAY_BUNDLE_PROGRESS_MS) || 5000
  ) {
    this.timer = setInterval(() => this.draw(), intervalMs)
    this.timer.unref()
  }

  private draw(): void {
    const text = this.render(Date.now() - this.started)
    // Nothing to report yet (a phase before the downloads): no line.
    if (!text) return
    if (this.tty) {
      writeErr(`\r${text.padEnd(this.lastLength)}`)
      this.lastLength = text.length
    } else writeErr(`${text}\n`)
  }

  /** A message that must not be overdrawn (a failure, a warning). */
  note(text: string): void {
    if (this.tty && this.lastLength) writeErr(`\r${' '.repeat(this.lastLength)}\r`)
    this.lastLength = 0
    writeErr(`${text}\n`)
  }

  stop(): void {
    if (!this.timer) return
    clearInterval(this.timer)
    this.timer = undefined
    this.draw()
    if (this.tty) writeErr('\n')
  }
}
