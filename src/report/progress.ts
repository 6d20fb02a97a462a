/**
 * Progress of a long job on stderr: on a terminal one line redrawn a few times a second,
 * otherwise (CI logs) one line every few seconds (KUBESPRAY_BUNDLE_PROGRESS_MS sets how often).
 * A retry of an HTTP request shows at the end of the line ("retry 2/5 after 503: dl.k8s.io"),
 * so a slow stretch says why.
 */
import { describeRetry, onRetry, type RetryNotice } from '../adapters/http/retry-policy.js'
import { writeErr } from './output.js'

/** How long a retry stays on a redrawn (terminal) line after it was announced. */
const RETRY_SHOWN_MS = 3000

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
  /** The latest retry, until a line has shown it (and, on a terminal, for RETRY_SHOWN_MS). */
  private retry: { text: string; at: number; shown: boolean } | undefined
  private readonly stopHearingRetries: () => void

  constructor(
    private readonly render: (elapsedMs: number) => string,
    private readonly tty = Boolean(process.stderr.isTTY),
    intervalMs = tty ? 250 : Number(process.env.KUBESPRAY_BUNDLE_PROGRESS_MS) || 5000
  ) {
    this.timer = setInterval(() => this.draw(), intervalMs)
    this.timer.unref()
    this.stopHearingRetries = onRetry((notice) => this.retried(notice))
  }

  private retried(notice: RetryNotice): void {
    this.retry = { text: describeRetry(notice), at: Date.now(), shown: false }
  }

  /** The retry to show on this line, if any: each is shown at least once. */
  private retryText(): string {
    const retry = this.retry
    if (!retry) return ''
    if (retry.shown && (!this.tty || Date.now() - retry.at > RETRY_SHOWN_MS)) {
      this.retry = undefined
      return ''
    }
    retry.shown = true
    return `  (${retry.text})`
  }

  private draw(): void {
    const rendered = this.render(Date.now() - this.started)
    // Nothing to report yet (a phase before the downloads): no line.
    if (!rendered) return
    const text = rendered + this.retryText()
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
    this.stopHearingRetries()
    clearInterval(this.timer)
    this.timer = undefined
    this.draw()
    if (this.tty) writeErr('\n')
  }
}
