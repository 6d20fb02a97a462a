/**
 * `serve` and `verify` against a bundle that is not what it should be, and a client that hangs up:
 * aborted downloads give back their file descriptors, a symbolic link never serves what lies outside
 * the bundle, serve listens on this machine only unless told, and verify names every entry that is
 * not a regular file. The bundle is made by hand (bundle.json, SHA256SUMS, files/): both verbs
 * accept it, and a few MB of random bytes are enough to keep a response from completing.
 */
import { createHash, randomBytes } from 'node:crypto'
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { connect } from 'node:net'
import { join } from 'node:path'
import { spawnCli, type CliResult, type SpawnedCli } from './helpers/cli.js'
import { tempDir } from './helpers/temp.js'

const BIG = 6 << 20

let work: string
let bundle: string
let big: Buffer

beforeAll(() => {
  work = tempDir('kb-serve-hard-')
  bundle = join(work, 'bundle')
  big = randomBytes(BIG)
  makeBundle(bundle, { 'files/big.bin': big, 'files/small.txt': Buffer.from('small\n'), 'files/sub/x.txt': Buffer.from('x\n') })
})

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A bundle with no images: bundle.json and SHA256SUMS vouching for `files`. */
function makeBundle(dir: string, files: Record<string, Buffer>): void {
  const manifest = { schema: 'kubespray-bundle/v1', files: [], images: [] }
  const all: Record<string, Buffer> = { ...files, 'bundle.json': Buffer.from(JSON.stringify(manifest)) }
  for (const [path, bytes] of Object.entries(all)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), bytes)
  }
  writeFileSync(join(dir, 'SHA256SUMS'), Object.entries(all).map(([path, bytes]) => `${sha256(bytes)}  ${path}\n`).join(''))
}

function copyOf(name: string): string {
  const dir = join(work, name)
  cpSync(bundle, dir, { recursive: true })
  return dir
}

/** verify, stopped after 20 s: one that opens a FIFO waits forever, and must not outlive the test. */
async function verify(dir: string): Promise<CliResult> {
  const run = spawnCli(['verify', '--bundle', dir], work)
  const deadline = setTimeout(() => run.child.kill('SIGKILL'), 20_000)
  const result = await run.done
  clearTimeout(deadline)
  if (result.status === null) throw new Error(`verify ${dir} did not finish in 20 s`)
  return result
}

interface Server {
  cli: SpawnedCli
  filesUrl: string
  filesPort: number
}

/** serve on ports the system picks, known from the line it prints. */
async function serve(dir: string, extra: string[] = ['--host', '127.0.0.1']): Promise<Server> {
  const cli = spawnCli(['serve', '--bundle', dir, '--files-port', '0', '--registry-port', '0', ...extra], work)
  let stdout = ''
  cli.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  for (let waited = 0; !/^files: /m.test(stdout); waited += 20) {
    if (waited > 15_000 || cli.child.exitCode !== null) throw new Error(`serve did not start:\n${(await cli.done).stderr}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  const filesUrl = /^files: (http:\/\/\S+?)\/ /m.exec(stdout)?.[1] ?? ''
  return { cli, filesUrl, filesPort: Number(new URL(filesUrl).port) }
}

async function stop(server: Server): Promise<CliResult> {
  server.cli.child.kill('SIGTERM')
  return server.cli.done
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length
}

/** A GET hung up on as soon as the response has begun: the server is then mid-file. */
function abortedGet(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`))
    socket.once('data', (d: Buffer) => {
      if (!d.toString('latin1').startsWith('HTTP/1.1 200')) reject(new Error(`expected a 200, got ${d.toString('latin1').split('\r\n')[0]}`))
      socket.destroy()
      resolve()
    })
    socket.once('error', reject)
  })
}

async function settledFds(pid: number, atMost: number): Promise<number> {
  let count = openFds(pid)
  for (let i = 0; i < 100 && count > atMost; i++) {
    await new Promise((r) => setTimeout(r, 50))
    count = openFds(pid)
  }
  return count
}

