/** `push`: copy every image of a saved OCI layout into a registry, digests unchanged. */
import { join } from 'node:path'
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../../adapters/http/client.js'
import { credentialsFromAuthFiles } from '../../adapters/registry/credentials.js'
import { PushJob, type PushResult } from '../../pipeline/push.js'
import { formatTable } from '../../report/table.js'
import { formatBytes } from '../../report/progress.js'
import { JobProgress, runJob, throwIfFailed } from '../../report/job.js'
import { writeErr, writeOut } from '../../report/output.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs, positiveInt } from '../args.js'
import { requireDir } from '../../adapters/out-dir.js'

export const USAGE = `Usage:
  kubespray-bundle push --bundle DIR --registry HOST:PORT [--insecure]
  kubespray-bundle push --from DIR/images --registry HOST:PORT [--insecure]

Pushes every image of the OCI layout to HOST:PORT/<repository path without its registry
host>:<tag> (quay.io/calico/node:v3.30.5 -> HOST:PORT/calico/node:v3.30.5), blobs as they
are and manifests byte for byte, so digests equal the source's. Blobs the registry has are
skipped; blobs in another repository of the registry are mounted. An image saved with every
platform goes as the registry's original index (or list) under its tag, so its digest is the
upstream one.

Options:
  --bundle DIR        a bundle directory (its layout is DIR/images)
  --from DIR          the layout written by the images command (DIR/images)
  --registry HOST     the target registry, HOST:PORT
  --insecure          plain HTTP to the registry (default HTTPS; a custom CA via NODE_EXTRA_CA_CERTS)
  --concurrency N     images at once (default 4)
  -h, --help          show this help
Credentials: REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, ~/.docker/config.json (never printed).
`

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(
    args,
    {
      from: { type: 'string' },
      bundle: { type: 'string' },
      registry: { type: 'string' },
      insecure: { type: 'boolean' },
      concurrency: { type: 'string' }
    },
    USAGE
  )
  if (!values) return
  const { registry } = values
  if (values.from && values.bundle) throw new UsageError('give --bundle DIR or --from DIR/images, not both')
  const from = values.bundle ? join(values.bundle, 'images') : values.from
  if (!from) throw new UsageError('--bundle DIR (or --from DIR/images) is required')
  if (!registry || !/^[\w.-]+(:\d+)?$/.test(registry)) throw new UsageError('--registry HOST:PORT is required (no scheme, no path)')
  const concurrency = positiveInt('concurrency', values.concurrency, 4)
  await (values.bundle ? requireDir('--bundle', values.bundle) : requireDir('--from', from))
  const http = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, connectionsPerHost: 8 })
  const progress = new JobProgress<PushResult>('pushed', (r) => r.reference)
  const started = Date.now()
  const results = await runJob(progress, http, () =>
    new PushJob(
      { layoutDir: from, registry, concurrency },
      { http, credentials: credentialsFromAuthFiles(), insecureHosts: new Set(values.insecure ? [registry] : []) },
      progress
    ).run()
  )
  writeOut(
    formatTable(
      ['image', 'pushed to', 'digest', 'uploaded', 'time', 'result'],
      results.map((r) => [r.reference, r.target, r.digest ? r.digest.slice(0, 19) : '-', formatBytes(r.uploaded), `${(r.ms / 1000).toFixed(1)} s`, r.status === 'pushed' ? 'pushed' : 'FAILED'])
    )
  )
  const failed = results.filter((r) => r.status === 'failed')
  writeOut(`${results.length - failed.length}/${results.length} images pushed to ${values.registry} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  const refused = results.flatMap((r) => (r.pinRefused ? [r.pinRefused] : []))
  if (refused.length) {
    writeErr(
      `warning: ${values.registry} refuses an index whose other platforms are absent (Distribution 2.8 does), so ${refused.length} upstream digest(s) of images saved for some platforms only are not there; ` +
        `references pinned to them will miss (tags work): ${refused.join(', ')}. serve answers them; for Helm charts that pin them, offline-yml --no-digest-pins writes values that pull by tag.\n`
    )
  }
  throwIfFailed(results, 'image(s)', (r) => r.reference)
}
