/** `audit`: every image and url the bundle's Kubespray tree would fetch, against what the bundle holds. */
import { auditBundle, type AuditEntry, type AuditResult } from '../../pipeline/audit.js'
import { machineOfNodeArch } from '../../domain/kubespray/facts.js'
import { formatTable } from '../../report/table.js'
import { requireDir } from '../../adapters/out-dir.js'
import { writeErr, writeOut } from '../../report/output.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs } from '../args.js'

export const USAGE = `Usage:
  kubespray-bundle audit --bundle DIR [-e k=v | -e @vars.yml]... [-i inventory]... [--kubespray TAG | --kubespray-dir TREE] [--json]

Renders every image reference and url in the bundle's Kubespray tree (the roles' defaults,
vars and templates, and the download role's entries) with the bundle's variables, arch by arch,
and lists each one the bundle lacks with the role, file and variable that want it and whether
that component is enabled (the playbooks' and roles' when: conditions, rendered). Exits 1 when
an enabled component (or one whose conditions cannot be read) lacks something. A bundle of
several Kubespray versions is audited version by version (each tree against what the bundle
holds for it), or only the one --kubespray names.

Options:
  --bundle DIR          the bundle directory
  -e, --extra-vars X    extra variables after the bundle's own, as ansible-playbook -e; repeatable
  -i, --inventory INV   INI/YAML inventory file or directory (group_vars/ beside it); repeatable
  --kubespray TAG       in a bundle of several versions: audit this one only
  --kubespray-dir TREE  read this Kubespray tree instead of the bundle's own source tarball
                        (in a bundle of several versions, with --kubespray: that version's)
  --json                print the result as JSON instead of a table
  -h, --help            show this help
`

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(
    args,
    {
      bundle: { type: 'string' },
      'extra-vars': { type: 'string', short: 'e', multiple: true },
      inventory: { type: 'string', short: 'i', multiple: true },
      'kubespray-dir': { type: 'string' },
      kubespray: { type: 'string' },
      json: { type: 'boolean' }
    },
    USAGE
  )
  if (!values) return
  if (!values.bundle) throw new UsageError('--bundle DIR is required')
  await requireDir('--bundle', values.bundle)
  const started = Date.now()
  const result = await auditBundle({
    bundleDir: values.bundle,
    extraVars: values['extra-vars'] ?? [],
    inventories: values.inventory ?? [],
    kubesprayDir: values['kubespray-dir'],
    ...(values.kubespray !== undefined ? { kubespray: values.kubespray } : {}),
    hostMachine: machineOfNodeArch(process.arch),
    cwd: process.cwd(),
    environment: process.env
  })
  if (values.json) writeOut(`${JSON.stringify(result, null, 2)}\n`)
  else writeOut(renderAudit(result, Date.now() - started))
  for (const warning of result.warnings) writeErr(`warning: ${warning}\n`)
  // One line on stderr (main prints it) and exit 1: an enabled component lacks something.
  if (result.failed) throw new Error(result.summary)
}

/** The condition that decided, without the path that led to it (--json has the whole). */
function deciding(because: string): string {
  const at = because.lastIndexOf('when: ')
  return at >= 0 ? because.slice(at) : because
}

function renderAudit(result: AuditResult, ms: number): string {
  const allArches = result.arches.join('+')
  // A bundle of several versions: which version's tree wants it.
  const versions = result.missing.some((e) => e.version !== undefined)
  const row = (e: AuditEntry): string[] => {
    const s = e.sources[0]
    const more = e.sources.length > 1 ? ` (+${e.sources.length - 1})` : ''
    return [
      ...(versions ? [e.version ?? ''] : []),
      e.enabled,
      e.kind,
      e.reference,
      s.role,
      `${s.file}${s.line ? `:${s.line}` : ''}${more}`,
      s.variable,
      e.arches.join('+') === allArches ? 'all' : e.arches.join('+'),
      e.enabled === 'yes' ? '' : deciding(e.because)
    ]
  }
  const header = [...(versions ? ['version'] : []), 'enabled', 'kind', 'reference', 'role', 'file', 'variable', 'arches', 'why']
  let out = `Kubespray ${result.kubespray} (${result.arches.join(', ')}): ${result.checked.images} images and ${result.checked.urls} urls referenced\n\n`
  out += result.missing.length ? `Not in the bundle:\n${formatTable(header, result.missing.map(row))}\n` : 'Nothing referenced is missing from the bundle.\n\n'
  if (result.unrendered.length) {
    out += `Could not be rendered with these variables (not judged):\n`
    out += formatTable(
      ['enabled', 'kind', 'expression', 'role', 'file', 'problem'],
      result.unrendered.map((e) => [e.enabled, e.kind, e.reference, e.sources[0].role, `${e.sources[0].file}${e.sources[0].line ? `:${e.sources[0].line}` : ''}`, e.problem ?? ''])
    )
    out += '\n'
  }
  return `${out}${result.summary} (${ms} ms)\n`
}
