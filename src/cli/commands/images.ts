/** `images`: save every image of a list into one OCI layout, straight from the registries. */
import { parsePlatform } from '../../domain/images/platform.js'
import type { Platform } from '../../domain/images/media-types.js'
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../../adapters/http/client.js'
import { credentialsFromAuthFiles } from '../../adapters/registry/credentials.js'
import { ImagesJob, readImagesListFile, type ImageResult } from '../../pipeline/images.js'
import { formatTable } from '../../report/table.js'
import { formatBytes } from '../../report/progress.js'
import { JobProgress, runJob, throwIfFailed } from '../../report/job.js'
import { writeOut } from '../../report/output.js'
import { checkOutDir } from '../../adapters/out-dir.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs, positiveInt } from '../args.js'

export const USAGE = `Usage:
  kubespray-bundle images --list images.list --out DIR [--platform linux/amd64[,linux/arm64]] [--concurrency N] [--insecure-registry HOST:PORT]...

Saves every image of the list into DIR/images, one OCI image layout shared by all of them
(a layer used by many images is stored once), without any container engine. Manifests and
layers keep their registry digests and are verified while they stream. index.json names
exactly the list's images; after a successful run, blobs no listed image uses are removed.

Options:
  --list FILE                 images.list (one reference a line, as generate_list.sh writes it)
  --out DIR                   output directory; the layout is DIR/images
  --platform LIST             platforms to keep from multi-platform images, comma-separated
                              (default linux/amd64; 'all' keeps every platform)
  --concurrency N             images at once (default 16)
  --connections N             connections per registry host (default 16)
  --insecure-registry HOST    speak plain HTTP to HOST:PORT; repeatable
  --keep-unreferenced         keep blobs of images no longer in the list
  -h, --help                  show this help
Credentials: REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, ~/.docker/config.json (never printed).
`


export function parsePlatforms(value: string | undefined): Platform[] | undefined {
  if (value === 'all') return undefined
  try {
    return (value ?? 'linux/amd64').split(',').map(parsePlatform)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

// Defaults from bench/images.sh (48 images behind a 30 MiB/s-per-connection door): 8 images on 8
// connections took 6.0 s, 16 on 16 took 4.8 s, 16 on 24 took 4.6 s; the rest is the largest
// blob on its one connection.
export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(
    args,
    {
      list: { type: 'string' },
      out: { type: 'string' },
      platform: { type: 'string' },
      concurrency: { type: 'string' },
      connections: { type: 'string' },
      'insecure-registry': { type: 'string', multiple: true },
      'keep-unreferenced': { type: 'boolean' }
    },
    USAGE
  )
  if (!values) return
  const listPath = values.list
  if (!listPath) throw new UsageError('--list FILE is required (images.list)')
  if (!values.out) throw new UsageError('--out DIR is required')
  const platforms = parsePlatforms(values.platform)
  const connections = positiveInt('connections', values.connections, 16)
  const concurrency = positiveInt('concurrency', values.concurrency, 16)
  await checkOutDir('--out', values.out)
  const http = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, connectionsPerHost: connections })
  const refs = await readImagesListFile(listPath)
  const progress = new JobProgress<ImageResult>('images', (r) => r.reference)
  const started = Date.now()
  const outDir = values.out
  const { results, layoutDir, removed } = await runJob(progress, http, () =>
    new ImagesJob(
      {
        refs,
        outDir,
        platforms,
        concurrency,
        connections,
        keepUnreferenced: values['keep-unreferenced'] ?? false
      },
      { http, credentials: credentialsFromAuthFiles(), insecureHosts: new Set(values['insecure-registry'] ?? []) },
      progress
    ).run()
  )
  writeOut(
    formatTable(
      ['image', 'digest', 'platforms', 'fetched', 'time', 'result'],
      results.map((r) => [
        r.reference,
        r.digest ? r.digest.slice(0, 19) : '-',
        r.platforms?.join(',') ?? '-',
        formatBytes(r.fetched),
        `${(r.ms / 1000).toFixed(1)} s`,
        r.status === 'saved' ? 'saved, verified' : 'FAILED'
      ])
    )
  )
  const failed = results.filter((r) => r.status === 'failed')
  const seconds = (Date.now() - started) / 1000
  writeOut(
    `${results.length - failed.length}/${results.length} images in ${layoutDir}; ${formatBytes(progress.transferred)} fetched in ${seconds.toFixed(1)} s (${formatBytes(progress.transferred / Math.max(seconds, 0.001))}/s)` +
      (removed.blobs ? `; ${removed.blobs} blob(s) no listed image uses removed (${formatBytes(removed.bytes)})` : '') +
      '\n'
  )
  throwIfFailed(results, 'image(s)', (r) => r.reference)
}
