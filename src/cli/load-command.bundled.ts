/**
 * Loads dist/commands/<name>.cjs with a V8 code cache, as Node 22's module.enableCompileCache()
 * does for its own loaders (Node 20, which this tool still supports, has none). Compiling the
 * command cold is a sixth of a `lists` run; with the cache, V8 reuses the bytecode of every
 * function the previous run compiled. The cache is only an optimisation: V8 rejects an entry
 * that does not match the source or this V8, any I/O error is ignored, and
 * NODE_DISABLE_COMPILE_CACHE (Node's own switch) turns it off.
 */
import { createRequire, wrap } from 'node:module'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'
import type { Command } from './command.js'

function cacheDirectory(): string | undefined {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined
  try {
    return join(tmpdir(), `kubespray-bundle-compile-cache-${userInfo().uid}`)
  } catch {
    return undefined
  }
}

function readCache(path: string | undefined): Buffer | undefined {
  try {
    return path ? readFileSync(path) : undefined
  } catch {
    return undefined
  }
}

function writeCache(path: string, data: Buffer): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    const temp = `${path}.${process.pid}.tmp`
    writeFileSync(temp, data)
    renameSync(temp, path)
  } catch {
    // A read-only or full temp directory only costs the next run its head start.
  }
}

export async function loadCommand(name: string): Promise<Command> {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'commands', `${name}.cjs`)
  const source = readFileSync(file, 'utf8')
  const dir = cacheDirectory()
  const cachePath = dir && join(dir, `${name}-${process.versions.v8}-${source.length}.bin`)
  const cached = readCache(cachePath)
  const script = new Script(wrap(source), { filename: file, cachedData: cached })
  const module = { exports: {} as Command }
  const init = script.runInThisContext() as (...args: unknown[]) => void
  init.call(module.exports, module.exports, createRequire(file), module, file, dirname(file))
  if (cachePath && (!cached || script.cachedDataRejected)) {
    // Written when the process ends, so the cache holds every function this run compiled.
    process.once('beforeExit', () => writeCache(cachePath, script.createCachedData()))
  }
  return module.exports
}
