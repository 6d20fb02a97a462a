/** A mistake in how the command was called: exit status 2 and a pointer to --help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/**
 * By name, not instanceof: each command is bundled on its own (dist/commands), so its
 * UsageError is a different class from the entry's.
 */
export function isUsageError(error: Error): boolean {
  return error.name === 'UsageError' || Boolean((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
}
