/** The golden lists in ../shared/conformance (Kubespray's data: read in place, never copied). */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** ../shared/conformance beside the repository, or $CONFORMANCE_DIR. */
export const CONFORMANCE_DIR = process.env.CONFORMANCE_DIR ?? resolve(REPO_ROOT, '../shared/conformance')

export interface Variant {
  release: string
  name: string
  dir: string
  /** The Kubespray tree (role YAML only) the goldens were made from. */
  tree: string
  /** generate_list.sh's arguments as our CLI takes them. */
  args: string[]
}

/** Splits args.txt the way the shell did (no quoting is used there). */
function splitArgs(line: string): string[] {
  return line.trim() ? line.trim().split(/\s+/) : []
}

export function conformanceVariants(): Variant[] {
  if (!existsSync(CONFORMANCE_DIR)) {
    throw new Error(`${CONFORMANCE_DIR} is missing: the conformance goldens live in ../shared beside the repository`)
  }
  return readdirSync(CONFORMANCE_DIR)
    .filter((r) => r.startsWith('v'))
    .sort()
    .flatMap((release) =>
      readdirSync(join(CONFORMANCE_DIR, release))
        .filter((n) => existsSync(join(CONFORMANCE_DIR, release, n, 'args.txt')))
        .sort()
        .map((name) => {
          const dir = join(CONFORMANCE_DIR, release, name)
          // x_facts_aarch64 was made with an aarch64 fact cache: --arch arm64 is our way to say that.
          const args = name === 'x_facts_aarch64' ? ['--arch', 'arm64'] : splitArgs(readFileSync(join(dir, 'args.txt'), 'utf8'))
          return { release, name, dir, tree: join(CONFORMANCE_DIR, release, 'inputs'), args }
        })
    )
}
