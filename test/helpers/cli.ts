import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CONFORMANCE_DIR, REPO_ROOT } from './conformance.js'

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the committed bundle, as a user of a fresh clone would. */
export function runCli(args: string[], cwd: string): CliResult {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/cli.js'), ...args], { cwd, encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** A scratch copy of a release's role files, for tests that edit or add files. */
export function scratchTree(release = 'v2.30.0'): string {
  const dir = mkdtempSync(join(tmpdir(), 'kb-tree-'))
  cpSync(join(CONFORMANCE_DIR, release, 'inputs'), dir, { recursive: true })
  return dir
}