describe('serve', () => {
  it('gives back every file descriptor of 200 aborted downloads, and keeps serving', async () => {
    const server = await serve(bundle)
    const pid = server.cli.child.pid ?? 0
    try {
      // One whole download first, so whatever the server opens once (thread pool, ...) is in the baseline.
      expect(sha256(Buffer.from(await (await fetch(`${server.filesUrl}/big.bin`)).arrayBuffer()))).toBe(sha256(big))
      const baseline = await settledFds(pid, 0)
      for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 20 }, () => abortedGet(server.filesPort, '/big.bin')))
      // pipe() kept each file open: baseline + 200 (and 200 MiB of buffers) until the server stopped.
      expect(await settledFds(pid, baseline + 5)).toBeLessThanOrEqual(baseline + 5)
      expect(sha256(Buffer.from(await (await fetch(`${server.filesUrl}/big.bin`)).arrayBuffer()))).toBe(sha256(big))
    } finally {
      await stop(server)
    }
    const log = (await server.cli.done).stderr
    expect(log.match(/GET \/big\.bin 200 aborted/g)?.length).toBe(200)
    expect(log).not.toMatch(/ 500 /)
  }, 60_000)

  it('serves nothing through a symbolic link, and verify names the link', async () => {
    const outside = join(work, 'outside')
    mkdirSync(outside, { recursive: true })
    const secret = `secret-${randomBytes(8).toString('hex')}`
    writeFileSync(join(outside, 'secret.txt'), secret)
    const dir = copyOf('linked')
    symlinkSync(outside, join(dir, 'files', 'evil'))
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'files', 'leaf.txt'))
    const server = await serve(dir)
    try {
      for (const path of ['/evil/secret.txt', '/leaf.txt']) {
        for (const method of ['GET', 'HEAD']) {
          const r = await fetch(`${server.filesUrl}${path}`, { method })
          expect([path, method, r.status]).toEqual([path, method, 404])
          expect(await r.text()).not.toContain(secret)
        }
      }
      // What is really inside is still served.
      expect(await (await fetch(`${server.filesUrl}/sub/x.txt`)).text()).toBe('x\n')
    } finally {
      await stop(server)
    }
    const r = await verify(dir)
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('files/evil: a symbolic link, not a regular file (a bundle holds regular files only)')
    expect(r.stderr).toContain('files/leaf.txt: a symbolic link, not a regular file')
  })

  it('listens on 127.0.0.1 only unless --host says otherwise', async () => {
    const server = await serve(bundle, [])
    try {
      expect(server.filesUrl).toBe(`http://127.0.0.1:${server.filesPort}`)
      const portHex = server.filesPort.toString(16).toUpperCase().padStart(4, '0')
      const listening = ['tcp', 'tcp6'].flatMap((table) =>
        readFileSync(`/proc/${server.cli.child.pid}/net/${table}`, 'utf8')
          .split('\n')
          .slice(1)
          .map((line) => line.trim().split(/\s+/))
          .filter((f) => f[1]?.endsWith(`:${portHex}`) && f[3] === '0A')
          .map((f) => f[1].split(':')[0])
      )
      // 0100007F is 127.0.0.1 as /proc writes it; 0.0.0.0 or :: would be all zeros.
      expect(listening).toEqual(['0100007F'])
    } finally {
      await stop(server)
    }
  })
})

describe('verify', () => {
  it('passes the hand-made bundle as it is', async () => {
    const r = await verify(bundle)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  it('names a FIFO, a listed file that is a link (even to the same bytes) and a file reached through a linked directory; never hangs on the FIFO', async () => {
    const dir = copyOf('odd')
    const outside = join(work, 'odd-outside')
    mkdirSync(join(outside, 'sub'), { recursive: true })
    // Same bytes outside: hashing through the links would find nothing wrong.
    writeFileSync(join(outside, 'small.txt'), 'small\n')
    writeFileSync(join(outside, 'sub', 'x.txt'), 'x\n')
    rmSync(join(dir, 'files', 'small.txt'))
    symlinkSync(join(outside, 'small.txt'), join(dir, 'files', 'small.txt'))
    rmSync(join(dir, 'files', 'sub'), { recursive: true })
    symlinkSync(join(outside, 'sub'), join(dir, 'files', 'sub'))
    execFileSync('mkfifo', [join(dir, 'files', 'pipe')])
    // A listed FIFO: opening it to hash would wait for a writer forever.
    execFileSync('mkfifo', [join(dir, 'files', 'listed-pipe')])
    writeFileSync(join(dir, 'SHA256SUMS'), `${readFileSync(join(dir, 'SHA256SUMS'), 'utf8')}${sha256(Buffer.alloc(0))}  files/listed-pipe\n`)
    const r = await verify(dir)
    expect(r.status).toBe(1)
    const problems = r.stderr.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim()).sort()
    expect(problems).toEqual([
      'files/listed-pipe: a FIFO (named pipe), not a regular file (a bundle holds regular files only)',
      'files/pipe: a FIFO (named pipe), not a regular file (a bundle holds regular files only)',
      'files/small.txt: a symbolic link, not a regular file (a bundle holds regular files only)',
      'files/sub/x.txt: reached through a symbolic link (a bundle holds regular files only)',
      'files/sub: a symbolic link, not a regular file (a bundle holds regular files only)'
    ])
  }, 30_000)
})
