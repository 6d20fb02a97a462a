/** `push`: copy every image of a saved OCI layout into a registry, digests unchanged. */
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../../adapters/http/client.js'
import { credentialsFromAuthFiles } from '../../adapters/registry/credentials.js'
import { PushJob, type PushResult } from '../../pipeline/push.js'
import { formatTable } from '../table.js'
import { formatBytes, ProgressLine } from '../progress.js'
import { writeOut } from '../output.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs, positiveInt } from '../args.js'
import { ImageCounter } from './images.js'

export const USAGE = `Usage:
  kubespray-bundle push --from DIR/images --registry HOST:PORT [--insecure]

Pushes every image of the OCI layout to HOST:PORT/<repository path without its registry
host>:<tag> (quay.io/calico/node:v3.30.5 -> HOST:PORT/calico/node:v3.30.5), blobs as they
are and manifests byte for byte, so digests equal the source's. Blobs the registry has are
skipped; blobs in another repository of the registry are mounted.

Options:
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
      registry: { type: 'string' },
      insecure: { type: 'boolean' },
      concurrency: { type: 'string' }
    },
    USAGE
  )
  if (!values) return
  if (!values.from) throw new UsageError('--from DIR/images is required')
  if (!values.registry || !/^[\w.-]+(:\d+)?$/.test(values.registry)) throw new UsageError('--registry HOST:PORT is required (no scheme, no path)')
  const concurrency = positiveInt('concurrency', values.concurrency, 4)
  const http = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, connectionsPerHost: 8 })
  const progress = new ImageCounter('pushed')
  progress.line = new ProgressLine((ms) => progress.render(ms))
  const started = Date.now()
  let results: PushResult[]
  try {
    results = await new PushJob(
      { layoutDir: values.from, registry: values.registry, concurrency },
      { http, credentials: credentialsFromAuthFiles(), insecureHosts: new Set(values.insecure ? [values.registry] : []) },
      progress
    ).run()
  } finally {
    progress.line.stop()
    await http.close()
  }
  writeOut(
    formatTable(
      ['image', 'pushed to', 'digest', 'uploaded', 'time', 'result'],
      results.map((r) => [r.reference, r.target, r.digest ? r.digest.slice(0, 19) : '-', formatBytes(r.uploaded), `${(r.ms / 1000).toFixed(1)} s`, r.status === 'pushed' ? 'pushed' : 'FAILED'])
    )
  )
  const failed = results.filter((r) => r.status === 'failed')
  writeOut(`${results.length - failed.length}/${results.length} images pushed to ${values.registry} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  if (failed.length) throw new Error(`${failed.length} of ${results.length} image(s) failed:\n` + failed.map((r) => `  ${r.reference}: ${r.error}`).join('\n'))
}
