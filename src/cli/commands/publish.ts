/** `publish`: a bundle directory → GitHub release assets, each below the part size, each usable alone. */
import { DEFAULT_PART_SIZE } from '../../domain/parts.js'
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../../adapters/http/client.js'
import { githubFromEnv } from '../github-env.js'
import { GitHubReleases } from '../../adapters/github/releases.js'
import { runPublish } from '../../pipeline/publish.js'
import { sizeLine } from '../../report/publish-sizes.js'
import { formatTable } from '../../report/table.js'
import { formatBytes } from '../../report/progress.js'
import { writeErr, writeOut } from '../../report/output.js'
import { UsageError } from '../usage-error.js'
import { ownerAndName, parseCommandArgs, positiveInt } from '../args.js'
import { parseRepository } from './build.js'
import { requireDir } from '../../adapters/out-dir.js'

export const USAGE = `Usage:
  kubespray-bundle publish --bundle DIR --repo OWNER/NAME --tag TAG [--part-size BYTES]
  kubespray-bundle publish --bundle DIR --repo OWNER/NAME --tag TAG --base-tag BASE_TAG

Verifies the bundle directory (from the build command) as verify does, and refuses one that
does not verify, naming each bad item. Then publishes it as assets of the release TAG, creating
it if needed: a bundle part (bundle.json, SHA256SUMS, lists, Kubespray's tarball, the layout's
index.json), files parts (tar -xf in the bundle directory) and images parts (each an OCI
archive of its images: skopeo copy oci-archive:PART:IMAGE …), each below the part size, plus
an asset SHA256SUMS listing every other asset. Assets are named
PREFIX-bundle-SHA8.tar, PREFIX-files-NN-SHA8.tar, PREFIX-images-NN-SHA8.tar, where PREFIX is
kubespray-<tag>[-k8s-<kube_version>]-<arches>[-<layout>]-<hash of lists and variables> (so
differently configured bundles live in one release side by side) and SHA8 starts the part's
own sha256. A part goes up as NAME.partial and is renamed once complete; SHA256SUMS is swapped
to the new parts, and only then are the parts it no longer lists deleted: a run failing at any
point leaves the release's SHA256SUMS and its parts in place, and a re-run finishes the job
(parts already there are kept). Every publish also uploads PREFIX-sums-SHA8.txt, the bundle's
own SHA256SUMS: what a later delta reads to know what this bundle holds.

With --base-tag, a delta: only the release BASE_TAG's small PREFIX-sums-*.txt asset is read
(never its parts), and only the files and image blobs that bundle lacks (by sha256 and digest,
not by name) are packed, with this bundle's full metadata (bundle.json, SHA256SUMS, lists,
index.json), plus PREFIX-delta-SHA8.json naming the base (repository, tag, and the sha256 of
the base bundle's own SHA256SUMS). The base release is left untouched. The far side rebuilds
the bundle with fetch --base BASE_DIR, BASE_DIR being the base bundle as fetched.

Options:
  --bundle DIR          the bundle directory
  --repo OWNER/NAME     the repository of the release
  --tag TAG             the release's tag (created at the default branch if missing)
  --part-size BYTES     largest asset (default ${DEFAULT_PART_SIZE}, just under GitHub's 2 GiB;
                        K, M, G suffixes are binary)
  --base-tag BASE_TAG   publish a delta against the bundle of release BASE_TAG (same repository)
  --concurrency N       uploads at once (default 4)
  --json                print the result as one JSON object on stdout
  -h, --help            show this help
Environment: GITHUB_TOKEN (required: contents write), GITHUB_API_URL (GHES).
`

export function parseSize(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const m = /^(\d+)\s*([KMG]i?B?)?$/i.exec(value.trim())
  if (!m) throw new UsageError(`--${name} ${value}: expected a number of bytes, e.g. 2000000000 or 500M`)
  const unit = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? '').charAt(0).toUpperCase() as 'K' | 'M' | 'G'] ?? 1
  const bytes = Number(m[1]) * unit
  if (bytes < 64 * 1024) throw new UsageError(`--${name} ${value}: at least 64K`)
  return bytes
}

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(
    args,
    { bundle: { type: 'string' }, repo: { type: 'string' }, tag: { type: 'string' }, 'base-tag': { type: 'string' }, 'part-size': { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'boolean' } },
    USAGE
  )
  if (!values) return
  if (!values.bundle) throw new UsageError('--bundle DIR is required')
  if (!values.repo) throw new UsageError('--repo OWNER/NAME is required')
  await requireDir('--bundle', values.bundle)
  if (!values.tag) throw new UsageError('--tag TAG is required')
  if (values['base-tag'] !== undefined && !values['base-tag'].trim()) throw new UsageError('--base-tag: give the tag of the release to publish a delta against')
  const http = createHttpClient(DEFAULT_HTTP_OPTIONS)
  const releases = new GitHubReleases(githubFromEnv(http, 'publish'), parseRepository(ownerAndName('--repo', values.repo)))
  try {
    const result = await runPublish(
      { bundleDir: values.bundle, repo: values.repo, tag: values.tag, partSize: parseSize('part-size', values['part-size'], DEFAULT_PART_SIZE), concurrency: positiveInt('concurrency', values.concurrency, 4), baseTag: values['base-tag'] },
      releases,
      {
        packed: (p) => writeErr(`packed ${p.name} (${formatBytes(p.size)})\n`),
        uploaded: (a) => writeErr(`${a.action} ${a.name}\n`)
      }
    )
    if (values.json) {
      writeOut(`${JSON.stringify(result)}\n`)
      return
    }
    writeOut(formatTable(['asset', 'size', 'sha256', 'result'], result.assets.map((a) => [a.name, formatBytes(a.size), a.sha256.slice(0, 16), a.action])))
    if (result.deleted.length) writeOut(`deleted: ${result.deleted.join(', ')}\n`)
    writeOut(`${sizeLine(result)}\n`)
    writeOut(`${result.created ? 'created' : 'updated'} ${result.releaseUrl}\n`)
  } finally {
    await http.close()
  }
}

