/** `lists`: Kubespray's file and image lists, generated natively. */
import { runLists, LIST_FILES } from '../../pipeline/lists.js'
import { machineOfNodeArch, type ImageArch } from '../../domain/kubespray/facts.js'
import { formatTable } from '../../report/table.js'
import { writeErr, writeOut } from '../../report/output.js'
import { checkOutDir } from '../../adapters/out-dir.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs } from '../args.js'

export const USAGE = `Usage:
  kubespray-bundle lists --kubespray-dir DIR --out OUT [-e k=v | -e @vars.yml | -e '{json}']... [-i inventory]... [--arch amd64|arm64]

Writes OUT/files.list and OUT/images.list exactly as Kubespray's
contrib/offline/generate_list.sh would, and OUT/files.json with the checksum Kubespray
verifies for every file. No Ansible needed.

Options:
  --kubespray-dir DIR   root of a Kubespray checkout (only roles/kubespray[-_]defaults is read)
  --out OUT             output directory (created if missing)
  -e, --extra-vars X    extra variables, as ansible-playbook -e; repeatable, later wins
  -i, --inventory INV   INI/YAML inventory file or directory (group_vars/ beside it); repeatable
  --arch ARCH           amd64 or arm64: image_arch and the control host's architecture facts
                        (default: this machine's architecture)
  -h, --help            show this help
`

function parseArch(value: string | undefined): ImageArch | undefined {
  if (value === undefined) return undefined
  if (value === 'amd64' || value === 'arm64') return value
  throw new UsageError(`--arch ${value}: expected amd64 or arm64`)
}

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(
    args,
    {
      'kubespray-dir': { type: 'string' },
      out: { type: 'string' },
      'extra-vars': { type: 'string', short: 'e', multiple: true },
      inventory: { type: 'string', short: 'i', multiple: true },
      arch: { type: 'string' }
    },
    USAGE
  )
  if (!values) return
  const kubesprayDir = values['kubespray-dir']
  const out = values.out
  if (!kubesprayDir) throw new UsageError('--kubespray-dir DIR is required')
  if (!out) throw new UsageError('--out OUT is required')
  const arch = parseArch(values.arch)
  await checkOutDir('--out', out)
  const started = Date.now()
  const result = await runLists({
    kubesprayDir,
    outDir: out,
    extraVars: values['extra-vars'] ?? [],
    inventories: values.inventory ?? [],
    arch,
    hostMachine: machineOfNodeArch(process.arch),
    cwd: process.cwd(),
    environment: process.env
  })
  for (const warning of result.warnings) writeErr(`warning: ${warning}\n`)
  const verified = result.files.filter((f) => f.checksum).length
  writeOut(
    formatTable(
      ['output', 'entries', 'note'],
      [
        [LIST_FILES.files, String(result.files.length), `${verified} with a Kubespray checksum`],
        [LIST_FILES.images, String(result.images.length), `${new Set(result.images.map((i) => i.ref)).size} distinct`],
        [LIST_FILES.manifest, String(result.files.length + result.images.length), 'urls with checksums, images with components']
      ]
    ) + `written to ${result.outDir} in ${Date.now() - started} ms\n`
  )
}
