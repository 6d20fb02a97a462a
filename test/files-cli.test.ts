/**
 * `files` against a real nginx on 127.0.0.1: redirects, a per-connection rate cap, a server
 * without Range support, and the fault cases of the contract (corrupt content, 404, refused
 * connection, a connection cut mid-body, kill -9 of our process mid-download).
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { progressBytes, runCli, spawnCli } from './helpers/cli.js'
import { freePort, startNginx, type Nginx } from './helpers/nginx.js'

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** Where partial downloads wait, under the tool's own state (per host, then the url's path). */
let PARTS = ''
const MIRROR_USER = { user: 'mirror-user', password: `pw-${randomBytes(6).toString('hex')}` }
let nginx: Nginx
let work: string
const blobs = new Map<string, Buffer>()

function serve(name: string, size: number): Buffer {
  const data = randomBytes(size)
  writeFileSync(join(nginx.root, name), data)
  blobs.set(name, data)
  return data
}

function listFile(name: string, files: Array<{ url: string; checksum: string | null }>): string {
  const path = join(work, name)
  writeFileSync(path, JSON.stringify({ files: files.map((f) => ({ ...f, component: 'test' })) }))
  return path
}

const entry = (path: string, blob: string): { url: string; checksum: string } => ({
  url: nginx.url(path),
  checksum: `sha256:${sha256(blobs.get(blob) ?? Buffer.alloc(0))}`
})

async function waitFor(test: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !test(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > deadline) throw new Error('timed out')
  }
}

/** The bytes a partial's saved segment state counts (0 while there is none). */
function savedBytes(statePath: string): number {
  try {
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { segments: Array<{ done: number }> }
    return state.segments.reduce((n, s) => n + s.done, 0)
  } catch {
    return 0
  }
}

/** When nginx began a request (ms): its log line ends with when it finished and how long it took. */
function startedAt(line: string): number {
  const m = / done=([\d.]+) took=([\d.]+)$/.exec(line)
  return m ? Math.round((Number(m[1]) - Number(m[2])) * 1000) : NaN
}

function accessLog(): string[] {
  const log = nginx.accessLog
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
}

beforeAll(async () => {
  nginx = await startNginx({ slowRate: '4m', basicAuth: MIRROR_USER })
  PARTS = `.kubespray-bundle/parts/files/127.0.0.1:${nginx.port}`
  work = mkdtempSync(join(tmpdir(), 'kb-files-'))
  serve('kubelet', 3 << 20)
  serve('small.tgz', 70_000)
  serve('big.tar.zst', 40 << 20)
  serve('corrupt.bin', 100_000)
})

