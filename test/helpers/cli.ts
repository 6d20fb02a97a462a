import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
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

/** Starts the bundle without waiting, for tests that interrupt it. */
export function spawnCli(args: string[], cwd: string, env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/cli.js'), ...args], { cwd, env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<CliResult>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })))
  return { child, done }
}
