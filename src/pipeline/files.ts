/**
 * The `files` job: every url of a list fetched into DIR/files, verified against Kubespray's
 * checksum, renamed into place only once verified, and recorded in DIR/files/SHA256SUMS.
 * Files verified by an earlier run are skipped without a request; partial ones resume.
 */
import { createReadStream } from 'node:fs'
import { readdir, readFile, rename, rm } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { dirname, join, relative, sep } from 'node:path'
import { formatChecksum, formatSha256Sums, type Checksum } from '../domain/files/checksum.js'
import { relativePathFor, type Layout } from '../domain/files/layout.js'
import { parseFileList, type FileList, type FileRequest } from '../domain/files/list.js'
import { applyMirrors, type Mirror } from '../domain/files/mirror.js'
import { InputError } from '../domain/errors.js'
import { STATE_DIR } from '../domain/bundle.js'
import { redactText, redactUrl } from '../domain/redact.js'
import { ensureDirUnder, regularFile, writeFileAtomic } from '../adapters/fs-atomic.js'
import { discardPart, FileFetcher, urlSource, type SegmentPolicy } from '../adapters/http/fetch-file.js'
import { PrioritySlots } from '../adapters/http/slots.js'
import type { HttpClient } from '../adapters/http/client.js'
import { runPool } from './pool.js'

export interface FilesRequest {
  /** What to fetch (readFileListFile reads a files.json or files.list). */
  list: FileList
  outDir: string
  layout: Layout
  mirrors: Mirror[]
  /** Files downloading at once. */
  concurrency: number
  /** Connections at once, over all files (big files take several). */
  connections: number
  /** After a run where every file verified, remove files under files/ the list no longer has. */
  prune?: boolean
  segments?: SegmentPolicy
  /**
   * Whether a file already in place may be kept on the word of the state file (same size and
   * mtime as recorded). False after a cache restore: the state came with the cache, so every
   * file found is hashed against its checksum before it is kept (default true: a local re-run
   * trusts the state it wrote itself).
   */
  trustState?: boolean
}

export type FileStatus = 'downloaded' | 'skipped' | 'failed'

export interface FileResult {
  /** The list's url, with any credentials in it redacted. */
  url: string
  /** Relative to DIR/files. */
  path: string
  status: FileStatus
  /** Whether the content was checked against Kubespray's checksum (now or by an earlier run). */
  verified: boolean
  size?: number
  ms: number
  sha256?: string
  error?: string
}

export interface FilesOutcome {
  results: FileResult[]
  /** The list had no checksums (a plain files.list). */
  unverifiedList: boolean
  sumsPath: string
  /** Files found in place whose bytes did not match their checksum: deleted and downloaded again. */
  discarded: string[]
}

export interface FilesProgress {
  planned(files: number): void
  sizeKnown(bytes: number): void
  bytes(count: number): void
  finished(result: FileResult): void
}

interface Recorded {
  url: string
  checksum: string | null
  sha256: string
  size: number
  mtimeMs: number
}

interface FilesState {
  version: 1
  files: Record<string, Recorded>
}

const STATE_FILE = `${STATE_DIR}/files-state.json`
/** Partial downloads live beside the state, not beside the files people serve or cache. */
const PARTS_DIR = `${STATE_DIR}/parts/files`

