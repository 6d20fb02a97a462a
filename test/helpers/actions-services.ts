/**
 * The Actions cache service, offline, for running the real @actions/cache: Azurite (npm, the
 * real Azure Blob emulator) stores the bytes, and a small stand-in of the Actions results
 * service (Twirp JSON, our own; ../shared/actions-e2e.md has the measured facts) hands out
 * SAS urls signed with Azurite's public development key and matches keys as GitHub does:
 * the exact key first, then each restore key as an exact or the newest prefix match, always
 * within the same version.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BlobServiceClient, BlobSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob'
import { freePort } from './nginx.js'
import { REPO_ROOT } from './conformance.js'

const ACCOUNT = 'devstoreaccount1'
// Azurite's documented, public development key.
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
const CONTAINER = 'actions-cache'

export interface CacheEntry {
  key: string
  version: string
  blob: string
  size: number
  finalized: boolean
  created: number
}

export interface ArtifactEntry {
  name: string
  blob: string
  size: number
  finalized: boolean
  expiresAt?: string
}

export interface ActionsServices {
  resultsUrl: string
  entries: CacheEntry[]
  artifacts: ArtifactEntry[]
  /** An artifact's bytes (the zip), from Azurite. */
  artifactBytes(entry: ArtifactEntry): Promise<Buffer>
  /** Azurite's access log lines (one per blob request). */
  blobRequests(): string[]
  /** The environment the toolkit reads. */
  env(): Record<string, string>
  stop(): Promise<void>
}

