/** `fetch`: a published bundle → the bundle directory, verified. */
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../../adapters/http/client.js'
import { githubFromEnv } from '../github-env.js'
import { GitHubReleases } from '../../adapters/github/releases.js'
import { runFetch, runFetchArtifact, runFetchFromDir, type FetchResult } from '../../pipeline/fetch.js'
import { formatTable } from '../../report/table.js'
import { formatBytes, ProgressLine } from '../../report/progress.js'
import { writeOut } from '../../report/output.js'
import { UsageError } from '../usage-error.js'
import { ownerAndName, parseCommandArgs, positiveInt } from '../args.js'
import { checkOutDir, requireDir } from '../../adapters/out-dir.js'

export const USAGE = `Usage:
  kubespray-bundle fetch --repo OWNER/NAME --tag TAG --out DIR
  kubespray-bundle fetch --repo OWNER/NAME --artifact ID --out DIR
  kubespray-bundle fetch --from-dir ASSETS --out DIR
  kubespray-bundle fetch --repo OWNER/NAME --tag TAG --base BASE_DIR --out DIR
  kubespray-bundle fetch --from-dir ASSETS --base BASE_DIR --out DIR

Downloads a bundle published by the publish command (in parallel, resuming an interrupted or
killed run): the parts the release's SHA256SUMS lists for it, each checked against its line
there. Unpacks the parts safely and rebuilds the bundle directory, then checks every file of
it against the bundle's SHA256SUMS.

A delta (published with --base-tag) needs --base BASE_DIR, the bundle of its base release as
fetched: BASE_DIR's SHA256SUMS must hash to the digest the delta names, checked before any part
is downloaded. The files and blobs the delta does not carry are taken from BASE_DIR (hard links
when on the same file system, copies otherwise; BASE_DIR is only read), the rest from the
delta's parts; the result is the same directory, byte for byte, as a full fetch.

Options:
  --repo OWNER/NAME     the repository of the release
  --tag TAG             the release's tag
  --artifact ID         a workflow run's artifact instead (publish: artifact; needs GITHUB_TOKEN)
  --from-dir ASSETS     no network: the release's assets already copied into ASSETS (every
                        part and SHA256SUMS); each is checked against SHA256SUMS, then unpacked
  --out DIR             the bundle directory to rebuild
  --base BASE_DIR       a delta's base: the bundle directory of the release it was published
                        against (left as it was)
  --asset-prefix NAME   which bundle, when the release holds several (the part of its asset
                        names before -bundle-, -files-, -images-)
  --concurrency N       assets at once (default 4)
  --json                print the result as one JSON object on stdout
  -h, --help            show this help
Environment: GITHUB_TOKEN (optional; private repositories need it), GITHUB_API_URL (GHES).
`

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(
    args,
    { repo: { type: 'string' }, tag: { type: 'string' }, artifact: { type: 'string' }, 'from-dir': { type: 'string' }, out: { type: 'string' }, base: { type: 'string' }, 'asset-prefix': { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'boolean' } },
    USAGE
  )
  if (!values) return
  if (values['from-dir'] !== undefined) return fromDir(values['from-dir'], values)
  if (!values.repo) throw new UsageError('--repo OWNER/NAME is required')
  if (!values.tag === !values.artifact) throw new UsageError('give --tag TAG (a release) or --artifact ID (a workflow artifact)')
  if (values.artifact && !/^\d+$/.test(values.artifact)) throw new UsageError(`--artifact ${values.artifact}: expected the artifact's numeric id`)
  if (!values.out) throw new UsageError('--out DIR is required')
  if (values.base !== undefined && values.artifact) throw new UsageError('--base is for a delta published to a release (--tag) or copied from one (--from-dir), not --artifact')
  if (values.base !== undefined) await requireDir('--base', values.base)
  const repo = ownerAndName('--repo', values.repo)
  const concurrency = positiveInt('concurrency', values.concurrency, 4)
  await checkOutDir('--out', values.out)
  const http = createHttpClient(DEFAULT_HTTP_OPTIONS)
  const github = githubFromEnv(http)
  const releases = new GitHubReleases(github, repo)
  let total = 0
  let planned = 0
  let done = 0
  let bytes = 0
  const line = new ProgressLine((ms) => (planned ? `assets ${done}/${planned}  ${formatBytes(bytes)} of ${formatBytes(total)}  ${formatBytes((bytes / Math.max(ms, 1)) * 1000)}/s` : ''))
  try {
    const progress = {
      planned: (n: number, size: number) => ((planned = n), (total = size)),
      bytes: (n: number) => (bytes += n),
      fetched: () => done++
    }
    const common = { outDir: values.out, prefix: values['asset-prefix'], concurrency, connections: DEFAULT_HTTP_OPTIONS.connectionsPerHost }
    const result = values.artifact
      ? await runFetchArtifact({ ...common, repo: releases.repo, artifactId: Number(values.artifact) }, github, progress)
      : await runFetch({ ...common, tag: values.tag ?? '', baseDir: values.base }, releases, progress)
    line.stop()
    if (values.json) writeOut(`${JSON.stringify({ out: values.out, ok: result.mismatches.length === 0, ...result })}\n`)
    else writeOut(formatTable(['asset', 'size', 'result'], result.assets.map((a) => [a.name, formatBytes(a.size), a.downloaded ? 'downloaded, verified' : 'already there'])))
    if (result.mismatches.length) {
      throw new Error(`${values.out} does not match its SHA256SUMS (${result.mismatches.length} of ${result.files} files):\n` + result.mismatches.map((m) => `  ${m}`).join('\n'))
    }
    if (!values.json) writeOut(`${values.out}: bundle ${result.prefix}, ${result.files} files verified against its SHA256SUMS\n${deltaLine(result, values.base)}`)
  } finally {
    line.stop()
    await http.close()
  }
}

