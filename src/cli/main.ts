#!/usr/bin/env node
/**
 * kubespray-bundle command line. Thin: parses arguments into a typed request, runs the
 * shared pipeline, prints a summary. The one place that turns errors into an exit code.
 */
import { arch as nodeArch } from 'node:process'
import { parseArgs } from 'node:util'
import { runLists, LIST_FILES } from '../pipeline/lists.js'
import { machineOfNodeArch, type ImageArch } from '../domain/kubespray/facts.js'
import { formatTable } from './table.js'

const USAGE = `Usage:
  kubespray-bundle lists --kubespray-dir DIR --out OUT [-e k=v | -e @vars.yml | -e '{json}']... [-i inventory]... [--arch amd64|arm64]

Commands:
  lists   Write OUT/files.list and OUT/images.list exactly as Kubespray's
          contrib/offline/generate_list.sh would, and OUT/files.json with the checksum
          Kubespray verifies for every file. No Ansible needed.

Options (lists):
  --kubespray-dir DIR   root of a Kubespray checkout (only roles/kubespray[-_]defaults is read)
  --out OUT             output directory (created if missing)
  -e, --extra-vars X    extra variables, as ansible-playbook -e; repeatable, later wins
  -i, --inventory INV   INI/YAML inventory file or directory (group_vars/ beside it); repeatable
  --arch ARCH           amd64 or arm64: image_arch and the control host's architecture facts
                        (default: this machine's architecture)
  -h, --help            show this help
`

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

function parseArch(value: string | undefined): ImageArch | undefined {
  if (value === undefined) return undefined
  if (value === 'amd64' || value === 'arm64') return value
  throw new UsageError(`--arch ${value}: expected amd64 or arm64`)
}

async function listsCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'kubespray-dir': { type: 'string' },
      out: { type: 'string' },
      'extra-vars': { type: 'string', short: 'e', multiple: true },
      inventory: { type: 'string', short: 'i', multiple: true },
      arch: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    allowPositionals: true
  })
  if (values.help) {
    process.stdout.write(USAGE)
    return
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`)
  const kubesprayDir = values['kubespray-dir']
  const out = values.out
  if (!kubesprayDir) throw new UsageError('--kubespray-dir DIR is required')
  if (!out) throw new UsageError('--out OUT is required')
  const started = performance.now()
  const result = await runLists({
    kubesprayDir,
    outDir: out,
    extraVars: values['extra-vars'] ?? [],
    inventories: values.inventory ?? [],
    arch: parseArch(values.arch),
    hostMachine: machineOfNodeArch(nodeArch),
    cwd: process.cwd(),
    environment: process.env
  })
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`)
  const verified = result.files.filter((f) => f.checksum).length
  process.stdout.write(
    formatTable(
      ['output', 'entries', 'note'],
      [
        [LIST_FILES.files, String(result.files.length), `${verified} with a Kubespray checksum`],
        [LIST_FILES.images, String(result.images.length), `${new Set(result.images.map((i) => i.ref)).size} distinct`],
        [LIST_FILES.manifest, String(result.files.length + result.images.length), 'urls with checksums, images with components']
      ]
    ) + `written to ${result.outDir} in ${Math.round(performance.now() - started)} ms\n`
  )
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = { lists: listsCommand }

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE)
    return command ? 0 : 2
  }
  const run = COMMANDS[command]
  try {
    if (!run) throw new UsageError(`unknown command '${command}'`)
    await run(rest)
    return 0
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e))
    const usage = error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')
    process.stderr.write(`kubespray-bundle ${command}: error: ${error.message}\n`)
    if (usage) process.stderr.write(`Run 'kubespray-bundle ${command === undefined ? '' : command} --help' for usage.\n`)
    if (process.env.KUBESPRAY_BUNDLE_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`)
    return usage ? 2 : 1
  }
}

process.exitCode = await main(process.argv.slice(2))