/** A files.json or files.list from disk, as `files --list` takes it. */
export async function readFileListFile(path: string): Promise<FileList> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new InputError(`--list ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  let list: FileList
  try {
    list = parseFileList(text, path)
  } catch (e) {
    throw new InputError(redactText((e as Error).message))
  }
  if (!list.files.length) throw new InputError(`--list ${path}: no urls in it`)
  return list
}

async function readState(outDir: string): Promise<FilesState> {
  try {
    const state = JSON.parse(await readFile(join(outDir, STATE_FILE), 'utf8')) as FilesState
    return state.version === 1 && state.files ? state : { version: 1, files: {} }
  } catch {
    return { version: 1, files: {} }
  }
}

/** Hashes a file from disk with every algorithm asked for, streaming (memory stays flat). */
export async function hashFile(path: string, algorithms: string[]): Promise<Map<string, string>> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const)
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    for (const [, h] of hashes) h.update(chunk as Buffer)
  }
  return new Map(hashes.map(([a, h]) => [a, h.digest('hex')]))
}

interface Planned extends FileRequest {
  path: string
  fetchUrl: string
}

function plan(files: FileRequest[], layout: Layout, mirrors: Mirror[]): Planned[] {
  const byPath = new Map<string, string>()
  return files.map((f) => {
    let path: string
    try {
      path = f.path ?? relativePathFor(f.url, layout)
    } catch (e) {
      throw new InputError(redactText((e as Error).message))
    }
    const other = byPath.get(path)
    if (other) throw new InputError(`${redactUrl(other)} and ${redactUrl(f.url)} would both be stored as files/${path} in the ${layout} layout`)
    byPath.set(path, f.url)
    return { ...f, path, fetchUrl: applyMirrors(f.url, mirrors) }
  })
}

export class FilesJob {
  private state: FilesState = { version: 1, files: {} }
  private readonly discarded: string[] = []
  private stateWrite: Promise<void> = Promise.resolve()
  private readonly filesDir: string

  constructor(
    private readonly request: FilesRequest,
    private readonly http: HttpClient,
    private readonly progress: FilesProgress
  ) {
    this.filesDir = join(request.outDir, 'files')
  }

  async run(): Promise<FilesOutcome> {
    const list = this.request.list
    const planned = plan(list.files, this.request.layout, this.request.mirrors)
    // An untrusted state is not read at all: every hash in it would be someone else's word.
    this.state = this.request.trustState === false ? { version: 1, files: {} } : await readState(this.request.outDir)
    this.progress.planned(planned.length)

    const slots = new PrioritySlots(this.request.connections)
    const fetcher = new FileFetcher(slots, this.request.segments)
    await ensureDirUnder(this.request.outDir, STATE_DIR)
    const results = await runPool(planned, this.request.concurrency, async (file) => {
      const result = await this.one(file, fetcher)
      this.progress.finished(result)
      return result
    })
    await this.stateWrite
    if (this.request.prune && results.every((r) => r.status !== 'failed')) await this.prune(new Set(planned.map((p) => p.path)))
    const sumsPath = await this.writeSums()
    return { results, unverifiedList: list.unverified, sumsPath, discarded: [...this.discarded] }
  }

  /** Files of earlier lists (a cache restored from another version) leave the bundle. */
  private async prune(listed: ReadonlySet<string>): Promise<void> {
    const entries = await readdir(this.filesDir, { recursive: true, withFileTypes: true }).catch(() => [])
    for (const e of entries) {
      const path = relative(this.filesDir, join(e.parentPath, e.name)).split(sep).join('/')
      if (e.isDirectory() || path === 'SHA256SUMS' || listed.has(path)) continue
      await rm(join(this.filesDir, path), { force: true })
      delete this.state.files[path]
    }
    await writeFileAtomic(join(this.request.outDir, STATE_FILE), JSON.stringify(this.state, null, 1))
  }

  private async one(file: Planned, fetcher: FileFetcher): Promise<FileResult> {
    const started = Date.now()
    const finalPath = join(this.filesDir, file.path)
    const base = { url: redactUrl(file.url), path: file.path }
    try {
      const kept = await this.alreadyThere(file, finalPath)
      if (kept) return { ...base, status: 'skipped', verified: file.checksum !== null, size: kept.size, sha256: kept.sha256, ms: Date.now() - started }
      await ensureDirUnder(this.request.outDir, dirname(join('files', file.path)))
      const partPath = join(await ensureDirUnder(this.request.outDir, dirname(join(PARTS_DIR, file.path))), `${file.path.split('/').pop()}.part`)
      const algorithms = [...new Set(['sha256', ...(file.checksum ? [file.checksum.algorithm] : [])])]
      const fetched = await fetcher.fetch(urlSource(this.http, file.fetchUrl), partPath, algorithms, {
        size: (total) => total !== undefined && this.progress.sizeKnown(total),
        bytes: (n) => this.progress.bytes(n)
      })
      const digests = fetched.digests
      const mismatch = file.checksum && describeMismatch(file.checksum, digests.get(file.checksum.algorithm) ?? '')
      if (mismatch) {
        await discardPart(partPath)
        throw new Error(mismatch)
      }
      // The fetcher removed its segment state once the part was complete.
      await rename(partPath, finalPath)
      const sha256 = digests.get('sha256') ?? ''
      await this.record(file, finalPath, sha256)
      return { ...base, status: 'downloaded', verified: file.checksum !== null, size: fetched.size, sha256, ms: Date.now() - started }
    } catch (e) {
      return { ...base, status: 'failed', verified: false, error: redactText((e as Error).message), ms: Date.now() - started }
    }
  }

  /**
   * A file at its final path was verified when it was put there. The state tells us so
   * without reading it; a file we have no record of (or that changed) is hashed locally,
   * never fetched again when it matches.
   */
  private async alreadyThere(file: Planned, finalPath: string): Promise<{ size: number; sha256: string } | undefined> {
    // A link planted at a file's path is not the file: it is replaced, never read through.
    const info = await regularFile(finalPath)
    if (!info) return undefined
    const wanted = file.checksum ? formatChecksum(file.checksum) : null
    const known = this.state.files[file.path]
    if (known && known.url === redactUrl(file.url) && known.size === info.size && known.mtimeMs === info.mtimeMs && (wanted === null || known.checksum === wanted)) {
      return { size: info.size, sha256: known.sha256 }
    }
    if (!file.checksum) return undefined
    const digests = await hashFile(finalPath, [...new Set(['sha256', file.checksum.algorithm])])
    if (digests.get(file.checksum.algorithm) !== file.checksum.hex) {
      // Bytes that are not what Kubespray expects (a poisoned or stale cache): gone before the download.
      await rm(finalPath, { force: true })
      this.discarded.push(file.path)
      return undefined
    }
    const sha256 = digests.get('sha256') ?? ''
    await this.record(file, finalPath, sha256)
    return { size: info.size, sha256 }
  }

  private async record(file: Planned, finalPath: string, sha256: string): Promise<void> {
    const info = await regularFile(finalPath)
    if (!info) throw new Error(`${finalPath} vanished right after it was written`)
    this.state.files[file.path] = {
      url: redactUrl(file.url),
      checksum: file.checksum ? formatChecksum(file.checksum) : null,
      sha256,
      size: info.size,
      mtimeMs: info.mtimeMs
    }
    // Serialised, so that an older snapshot never lands after a newer one.
    const snapshot = JSON.stringify(this.state, null, 1)
    this.stateWrite = this.stateWrite.catch(() => undefined).then(() => writeFileAtomic(join(this.request.outDir, STATE_FILE), snapshot))
    await this.stateWrite
  }

  /** SHA256SUMS of every file we put under files/ that is still there. */
  private async writeSums(): Promise<string> {
    const entries: Array<{ path: string; sha256: string }> = []
    for (const [path, recorded] of Object.entries(this.state.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const info = await regularFile(join(this.filesDir, path))
      if (info && info.size === recorded.size) entries.push({ path, sha256: recorded.sha256 })
    }
    const sumsPath = join(await ensureDirUnder(this.request.outDir, 'files'), 'SHA256SUMS')
    await writeFileAtomic(sumsPath, formatSha256Sums(entries))
    return sumsPath
  }
}

function describeMismatch(expected: Checksum, got: string): string | undefined {
  if (got === expected.hex) return undefined
  return `checksum mismatch: expected ${formatChecksum(expected)}, got ${expected.algorithm}:${got}`
}
