/** `merge`: the release's bundle.json and SHA256SUMS over every bundle published into it. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../../adapters/http/client.js'
import { githubFromEnv } from '../github-env.js'
import { GitHubReleases } from '../../adapters/github/releases.js'
import { runMerge } from '../../pipeline/merge.js'
import { formatTable } from '../../report/table.js'
import { formatBytes } from '../../report/progress.js'
import { writeErr, writeOut } from '../../report/output.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs } from '../args.js'
import { parseRepository } from './build.js'

export const USAGE = `Usage:
  kubespray-bundle merge --repo OWNER/NAME --tag TAG

The last step of a release built by several jobs (one per arch or Kubernetes version, each
running publish into the same TAG): writes the release's bundle.json, every bundle's manifest
merged (which bundle holds which file and image, for fetch --asset-prefix), and a SHA256SUMS
of every other asset from the sha256 GitHub computed of each upload. Each bundle's
PREFIX-bundle-SHA8.tar (the one SHA256SUMS lists) is downloaded and checked to read its
manifest; no other part is downloaded.
Safe to re-run: assets whose bytes are the same are kept.

Options:
  --repo OWNER/NAME     the repository of the release
  --tag TAG             the release's tag
  -h, --help            show this help
Environment: GITHUB_TOKEN (required: contents write), GITHUB_API_URL (GHES).
`

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(args, { repo: { type: 'string' }, tag: { type: 'string' } }, USAGE)
  if (!values) return
  if (!values.repo) throw new UsageError('--repo OWNER/NAME is required')
  if (!values.tag) throw new UsageError('--tag TAG is required')
  const http = createHttpClient(DEFAULT_HTTP_OPTIONS)
  const releases = new GitHubReleases(githubFromEnv(http, 'merge'), parseRepository(values.repo))
  const workDir = await mkdtemp(join(tmpdir(), 'kubespray-bundle-merge-'))
  try {
    const result = await runMerge({ tag: values.tag, workDir, connections: DEFAULT_HTTP_OPTIONS.connectionsPerHost }, releases)
    const m = result.manifest
    writeOut(
      formatTable(
        ['bundle', 'arches', 'kube_version', 'files', 'images', 'parts', 'size'],
        m.bundles.map((b) => [b.prefix, b.arches.join(','), b.kubeVersion, String(b.totals.files), String(b.totals.images), String(b.assets.length), formatBytes(b.assets.reduce((n, a) => n + a.size, 0))])
      )
    )
    for (const a of result.written) writeOut(`${a.action} ${a.name}\n`)
    if (result.unlisted.length) writeErr(`warning: left out of SHA256SUMS (no sha256 from GitHub, no earlier line): ${result.unlisted.join(', ')}\n`)
    writeOut(`merged ${m.totals.bundles} bundle${m.totals.bundles === 1 ? '' : 's'} (${m.arches.join(', ')}; ${m.totals.files} files, ${m.totals.images} images): ${result.releaseUrl}\n`)
  } finally {
    await rm(workDir, { recursive: true, force: true })
    await http.close()
  }
}
