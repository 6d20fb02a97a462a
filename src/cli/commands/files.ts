/** `files`: download every file of a list in parallel, verified against Kubespray's checksums. */
import { LAYOUTS, type Layout } from '../../domain/files/layout.js'
import { parseMirror } from '../../domain/files/mirror.js'
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../../adapters/http/client.js'
import { FilesJob, readFileListFile, type FileResult } from '../../pipeline/files.js'
import { formatTable } from '../../report/table.js'
import { formatBytes } from '../../report/progress.js'
import { JobProgress, runJob, throwIfFailed } from '../../report/job.js'
import { writeOut } from '../../report/output.js'
import { checkOutDir } from '../../adapters/out-dir.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs, positiveInt } from '../args.js'

export const USAGE = `Usage:
  kubespray-bundle files --list OUT/files.json --out DIR [--concurrency N] [--layout original-host|kubespray-offline] [--mirror FROM=TO]...

Downloads every file of the list into DIR/files, in parallel, each verified against the
checksum Kubespray itself uses, and writes DIR/files/SHA256SUMS. A file appears at its
final path only once verified; a re-run skips verified files and resumes partial ones.

Options:
  --list FILE           files.json from 'kubespray-bundle lists' (with checksums), or a plain
                        files.list (one url a line: nothing can be verified then)
  --out DIR             output directory; files go to DIR/files
  --concurrency N       files downloading at once (default 8); big files also take extra
                        connections, up to --connections in all
  --connections N       connections at once over all files (default 24), and per host
  --layout LAYOUT       original-host (default): files/<host>/<path>, as wget -x stores them
                        kubespray-offline: the directories that project's offline.yml expects
  --mirror FROM=TO      fetch urls starting with FROM from TO instead; repeatable
  --retries N           retries of a failing request, with backoff (default 5)
  -h, --help            show this help
Environment: HTTPS_PROXY/HTTP_PROXY/NO_PROXY, NODE_EXTRA_CA_CERTS.
`


function parseLayout(value: string | undefined): Layout {
  if (value === undefined) return 'original-host'
  if ((LAYOUTS as readonly string[]).includes(value)) return value as Layout
  throw new UsageError(`--layout ${value}: expected ${LAYOUTS.join(' or ')}`)
}

function summaryTable(results: FileResult[]): string {
  const rows = results.map((r) => [
    r.url,
    r.size === undefined ? '-' : formatBytes(r.size),
    `${(r.ms / 1000).toFixed(1)} s`,
    r.status === 'failed' ? 'FAILED' : `${r.status}, ${r.verified ? 'verified' : 'NOT verified (no checksum)'}`
  ])
  return formatTable(['url', 'size', 'time', 'result'], rows)
}

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(
    args,
    {
      list: { type: 'string' },
      out: { type: 'string' },
      concurrency: { type: 'string' },
      connections: { type: 'string' },
      layout: { type: 'string' },
      mirror: { type: 'string', multiple: true },
      retries: { type: 'string' }
    },
    USAGE
  )
  if (!values) return
  const listPath = values.list
  const outDir = values.out
  if (!listPath) throw new UsageError('--list FILE is required (files.json from the lists command)')
  if (!outDir) throw new UsageError('--out DIR is required')
  let mirrors
  try {
    mirrors = (values.mirror ?? []).map(parseMirror)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const connections = positiveInt('connections', values.connections, DEFAULT_HTTP_OPTIONS.connectionsPerHost)
  const retries = values.retries === '0' ? 0 : positiveInt('retries', values.retries, DEFAULT_HTTP_OPTIONS.retries)
  const layout = parseLayout(values.layout)
  const concurrency = positiveInt('concurrency', values.concurrency, 8)
  await checkOutDir('--out', outDir)
  const http = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, connectionsPerHost: connections, retries })
  const list = await readFileListFile(listPath)
  const progress = new JobProgress<FileResult>('files', (r) => r.url)
  const started = Date.now()
  const outcome = await runJob(progress, http, () =>
    new FilesJob(
      {
        list,
        outDir,
        layout,
        mirrors,
        concurrency,
        connections
      },
      http,
      progress
    ).run()
  )
  const { results } = outcome
  writeOut(summaryTable(results))
  const failed = results.filter((r) => r.status === 'failed')
  const bytes = results.reduce((n, r) => n + (r.status === 'downloaded' ? (r.size ?? 0) : 0), 0)
  const seconds = (Date.now() - started) / 1000
  writeOut(
    `${results.length - failed.length}/${results.length} files in ${values.out}/files ` +
      `(${results.filter((r) => r.status === 'skipped').length} already there), ${formatBytes(bytes)} downloaded in ${seconds.toFixed(1)} s` +
      ` (${formatBytes(bytes / Math.max(seconds, 0.001))}/s); ${outcome.sumsPath} written\n`
  )
  const unverified = results.filter((r) => r.status !== 'failed' && !r.verified)
  if (unverified.length) {
    progress.line.note(
      `WARNING: ${unverified.length} file(s) were NOT verified: ${outcome.unverifiedList ? 'a plain files.list has no checksums' : 'the list has no checksum for them'}. ` +
        'Their sha256 is recorded in SHA256SUMS; use files.json from the lists command to verify against Kubespray.'
    )
  }
  throwIfFailed(results, 'file(s)', (r) => r.url)
}
