/**
 * Loads a command's module. This is the source form (tsc, tests); the build swaps in
 * load-command.bundled.ts, which runs dist/commands/<name>.cjs through a V8 code cache.
 */
import type { Command } from './command.js'

export async function loadCommand(name: string): Promise<Command> {
  return (await import(`./commands/${name}.js`)) as Command
}
