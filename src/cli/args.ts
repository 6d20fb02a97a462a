/** Argument parsing shared by the commands: node:util parseArgs, --help, and typed checks. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { writeOut } from '../report/output.js'
import { UsageError } from './usage-error.js'

type Options = NonNullable<ParseArgsConfig['options']>
type Config<T extends Options> = { args: string[]; options: T; allowPositionals: true; strict: true }
export type CommandValues<T extends Options> = ReturnType<typeof parseArgs<Config<T>>>['values']

/**
 * Parses a command's options (with -h/--help added). Returns undefined after printing the
 * usage for --help; stray positional arguments are a usage error.
 */
export function parseCommandArgs<T extends Options>(args: string[], options: T, usage: string): CommandValues<T> | undefined {
  const config = { args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true } as const
  const { values, positionals } = parseArgs(config)
  if ((values as { help?: boolean }).help) {
    writeOut(usage)
    return undefined
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`)
  return values as CommandValues<T>
}

/** OWNER/NAME of a GitHub repository, named in the error by the flag the user gave it with. */
export function ownerAndName(flag: string, value: string): string {
  if (!/^[\w.-]+\/[\w.-]+$/.test(value)) throw new UsageError(`${flag} ${value}: expected OWNER/NAME`)
  return value
}

export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} ${value}: expected a whole number of at least 1`)
  return Number(value)
}
