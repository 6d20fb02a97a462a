#!/usr/bin/env node
/**
 * kubespray-bundle command line. Thin: each command parses its arguments into a typed
 * request and runs the shared pipeline. This is the one place that turns errors into an
 * exit code. Commands are imported on demand so that a quick `lists` never loads the
 * download or registry code.
 */
import { loadCommand } from './load-command.js'
import { writeErr, writeOut } from '../report/output.js'
import { isUsageError, UsageError } from './usage-error.js'
import { tuneGarbageCollectionForDownloads } from '../adapters/gc-tuning.js'
import { TOOL_VERSION } from '../version.js'

const COMMANDS: Record<string, string> = {
  build: 'resolve a Kubespray version and build a complete, verified bundle (lists, files, images)',
  lists: 'write files.list/images.list as generate_list.sh would, and files.json with checksums',
  files: 'download the files of a list in parallel, verified against their checksums',
  images: 'save the images of a list into one OCI layout, straight from the registries',
  push: 'push every image of a saved layout into a registry, digests unchanged',
  publish: 'publish a bundle as GitHub release assets, each below 2 GiB and usable alone',
  merge: "write a release's bundle.json and SHA256SUMS over the bundles its jobs published",
  fetch: 'download a published bundle, verify it and rebuild the bundle directory',
  verify: 'check every file and blob of a bundle against its SHA256SUMS and bundle.json',
  serve: "serve a bundle's files over HTTP and its images as a read-only registry",
  'offline-yml': "write the group_vars pointing Kubespray at a served bundle, checked against it",
  audit: "list every image and url the bundle's Kubespray tree fetches that the bundle lacks"
}

const USAGE =
  'Usage: kubespray-bundle COMMAND [options]   (kubespray-bundle COMMAND --help for its options)\n' +
  '       kubespray-bundle --version\n\nCommands:\n' +
  Object.entries(COMMANDS)
    .map(([name, summary]) => `  ${name.padEnd(12)}${summary}\n`)
    .join('')

/** What a bug report needs: this tool's version (package.json's) and the Node running it. */
const VERSION = `kubespray-bundle ${TOOL_VERSION} (Node ${process.version}, ${process.platform}-${process.arch})\n`

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    writeOut(USAGE)
    return command ? 0 : 2
  }
  if (command === '--version' || command === '-V') {
    writeOut(VERSION)
    return 0
  }
  try {
    if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command '${command}'`)
    await (await loadCommand(command)).run(rest)
    return 0
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e))
    const usage = isUsageError(error)
    writeErr(`kubespray-bundle ${command}: error: ${error.message}\n`)
    if (usage) writeErr(`Run 'kubespray-bundle ${Object.hasOwn(COMMANDS, command) ? command + ' ' : ''}--help' for usage.\n`)
    if (process.env.KUBESPRAY_BUNDLE_DEBUG && error.stack) writeErr(`${error.stack}\n`)
    return usage ? 2 : 1
  }
}

tuneGarbageCollectionForDownloads()
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