/** `fetch --from-dir ASSETS --out DIR`: the same result, from copied assets, with no network. */
async function fromDir(assetsDir: string, values: { out?: string; repo?: string; tag?: string; artifact?: string; base?: string; 'asset-prefix'?: string; concurrency?: string; json?: boolean }): Promise<void> {
  if (values.repo || values.tag || values.artifact) throw new UsageError('--from-dir reads copied assets: give it without --repo, --tag or --artifact')
  if (!values.out) throw new UsageError('--out DIR is required')
  await requireDir('--from-dir', assetsDir)
  if (values.base !== undefined) await requireDir('--base', values.base)
  await checkOutDir('--out', values.out)
  const concurrency = positiveInt('concurrency', values.concurrency, 4)
  const result = await runFetchFromDir({ assetsDir, outDir: values.out, prefix: values['asset-prefix'], concurrency, baseDir: values.base }, { planned: () => undefined, bytes: () => undefined, fetched: () => undefined })
  if (values.json) writeOut(`${JSON.stringify({ out: values.out, ok: result.mismatches.length === 0, ...result })}\n`)
  if (result.mismatches.length) {
    throw new Error(`${values.out} does not match its SHA256SUMS (${result.mismatches.length} of ${result.files} files):\n` + result.mismatches.map((m) => `  ${m}`).join('\n'))
  }
  if (!values.json) writeOut(`${values.out}: bundle ${result.prefix} from ${assetsDir}, ${result.assets.length} assets checked, ${result.files} files verified against its SHA256SUMS\n${deltaLine(result, values.base)}`)
}

/** What a delta took from its base, or a note that --base was not needed. */
function deltaLine(result: FetchResult, base: string | undefined): string {
  const d = result.delta
  if (!d) return base === undefined ? '' : `(a full bundle: --base ${base} was not needed, nothing was read from it)\n`
  return `a delta against ${d.base.tag}: ${d.taken} files and blobs (${formatBytes(d.bytes.fromBase)}) taken from ${base ?? 'the base'} (${d.linked} hard-linked, ${d.copied} copied${d.linked + d.copied < d.taken ? ', the rest by an earlier run' : ''}); full bundle ${formatBytes(d.bytes.full)}\n`
}

