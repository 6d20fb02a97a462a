/**
 * What the long commands (files, images, push) share: counting progress for the progress
 * line, closing the HTTP client however the job ends, and one error listing every failure.
 */
import type { HttpClient } from '../adapters/http/client.js'
import { formatBytes, ProgressLine } from './progress.js'

interface Outcome {
  status: string
  error?: string
}

/** Counts items and bytes for the progress line; failures are printed as they happen. */
export class JobProgress<R extends Outcome> {
  private total = 0
  private done = 0
  private failed = 0
  private knownBytes = 0
  /** Errors already printed: the same cause (an unreachable host) is said once, not per item. */
  private readonly said = new Set<string>()
  transferred = 0
  readonly line: ProgressLine

  /** With `line`, several jobs running at once share one progress line (build: files | images). */
  constructor(
    private readonly noun: string,
    private readonly nameOf: (result: R) => string,
    line?: ProgressLine
  ) {
    this.line = line ?? new ProgressLine((ms) => this.render(ms))
  }

  planned(items: number): void {
    this.total = items
  }
  sizeKnown(bytes: number): void {
    this.knownBytes += bytes
  }
  bytes(count: number): void {
    this.transferred += count
  }
  finished(result: R): void {
    this.done++
    if (result.status === 'failed') {
      this.failed++
      // As it happens: the item and the cause in short; the whole cause with its fix is said once,
      // in the command's error (throwIfFailed), so no line is printed twice.
      if (!this.said.has(result.error ?? '')) this.line.note(`failed: ${this.nameOf(result)} (${shortCause(result.error ?? '')})`)
      this.said.add(result.error ?? '')
    }
  }

  /** Whether anything was planned (a job that has not started says nothing). */
  get started(): boolean {
    return this.total > 0
  }

  render(elapsedMs: number): string {
    const rate = elapsedMs > 0 ? (this.transferred / elapsedMs) * 1000 : 0
    const failed = this.failed ? `, ${this.failed} failed` : ''
    const known = this.knownBytes ? ` of ${formatBytes(this.knownBytes)} known` : ''
    return `${this.noun} ${this.done}/${this.total}${failed}  ${formatBytes(this.transferred)}${known}  ${formatBytes(rate)}/s  ${(elapsedMs / 1000).toFixed(0)} s`
  }
}

/** An error's code (`ECONNREFUSED`, `EAI_AGAIN`, `HTTP 404`), else its first clause. */
export function shortCause(error: string): string {
  const code = /\(([A-Z][A-Z0-9_]{2,})\)/.exec(error)?.[1] ?? /\b(HTTP \d{3})\b/.exec(error)?.[1]
  if (code) return code
  const first = error.split(/: |; /)[0]
  return first.length > 80 ? `${first.slice(0, 77)}...` : first
}

/** Runs a job; the progress line stops and the HTTP client closes whatever happens. */
export async function runJob<T>(progress: { line: ProgressLine }, http: HttpClient, job: () => Promise<T>): Promise<T> {
  try {
    return await job()
  } finally {
    progress.line.stop()
    await http.close()
  }
}

/**
 * The command's error when items failed: each one named with its reason; items that failed for
 * the same reason (one unreachable registry) share one line, the reason said once.
 */
export function throwIfFailed<R extends Outcome>(results: R[], noun: string, nameOf: (result: R) => string): void {
  const failed = results.filter((r) => r.status === 'failed')
  if (!failed.length) return
  const byError = new Map<string, string[]>()
  for (const r of failed) byError.set(r.error ?? '', [...(byError.get(r.error ?? '') ?? []), nameOf(r)])
  const lines = [...byError].map(([error, names]) => (names.length === 1 ? `  ${names[0]}: ${error}` : `  ${error}\n    (${names.length} ${noun}: ${names.join(', ')})`))
  throw new Error(`${failed.length} of ${results.length} ${noun} failed:\n` + lines.join('\n'))
}
