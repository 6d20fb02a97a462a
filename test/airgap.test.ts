/**
 * The air-gapped side: verify a bundle (corrupted in several ways), push a whole bundle into
 * Debian's docker-registry with every platform under one tag and the upstream digests.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { freePort } from './helpers/nginx.js'
import { blobOf, startRegistry } from './helpers/registry.js'
import { tempDir } from './helpers/temp.js'
import { ARGOCD_IMAGES, CHART_IMAGE, LOCAL_PATH_HELPER, startWorld, type World } from './helpers/world.js'
import type { BundleManifest } from '../src/domain/bundle.js'

let world: World
let work: string
let bundle: string

beforeAll(async () => {
  world = await startWorld()
  work = tempDir('kb-airgap-')
  bundle = join(work, 'bundle')
  const r = await cli(['build', '--kubespray', '2.30', '--arch', 'amd64,arm64', '--out', bundle, '--insecure-registry', world.registryHost])
  if (r.status !== 0) throw new Error(r.stderr)
}, 60_000)

let stopped = false

afterAll(async () => {
  if (!stopped) await world?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

function cli(args: string[]): Promise<CliResult> {
  return spawnCli(args, work, { GITHUB_API_URL: world.github.apiUrl, KUBESPRAY_API_URL: world.github.apiUrl, XDG_CACHE_HOME: join(work, 'xdg') }).done
}

function copyOf(name: string): string {
  const dir = join(work, name)
  cpSync(bundle, dir, { recursive: true })
  return dir
}

describe('verify', () => {
  it('passes a bundle as built', async () => {
    const r = await cli(['verify', '--bundle', bundle])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/files \(.*\) verified/)
  })

  it('names each corrupt or missing file and blob, a disagreement with bundle.json, and an unlisted file', async () => {
    const dir = copyOf('corrupt')
    const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest
    const file = manifest.files[0]
    const bytes = readFileSync(join(dir, file.path))
    bytes[100] ^= 0xff
    writeFileSync(join(dir, file.path), bytes)
    rmSync(join(dir, manifest.files[1].path))
    const blobs = readdirSync(join(dir, 'images/blobs/sha256'))
    rmSync(join(dir, 'images/blobs/sha256', blobs[0]))
    writeFileSync(join(dir, 'images/blobs/sha256', blobs[1]), 'not the blob')
    writeFileSync(join(dir, 'files/stray.bin'), 'nobody listed me')
    const r = await cli(['verify', '--bundle', dir])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`file ${file.path.slice('files/'.length)}: corrupt (sha256 `)
    expect(r.stderr).toContain(`file ${manifest.files[1].path.slice('files/'.length)}: missing`)
    expect(r.stderr).toContain(`blob sha256:${blobs[0]}: missing`)
    expect(r.stderr).toContain(`blob sha256:${blobs[1]}: corrupt`)
    expect(r.stderr).toContain('file stray.bin: not in SHA256SUMS')
  })

  it('says what is wrong with a directory that is no bundle', async () => {
    const r = await cli(['verify', '--bundle', join(work, 'nothing')])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`--bundle ${join(work, 'nothing')}: no such directory`)
  })
})

describe('push --bundle', () => {
  it('pushes every image with all its platforms under one tag, digests as upstream; a second push uploads nothing', async () => {
    const target = await startRegistry({ storage: tempDir('kb-airgap-reg-') })
    try {
      const r = await cli(['push', '--bundle', bundle, '--registry', target.host, '--insecure'])
      expect(r.stderr).not.toContain('failed')
      expect(r.status).toBe(0)
      for (const [name, image] of Object.entries(world.images)) {
        if (name.includes('v1.12.1') || ARGOCD_IMAGES.includes(name) || name === LOCAL_PATH_HELPER || name === CHART_IMAGE) continue
        const raw = execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${target.host}/${name}`], { encoding: 'utf8' })
        expect(blobOf(Buffer.from(raw)).digest).toBe('children' in image ? image.index.digest : image.manifest.digest)
        for (const arch of ['amd64', 'arm64']) {
          execFileSync('skopeo', ['copy', '-q', '--src-tls-verify=false', '--override-arch', arch, `docker://${target.host}/${name}`, `docker-archive:${join(work, 'x.tar')}`])
          rmSync(join(work, 'x.tar'))
        }
      }
      const again = await cli(['push', '--bundle', bundle, '--registry', target.host, '--insecure'])
      expect(again.status).toBe(0)
      const uploaded = again.stdout.split('\n').filter((l) => / {2}pushed$/.test(l)).map((l) => l.split(/\s{2,}/)[3])
      expect(uploaded.length).toBe(6)
      expect(uploaded.every((u) => u === '0 B')).toBe(true)
    } finally {
      await target.stop()
    }
  })
})

describe('serve', () => {
  it('with the upstream servers gone: skopeo pulls every image for both platforms at the upstream digests; files answer GET, HEAD and Range', async () => {
    const files = (JSON.parse(readFileSync(join(bundle, 'bundle.json'), 'utf8')) as BundleManifest).files
    const expectedDigests = Object.fromEntries(Object.entries(world.images).map(([n, i]) => [n, 'children' in i ? i.index.digest : i.manifest.digest]))
    await world.stop()
    stopped = true
    const [filesPort, registryPort] = [await freePort(), await freePort()]
    const server = spawnCli(['serve', '--bundle', bundle, '--host', '127.0.0.1', '--files-port', String(filesPort), '--registry-port', String(registryPort)], work)
    try {
      await waitForPort(filesPort)
      await waitForPort(registryPort)
      const registry = `127.0.0.1:${registryPort}`
      for (const [name, digest] of Object.entries(expectedDigests)) {
        if (name.includes('v1.12.1') || ARGOCD_IMAGES.includes(name) || name === LOCAL_PATH_HELPER || name === CHART_IMAGE) continue
        const raw = execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${registry}/${name}`], { encoding: 'utf8' })
        expect(blobOf(Buffer.from(raw)).digest).toBe(digest)
        for (const arch of ['amd64', 'arm64']) {
          execFileSync('skopeo', ['copy', '-q', '--src-tls-verify=false', '--override-arch', arch, `docker://${registry}/${name}`, `oci:${join(work, 'pulled')}:${name}-${arch}`])
        }
      }
      for (const f of files) {
        const url = `http://127.0.0.1:${filesPort}/${f.path.slice('files/'.length)}`
        const body = Buffer.from(await (await fetch(url)).arrayBuffer())
        expect(createHash('sha256').update(body).digest('hex')).toBe(f.sha256)
        const head = await fetch(url, { method: 'HEAD' })
        expect(head.headers.get('content-length')).toBe(String(f.size))
        const part = await fetch(url, { headers: { range: 'bytes=10-19' } })
        expect(part.status).toBe(206)
        expect(Buffer.from(await part.arrayBuffer())).toEqual(body.subarray(10, 20))
      }
      expect((await fetch(`http://127.0.0.1:${filesPort}/../bundle.json`)).status).toBe(404)
      // offline-yml from the bundle's own Kubespray tarball; every url Kubespray would fetch with
      // it answers from serve, every image it would pull is there.
      const offline = join(work, 'offline.yml')
      const y = await cli(['offline-yml', '--bundle', bundle, '--files-url', `http://127.0.0.1:${filesPort}`, '--registry', registry, '--out', offline])
      expect(y.stderr).toMatch(/checked 4 file urls and 12 images, all in the bundle/)
      expect(y.status).toBe(0)
      for (const arch of ['amd64', 'arm64']) {
        const tree = join(work, 'tree')
        rmSync(tree, { recursive: true, force: true })
        execFileSync('tar', ['-xzf', join(bundle, 'kubespray-v2.30.0.tar.gz'), '-C', work])
        const top = readdirSync(work).find((d) => d.startsWith('kubernetes-sigs-kubespray-')) ?? ''
        const lists = await cli(['lists', '--kubespray-dir', join(work, top), '--out', join(work, `far-${arch}`), '--arch', arch, '-e', `@${offline}`])
        expect(lists.status).toBe(0)
        const check = JSON.parse(readFileSync(join(work, `far-${arch}`, 'files.json'), 'utf8')) as { downloads: Array<{ url: string; component: string }> }
        // Of the downloads entries, those the bundle carries (a disabled Argo CD it does not).
        const carried = new Set((JSON.parse(readFileSync(join(bundle, 'lists', arch, 'files.json'), 'utf8')) as { files: Array<{ component: string }> }).files.map((f) => f.component))
        const fetched = check.downloads.filter((d) => carried.has(d.component))
        expect(fetched.length).toBe(2)
        for (const d of fetched) expect((await fetch(d.url, { method: 'HEAD' })).status).toBe(200)
        for (const image of readFileSync(join(work, `far-${arch}`, 'images.list'), 'utf8').trim().split('\n')) {
          execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${image}`])
        }
      }
      expect((await fetch(`http://${registry}/v2/k8s/pause/manifests/nope`)).status).toBe(404)
    } finally {
      server.child.kill('SIGTERM')
      await server.done
    }
    const log = (await server.done).stderr
    expect(log).toMatch(/GET \/v2\/k8s\/pause\/manifests\/3\.10 200/)
  })
})

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`)
      return
    } catch {
      await new Promise((r) => setTimeout(r, 25))
    }
  }
  throw new Error(`nothing listens on ${port}`)
}
