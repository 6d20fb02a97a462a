/** What every CLI command module exports. */
export interface Command {
  USAGE: string
  run(args: string[]): Promise<void>
}