export async function startActionsServices(): Promise<ActionsServices> {
  const location = mkdtempSync(join(tmpdir(), 'kb-azurite-'))
  const blobPort = await freePort()
  const azurite: ChildProcess = spawn(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/azurite/dist/src/blob/main.js'), '--blobHost', '127.0.0.1', '--blobPort', String(blobPort), '--location', location, '--skipApiVersionCheck', '--disableTelemetry'],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let log = ''
  azurite.stdout?.on('data', (d: Buffer) => (log += d.toString()))
  azurite.stderr?.on('data', (d: Buffer) => (log += d.toString()))
  try {
    for (let i = 0; !log.includes('successfully listens'); i++) {
      if (azurite.exitCode !== null || i > 300) throw new Error(`azurite did not start: ${log}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  } catch (e) {
    azurite.kill('SIGKILL')
    throw e
  }
  const blobEndpoint = `http://127.0.0.1:${blobPort}/${ACCOUNT}`
  const credential = new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY)
  await new BlobServiceClient(blobEndpoint, credential).getContainerClient(CONTAINER).createIfNotExists()
  const sas = (blob: string, permissions: string): string => {
    const query = generateBlobSASQueryParameters(
      { containerName: CONTAINER, blobName: blob, permissions: BlobSASPermissions.parse(permissions), startsOn: new Date(Date.now() - 60_000), expiresOn: new Date(Date.now() + 3_600_000) },
      credential
    ).toString()
    return `${blobEndpoint}/${CONTAINER}/${blob}?${query}`
  }

  const entries: CacheEntry[] = []
  const methods: Record<string, (body: Record<string, string | string[] | undefined>) => [number, unknown]> = {
    CreateCacheEntry: (b) => {
      const key = String(b.key)
      const version = String(b.version)
      if (entries.some((e) => e.key === key && e.version === version)) return [409, { code: 'already_exists', msg: 'cache entry already exists' }]
      const blob = `${entries.length + 1}-${encodeURIComponent(key)}`
      entries.push({ key, version, blob, size: 0, finalized: false, created: Date.now() + entries.length })
      return [200, { ok: true, signed_upload_url: sas(blob, 'cw') }]
    },
    FinalizeCacheEntryUpload: (b) => {
      const entry = entries.find((e) => e.key === b.key && e.version === b.version && !e.finalized)
      if (!entry) return [404, { code: 'not_found', msg: 'no such cache entry' }]
      entry.finalized = true
      entry.size = Number(b.size_bytes ?? 0)
      return [200, { ok: true, entry_id: String(entries.indexOf(entry) + 1) }]
    },
    GetCacheEntryDownloadURL: (b) => {
      const usable = entries.filter((e) => e.finalized && e.version === b.version)
      const newest = (list: CacheEntry[]): CacheEntry | undefined => list.sort((x, y) => y.created - x.created)[0]
      let found = usable.find((e) => e.key === b.key)
      for (const prefix of (b.restore_keys as string[] | undefined) ?? []) {
        found ??= usable.find((e) => e.key === prefix) ?? newest(usable.filter((e) => e.key.startsWith(prefix)))
      }
      return found ? [200, { ok: true, signed_download_url: sas(found.blob, 'r'), matched_key: found.key }] : [200, { ok: false }]
    }
  }
  const artifacts: ArtifactEntry[] = []
  const artifactMethods: typeof methods = {
    CreateArtifact: (b) => {
      if (artifacts.some((a) => a.name === b.name)) return [409, { code: 'already_exists', msg: 'an artifact with this name exists' }]
      const blob = `artifact-${artifacts.length + 1}-${String(b.name)}.zip`
      artifacts.push({ name: String(b.name), blob, size: 0, finalized: false, expiresAt: b.expires_at as string | undefined })
      return [200, { ok: true, signed_upload_url: sas(blob, 'cw') }]
    },
    FinalizeArtifact: (b) => {
      const a = artifacts.find((x) => x.name === b.name && !x.finalized)
      if (!a) return [404, { code: 'not_found', msg: 'no such artifact' }]
      a.finalized = true
      a.size = Number(b.size ?? 0)
      return [200, { ok: true, artifact_id: String(artifacts.indexOf(a) + 1) }]
    }
  }
  const twirp: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const route = /\/twirp\/github\.actions\.results\.api\.v1\.(CacheService|ArtifactService)\/(\w+)$/.exec(req.url ?? '')
      const method = route?.[2]
      const handler = method ? (route?.[1] === 'CacheService' ? methods : artifactMethods)[method] : undefined
      let status = 404
      let reply: unknown = { code: 'bad_route', msg: `no such method ${req.url}` }
      if (handler) {
        try {
          ;[status, reply] = handler(JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, string>)
        } catch (e) {
          ;[status, reply] = [500, { code: 'internal', msg: (e as Error).message }]
        }
      }
      // Every Twirp reply is JSON, errors too (anything else costs the client ~25 s of retries).
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply))
    })
  })
  await new Promise<void>((r) => twirp.listen(0, '127.0.0.1', r))
  const resultsUrl = `http://127.0.0.1:${(twirp.address() as AddressInfo).port}/`
  const containerClient = new BlobServiceClient(blobEndpoint, credential).getContainerClient(CONTAINER)
  return {
    resultsUrl,
    entries,
    artifacts,
    artifactBytes: (entry) => containerClient.getBlockBlobClient(entry.blob).downloadToBuffer(),
    blobRequests: () => log.split('\n').filter((l) => /"(GET|PUT|HEAD) \//.test(l)),
    env: () => ({
      ACTIONS_RESULTS_URL: resultsUrl,
      ACTIONS_RUNTIME_TOKEN: unsignedJwt(),
      ACTIONS_CACHE_SERVICE_V2: 'true',
      GITHUB_SERVER_URL: 'https://github.com',
      NO_PROXY: '127.0.0.1,localhost'
    }),
    async stop() {
      await new Promise((r) => twirp.close(r))
      azurite.kill('SIGTERM')
      await new Promise((r) => (azurite.exitCode !== null ? r(null) : azurite.once('exit', r)))
      rmSync(location, { recursive: true, force: true })
    }
  }
}

/** A JWT-shaped runtime token (the cache never decodes it; the artifact client reads its scp claim). */
function unsignedJwt(): string {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${b64({ typ: 'JWT', alg: 'none' })}.${b64({ scp: 'Actions.GenericRead:00000000 Actions.Results:run-1:job-1', iat: 0, exp: 4102444800 })}.unsigned`
}
