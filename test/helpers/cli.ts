import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { CONFORMANCE_DIR, REPO_ROOT } from './conformance.js'
import { tempDir } from './temp.js'

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
  const dir = tempDir('kb-tree-')
  cpSync(join(CONFORMANCE_DIR, release, 'inputs'), dir, { recursive: true })
  return dir
}

export interface SpawnedCli {
  child: ChildProcess
  done: Promise<CliResult>
  /** Resolves once stderr (progress lines included) satisfies `test`; rejects if the run ends first. */
  stderrUntil(test: (stderr: string) => boolean, timeoutMs?: number): Promise<string>
}

/**
 * Starts the bundle without waiting, for tests that interrupt it. Progress lines come every
 * 100 ms, so a test can wait on what the run reports instead of sleeping.
 */
export function spawnCli(args: string[], cwd: string, env: Record<string, string> = {}): SpawnedCli {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/cli.js'), ...args], { cwd, env: { ...process.env, KUBESPRAY_BUNDLE_PROGRESS_MS: '100', ...env } })
  let stdout = ''
  let stderr = ''
  let ended = false
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (status) => {
      ended = true
      resolve({ status, stdout, stderr })
    })
  )
  const stderrUntil = async (test: (stderr: string) => boolean, timeoutMs = 30_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs
    while (!test(stderr)) {
      if (ended) throw new Error(`the run ended before its output showed what the test waited for:\n${stderr}`)
      if (Date.now() > deadline) throw new Error(`timed out waiting on the run's output:\n${stderr}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    return stderr
  }
  return { child, done, stderrUntil }
}

/** Bytes the last progress line reports (e.g. `files 0/1  3.2 MiB …`). */
export function progressBytes(stderr: string): number {
  const units: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }
  const matches = [...stderr.matchAll(/^\w+ \d+\/\d+(?:, \d+ failed)?  ([\d.]+) (B|KiB|MiB|GiB)/gm)]
  const last = matches.at(-1)
  return last ? Number(last[1]) * units[last[2]] : 0
}