afterAll(async () => {
  await nginx?.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('files: downloads verified against the list', () => {
  it('fetches in parallel through redirects, verifies, and writes a SHA256SUMS that sha256sum -c accepts', () => {
    const out = join(work, 'ok')
    const list = listFile('ok.json', [entry('/redirect/kubelet', 'kubelet'), entry('/files/small.tgz', 'small.tgz'), entry('/slow/big.tar.zst', 'big.tar.zst')])
    const r = runCli(['files', '--list', list, '--out', out], work)
    expect(r.stderr).not.toContain('failed')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/redirect\/kubelet\s+3\.0 MiB\s+[\d.]+ s\s+downloaded, verified/)
    const host = `127.0.0.1:${nginx.port}`
    expect(readFileSync(join(out, 'files', host, 'redirect/kubelet')).equals(blobs.get('kubelet') ?? Buffer.alloc(1))).toBe(true)
    const sums = readFileSync(join(out, 'files/SHA256SUMS'), 'utf8')
    expect(sums.trim().split('\n')).toHaveLength(3)
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(out, 'files'), encoding: 'utf8' })).toMatch(/big\.tar\.zst: OK/)
    // The 40 MiB file behind a 4 MiB/s cap was fetched over several connections (Range segments).
    const ranged = accessLog().filter((l) => l.includes('GET /slow/big.tar.zst') && l.includes('" 206 '))
    expect(ranged.length).toBeGreaterThan(1)
  })

  it('skips verified files on a re-run without a single request', () => {
    const out = join(work, 'ok')
    const list = join(work, 'ok.json')
    const before = accessLog().length
    const r = runCli(['files', '--list', list, '--out', out], work)
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/3\/3 files .*\(3 already there\)/)
    expect(accessLog().length).toBe(before)
  })

  it('a corrupt file, a 404 and a refused connection fail alone: the rest completes, each failure is named, nothing at their paths', async () => {
    const out = join(work, 'faults')
    const closed = await freePort()
    const list = listFile('faults.json', [
      entry('/files/small.tgz', 'small.tgz'),
      { url: nginx.url('/files/corrupt.bin'), checksum: `sha256:${'ab'.repeat(32)}` },
      entry('/files/missing', 'small.tgz'),
      { url: `http://127.0.0.1:${closed}/refused/file`, checksum: `sha256:${'cd'.repeat(32)}` }
    ])
    const r = runCli(['files', '--list', list, '--out', out, '--retries', '1'], work)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`${nginx.url('/files/corrupt.bin')}: checksum mismatch: expected sha256:${'ab'.repeat(32)}, got sha256:${sha256(blobs.get('corrupt.bin') ?? Buffer.alloc(0))}`)
    expect(r.stderr).toContain(`${nginx.url('/files/missing')}: HTTP 404 Not Found`)
    expect(r.stderr).toMatch(new RegExp(`http://127\\.0\\.0\\.1:${closed}/refused/file: .*ECONNREFUSED`))
    const host = join(out, 'files', `127.0.0.1:${nginx.port}`)
    expect(existsSync(join(host, 'files/small.tgz'))).toBe(true)
    expect(existsSync(join(host, 'files/corrupt.bin'))).toBe(false)
    expect(readdirSync(join(host, 'files')).filter((f) => f.startsWith('.'))).toEqual([])
    const parts = join(out, '.kubespray-bundle/parts')
    expect(existsSync(parts) ? readdirSync(parts, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : []).toEqual([])
    expect(readFileSync(join(out, 'files/SHA256SUMS'), 'utf8').trim().split('\n')).toHaveLength(1)
  })

  it('survives a connection cut mid-body (nginx workers killed): resumes with Range and verifies', async () => {
    const out = join(work, 'cut')
    const list = listFile('cut.json', [entry('/slow/big.tar.zst', 'big.tar.zst')])
    const run = spawnCli(['files', '--list', list, '--out', out, '--connections', '1'], work)
    await run.stderrUntil((e) => progressBytes(e) > 2 << 20)
    nginx.killWorkers()
    const r = await run.done
    expect(r.stderr).not.toContain('failed')
    expect(r.status).toBe(0)
    const file = join(out, 'files', `127.0.0.1:${nginx.port}`, 'slow/big.tar.zst')
    expect(sha256(readFileSync(file))).toBe(sha256(blobs.get('big.tar.zst') ?? Buffer.alloc(0)))
  })

  it('after kill -9 mid-download leaves only a hidden partial; the re-run resumes it with Range requests', async () => {
    const out = join(work, 'killed')
    const list = listFile('killed.json', [entry('/slow/big.tar.zst', 'big.tar.zst')])
    const run = spawnCli(['files', '--list', list, '--out', out], work)
    // Killed once the run reports 12 MiB and its saved state (saved once a second) counts 8 MiB.
    await run.stderrUntil((e) => progressBytes(e) > 12 << 20)
    await waitFor(() => savedBytes(join(out, PARTS, 'slow/big.tar.zst.part.json')) > 8 << 20)
    run.child.kill('SIGKILL')
    await run.done
    const dir = join(out, 'files', `127.0.0.1:${nginx.port}`, 'slow')
    // Nothing under files/ where people serve or cache it: the partial is in the tool's state.
    expect(existsSync(dir)).toBe(true)
    expect(readdirSync(dir)).toEqual([])
    // (A kill that lands while the state is being saved also leaves that save's temp file; the
    // re-run removes it, checked below.)
    expect(
      readdirSync(join(out, PARTS, 'slow'))
        .filter((name) => !/^\.big\.tar\.zst\.part\.json\.\d+\.\w+\.tmp$/.test(name))
        .sort()
    ).toEqual(['big.tar.zst.part', 'big.tar.zst.part.json'])
    // nginx logs the killed run's responses when it notices the closed connections, which may be
    // after this point. A marker request orders them: the killed run's requests began before it,
    // the re-run's after its response.
    await fetch(`http://127.0.0.1:${nginx.port}/resume-marker`).then((res) => res.arrayBuffer())
    await waitFor(() => accessLog().some((l) => l.includes('GET /resume-marker ')))
    const markerStart = startedAt(accessLog().find((l) => l.includes('GET /resume-marker ')) ?? '')
    const saved = savedBytes(join(out, PARTS, 'slow/big.tar.zst.part.json'))
    const r = runCli(['files', '--list', list, '--out', out], work)
    expect(r.status).toBe(0)
    expect(readdirSync(dir)).toEqual(['big.tar.zst'])
    expect(readdirSync(join(out, PARTS, 'slow'))).toEqual([])
    expect(sha256(readFileSync(join(dir, 'big.tar.zst')))).toBe(sha256(blobs.get('big.tar.zst') ?? Buffer.alloc(0)))
    // Resumed, not restarted: the re-run fetched only what the saved state did not count.
    const fetched = accessLog()
      .filter((l) => l.includes('GET /slow/big.tar.zst') && startedAt(l) > markerStart)
      .reduce((n, l) => n + Number(/" 20[06] (\d+) /.exec(l)?.[1] ?? 0), 0)
    expect(saved).toBeGreaterThan(8 << 20)
    expect(fetched).toBe(statSync(join(dir, 'big.tar.zst')).size - saved)
  })

  it('a mirror url with userinfo is used as Basic auth to the mirror only, and the password shows nowhere', () => {
    const out = join(work, 'private')
    const upstream = 'https://upstream.invalid/releases'
    const list = listFile('private.json', [
      { url: `${upstream}/small.tgz`, checksum: `sha256:${sha256(blobs.get('small.tgz') ?? Buffer.alloc(0))}` },
      { url: `${upstream}/nope.bin`, checksum: null }
    ])
    const mirror = `${upstream}=http://${MIRROR_USER.user}:${MIRROR_USER.password}@127.0.0.1:${nginx.port}/private`
    const r = runCli(['files', '--list', list, '--out', out, '--mirror', mirror], work)
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/upstream\.invalid\/releases\/small\.tgz .* downloaded, verified/)
    expect(r.stderr).toContain(`HTTP 404 Not Found from http://***@127.0.0.1:${nginx.port}/private/nope.bin`)
    const authLines = accessLog().filter((l) => l.includes('/private/small.tgz'))
    expect(authLines.some((l) => l.includes(`auth="Basic ${Buffer.from(`${MIRROR_USER.user}:${MIRROR_USER.password}`).toString('base64')}"`) && / 20[06] /.test(l))).toBe(true)
    const state = readdirSync(join(out, '.kubespray-bundle'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
      .join('\n')
    for (const secret of [MIRROR_USER.password, Buffer.from(`${MIRROR_USER.user}:${MIRROR_USER.password}`).toString('base64')]) {
      expect(r.stdout + r.stderr + state).not.toContain(secret)
    }
    const refused = runCli(['files', '--list', list, '--out', out, '--mirror', `https://u:p@upstream.invalid=http://127.0.0.1:${nginx.port}/files`], work)
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain('FROM is matched against Kubespray')
    expect(refused.stderr).not.toContain('u:p@')
  })

  it('never writes through a link planted under the output directory', () => {
    const out = join(work, 'planted')
    const elsewhere = mkdtempSync(join(tmpdir(), 'kb-elsewhere-'))
    mkdirSync(join(out, 'files'), { recursive: true })
    symlinkSync(elsewhere, join(out, 'files', `127.0.0.1:${nginx.port}`))
    const list = listFile('planted.json', [entry('/files/small.tgz', 'small.tgz')])
    const r = runCli(['files', '--list', list, '--out', out], work)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`${join(out, 'files', `127.0.0.1:${nginx.port}`)} is a symbolic link; refusing to write through it`)
    expect(readdirSync(elsewhere)).toEqual([])
    rmSync(elsewhere, { recursive: true, force: true })
  })

  it('a server without Range support still works, on one connection', () => {
    const out = join(work, 'norange')
    const list = listFile('norange.json', [entry('/norange/big.tar.zst', 'big.tar.zst')])
    const r = runCli(['files', '--list', list, '--out', out], work)
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('downloaded, verified')
  })

  it('a plain files.list downloads, says loudly that nothing was verified, and records the sha256', () => {
    const out = join(work, 'plain')
    const list = join(work, 'files.list')
    writeFileSync(list, `${nginx.url('/files/small.tgz')}\n${nginx.url('/redirect/kubelet')}\n`)
    const r = runCli(['files', '--list', list, '--out', out], work)
    expect(r.status).toBe(0)
    expect(r.stderr).toMatch(/WARNING: 2 file\(s\) were NOT verified: a plain files\.list has no checksums/)
    expect(readFileSync(join(out, 'files/SHA256SUMS'), 'utf8')).toContain(`${sha256(blobs.get('small.tgz') ?? Buffer.alloc(0))}  127.0.0.1:${nginx.port}/files/small.tgz`)
  })

  it('--mirror fetches from the mirror but stores under the original url; --layout kubespray-offline uses its directories', () => {
    const out = join(work, 'mirror')
    const list = listFile('mirror.json', [
      { url: 'https://dl.k8s.io/release/v1.33.7/bin/linux/amd64/kubelet', checksum: entry('/files/kubelet', 'kubelet').checksum },
      { url: 'https://github.com/containernetworking/plugins/releases/download/v1.8.0/cni-plugins-linux-amd64-v1.8.0.tgz', checksum: entry('/files/small.tgz', 'small.tgz').checksum }
    ])
    // Serve the "upstream" paths from nginx's root.
    execFileSync('mkdir', ['-p', join(nginx.root, 'k8s/release/v1.33.7/bin/linux/amd64'), join(nginx.root, 'gh/containernetworking/plugins/releases/download/v1.8.0')])
    writeFileSync(join(nginx.root, 'k8s/release/v1.33.7/bin/linux/amd64/kubelet'), blobs.get('kubelet') ?? '')
    writeFileSync(join(nginx.root, 'gh/containernetworking/plugins/releases/download/v1.8.0/cni-plugins-linux-amd64-v1.8.0.tgz'), blobs.get('small.tgz') ?? '')
    const mirrors = ['--mirror', `https://dl.k8s.io=${nginx.url('/files/k8s')}`, '--mirror', `https://github.com=${nginx.url('/redirect/gh')}`]
    const r = runCli(['files', '--list', list, '--out', out, ...mirrors], work)
    expect(r.status).toBe(0)
    expect(existsSync(join(out, 'files/dl.k8s.io/release/v1.33.7/bin/linux/amd64/kubelet'))).toBe(true)
    expect(existsSync(join(out, 'files/github.com/containernetworking/plugins/releases/download/v1.8.0/cni-plugins-linux-amd64-v1.8.0.tgz'))).toBe(true)
    const offline = join(work, 'offline')
    const r2 = runCli(['files', '--list', list, '--out', offline, '--layout', 'kubespray-offline', ...mirrors], work)
    expect(r2.status).toBe(0)
    expect(existsSync(join(offline, 'files/kubernetes/v1.33.7/kubelet'))).toBe(true)
    expect(existsSync(join(offline, 'files/kubernetes/cni/cni-plugins-linux-amd64-v1.8.0.tgz'))).toBe(true)
  })

  it('names bad input: a missing list, a bad url, a bad checksum, a bad --mirror', () => {
    expect(runCli(['files', '--list', join(work, 'nope.json'), '--out', work], work).stderr).toContain('nope.json: cannot read it (ENOENT)')
    const bad = join(work, 'bad.json')
    writeFileSync(bad, JSON.stringify({ files: [{ url: 'ftp://x/y', checksum: null }] }))
    expect(runCli(['files', '--list', bad, '--out', work], work).stderr).toContain("files[0].url: 'ftp://x/y' is not an http(s) url")
    writeFileSync(bad, JSON.stringify({ files: [{ url: 'https://x/y', checksum: 'sha256:abc' }] }))
    expect(runCli(['files', '--list', bad, '--out', work], work).stderr).toContain('a sha256 has 64 hex digits, this has 3')
    const mirror = runCli(['files', '--list', bad, '--out', work, '--mirror', 'github.com'], work)
    expect(mirror.status).toBe(2)
    expect(mirror.stderr).toContain('--mirror github.com: expected FROM=TO')
  })

  it('retries 503 and 429 with backoff, honouring Retry-After (our own flaky server: nginx cannot flip)', async () => {
    const body = randomBytes(50_000)
    const hits: number[] = []
    const server = createServer((req, res) => {
      hits.push(Date.now())
      if (hits.length === 1) res.writeHead(503, { 'retry-after': '1' }).end('busy')
      else if (hits.length === 2) res.writeHead(429, { 'retry-after': '1' }).end('slow down')
      else res.writeHead(200, { 'content-length': body.length }).end(body)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const port = (server.address() as AddressInfo).port
      const list = listFile('flaky.json', [{ url: `http://127.0.0.1:${port}/flaky.bin`, checksum: `sha256:${sha256(body)}` }])
      const r = await spawnCli(['files', '--list', list, '--out', join(work, 'flaky')], work).done
      expect(r.stderr).not.toContain('failed')
      expect(r.status).toBe(0)
      expect(hits).toHaveLength(3)
      expect(hits[1] - hits[0]).toBeGreaterThanOrEqual(900)
      expect(hits[2] - hits[1]).toBeGreaterThanOrEqual(900)
    } finally {
      server.close()
    }
  })
})
