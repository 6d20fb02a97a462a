/** `offline-yml`: the group_vars that point Kubespray at a served bundle, checked by generating the lists with them. */
import { machineOfNodeArch } from '../../domain/kubespray/facts.js'
import { ensureDirUnder, regularFile, writeFileAtomic } from '../../adapters/fs-atomic.js'
import { checkOutFile, requireDir } from '../../adapters/out-dir.js'
import { InputError } from '../../domain/errors.js'
import { versionView } from '../../domain/bundle.js'
import { readBundleManifest } from '../../pipeline/bundle-dir.js'
import { makeOfflineYml } from '../../pipeline/offline-yml.js'
import { writeErr, writeOut } from '../../report/output.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs } from '../args.js'
import { basename, dirname, join } from 'node:path'

export const USAGE = `Usage:
  kubespray-bundle offline-yml --bundle DIR --files-url http://HOST:PORT --registry HOST:PORT [--kubespray TAG] [--out FILE] [--no-digest-pins]

Writes the inventory group_vars file (offline.yml) that points Kubespray at this bundle, served
by 'serve' (or nginx and a registry you pushed it into): files_repo and registry_host, the url
roots (github_url, dl_k8s_io_url, …) and the *_image_repo registries, per-file *_download_url
where no root fits, and the variables the bundle was built with. It is checked before it is
written: Kubespray's lists generated with it must name only files and images of the bundle,
for every arch; otherwise the gaps are named and nothing is written.

Options:
  --bundle DIR            the bundle directory
  --files-url URL         where DIR/files is served (http://HOST:PORT)
  --registry HOST:PORT    where the images are (serve's registry, or where push put them)
  --out FILE              write it there (default: print it)
  --kubespray TAG         which version, for a bundle of several (build --kubespray 2.30,2.31):
                          the file for that one, checked against its lists (required there)
  --kubespray-dir DIR     the Kubespray tree, for a bundle built from a local tree
  --no-digest-pins        Helm charts pull by tag, not by the upstream digests their values pin
                          (Cilium's): for a registry that cannot keep those digests, as push
                          warns; serve keeps them, so it needs no such values
  -h, --help              show this help
`

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(
    args,
    { bundle: { type: 'string' }, 'files-url': { type: 'string' }, registry: { type: 'string' }, out: { type: 'string' }, 'kubespray-dir': { type: 'string' }, kubespray: { type: 'string' }, 'no-digest-pins': { type: 'boolean' } },
    USAGE
  )
  if (!values) return
  if (!values.bundle) throw new UsageError('--bundle DIR is required')
  if (!values['files-url']) throw new UsageError('--files-url http://HOST:PORT is required')
  if (!values.registry) throw new UsageError('--registry HOST:PORT is required')
  await requireDir('--bundle', values.bundle)
  if (values['kubespray-dir']) await requireDir('--kubespray-dir', values['kubespray-dir'])
  else await requireKubesprayTarball(values.bundle, values.kubespray)
  const out = values.out === undefined ? undefined : await checkOutFile('--out', values.out, 'offline.yml')
  const result = await makeOfflineYml({
    bundleDir: values.bundle,
    filesUrl: values['files-url'],
    registry: values.registry,
    kubesprayDir: values['kubespray-dir'],
    ...(values.kubespray !== undefined ? { kubespray: values.kubespray } : {}),
    hostMachine: machineOfNodeArch(process.arch),
    digestPins: !values['no-digest-pins']
  })
  for (const note of result.notes) writeErr(`note: ${note}\n`)
  if (!out) return writeOut(result.text)
  await ensureDirUnder(dirname(out), '.')
  await writeFileAtomic(out, result.text)
  writeErr(`${basename(out)}: checked ${result.checked.files} file urls and ${result.checked.images} images, all in the bundle\n`)
}

/** The Kubespray source the bundle carries, there before anything is generated from it. */
async function requireKubesprayTarball(bundleDir: string, version: string | undefined): Promise<void> {
  // The version asked for (in a bundle of several, one must be: the error names them).
  const tarball = versionView(await readBundleManifest(bundleDir), version).manifest.kubespray.tarball
  // A bundle built from a local tree carries none: the pipeline says to give --kubespray-dir.
  if (tarball && !(await regularFile(join(bundleDir, tarball.path)))) {
    throw new InputError(`--bundle ${bundleDir}: its Kubespray source ${tarball.path} is missing (fetch the bundle again, or give a Kubespray tree with --kubespray-dir)`)
  }
}
