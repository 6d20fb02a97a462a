/** `verify`: a bundle directory against its SHA256SUMS and bundle.json, every byte hashed. */
import { runVerify } from '../../pipeline/verify.js'
import { formatBytes } from '../../report/progress.js'
import { writeOut } from '../../report/output.js'
import { requireDir } from '../../adapters/out-dir.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs, positiveInt } from '../args.js'

export const USAGE = `Usage:
  kubespray-bundle verify --bundle DIR [--json]

Hashes every file and blob of the bundle (in parallel; sizes and times are never trusted) and
checks them against its SHA256SUMS and bundle.json: each missing or corrupt item is named (a
file by its path under files/, a blob by its digest), and the exit status is 1 if there is any.

Options:
  --bundle DIR        the bundle directory
  --concurrency N     files hashed at once (default 4)
  --json              print the result as one JSON object on stdout (also when it fails)
  -h, --help          show this help
`

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(args, { bundle: { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'boolean' } }, USAGE)
  if (!values) return
  if (!values.bundle) throw new UsageError('--bundle DIR is required')
  const concurrency = positiveInt('concurrency', values.concurrency, 4)
  await requireDir('--bundle', values.bundle)
  const started = Date.now()
  const result = await runVerify(values.bundle, concurrency)
  if (values.json) writeOut(`${JSON.stringify({ bundle: values.bundle, ok: result.problems.length === 0, ...result, ms: Date.now() - started })}\n`)
  if (result.problems.length) {
    throw new Error(`${values.bundle}: ${result.problems.length} problem(s):\n` + result.problems.map((p) => `  ${p}`).join('\n'))
  }
  if (!values.json) writeOut(`${values.bundle}: ${result.checked} files (${formatBytes(result.bytes)}) verified in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
}
