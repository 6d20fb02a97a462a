/** `serve`: a bundle's files over HTTP and its images as a read-only registry, with nothing but Node. */
import { startServing } from '../../pipeline/serve.js'
import { readBundleManifest } from '../../pipeline/bundle-dir.js'
import { versionNames } from '../../domain/bundle.js'
import { writeErr, writeOut } from '../../report/output.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs } from '../args.js'
import { requireDir } from '../../adapters/out-dir.js'

export const USAGE = `Usage:
  kubespray-bundle serve --bundle DIR [--host H] [--files-port 8080] [--registry-port 35000]

Serves DIR/files over HTTP (GET, HEAD, Range) and DIR/images as a read-only OCI registry:
quay.io/calico/node:v3.30.5 is HOST:35000/calico/node:v3.30.5, under its upstream digest.
Logs every request to stderr; runs until stopped (Ctrl-C, SIGTERM).

Options:
  --bundle DIR          the bundle directory
  --host H              address to listen on (default 127.0.0.1, this machine only;
                        --host 0.0.0.0 serves other machines too)
  --files-port N        the files server's port (default 8080)
  --registry-port N     the registry's port (default 35000)
  -h, --help            show this help
`

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`--${name} ${value}: expected a port number`)
  return Number(value)
}

/** The versions of a bundle of several, or undefined (one version, or no readable bundle.json: serve serves the layout anyway). */
async function severalVersions(bundleDir: string): Promise<string[] | undefined> {
  const manifest = await readBundleManifest(bundleDir).catch(() => undefined)
  return manifest?.versions ? versionNames(manifest) : undefined
}

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(
    args,
    { bundle: { type: 'string' }, host: { type: 'string' }, 'files-port': { type: 'string' }, 'registry-port': { type: 'string' } },
    USAGE
  )
  if (!values) return
  if (!values.bundle) throw new UsageError('--bundle DIR is required')
  const filesPort = port('files-port', values['files-port'], 8080)
  const registryPort = port('registry-port', values['registry-port'], 35000)
  if (filesPort === registryPort && filesPort !== 0) throw new UsageError(`--files-port and --registry-port are both ${filesPort}: give them different ports`)
  await requireDir('--bundle', values.bundle)
  // Both listeners or neither: it says it serves only once both are bound.
  const serving = await startServing(
    { bundleDir: values.bundle, host: values.host ?? '127.0.0.1', filesPort, registryPort, portNames: { files: '--files-port', registry: '--registry-port' } },
    (line) => writeErr(`${new Date().toISOString()} ${line}\n`)
  )
  writeOut(`files: ${serving.filesUrl}/  registry: ${serving.registry} (${serving.images} images, read-only, plain HTTP)\n`)
  // A bundle of several Kubespray versions serves them all; each inventory needs its version's offline.yml.
  const versions = await severalVersions(values.bundle)
  if (versions) writeOut(`Kubespray ${versions.join(', ')}: offline-yml --bundle ${values.bundle} --kubespray TAG writes each one's offline.yml\n`)
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      void serving.close().then(resolve)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
