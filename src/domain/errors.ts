/**
 * A bad input to a job (a list, a layout, an argument value the job itself checks): the message
 * names the culprit and what to do. The CLI exits 1 with it; the action fails the step with it.
 * Matched by name, not instanceof, because each command is bundled on its own.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}

export const isInputError = (error: unknown): boolean => (error as Error | undefined)?.name === 'InputError'
