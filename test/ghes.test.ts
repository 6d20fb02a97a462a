/**
 * GitHub Enterprise Server: the workflow's API (GITHUB_API_URL) and token belong to GHES, while
 * Kubespray lives on github.com. Two GitHub stand-ins play the two: the world's (which holds
 * kubernetes-sigs/kubespray) is "github.com", a second, empty one is "GHES". What each server
 * was sent as Authorization is read at the servers.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { tempDir } from './helpers/temp.js'
import { startGitHubStandIn, startWorld, type GitHubStandIn, type World } from './helpers/world.js'
import { kubesprayTokenFor, parseApiUrl, sameApiUrl } from '../src/domain/api-url.js'
import { kubesprayGithubFromEnv } from '../src/cli/github-env.js'
import type { HttpClient } from '../src/adapters/http/client.js'

const GHES_TOKEN = `ghs_${'g'.repeat(24)}ghes`
const KUBESPRAY_TOKEN = `github_pat_${'k'.repeat(24)}dotcom`

describe('which API url and token resolve Kubespray', () => {
  it('the same API whatever the trailing slash or the case of scheme and host; a GHES base path counts', () => {
    expect(sameApiUrl('https://api.github.com', 'https://API.GitHub.com/')).toBe(true)
    expect(sameApiUrl('HTTPS://ghe.example.com/api/v3/', 'https://ghe.example.com/api/v3')).toBe(true)
    expect(sameApiUrl('https://ghe.example.com/api/v3', 'https://api.github.com')).toBe(false)
    expect(sameApiUrl('https://ghe.example.com/api/v3', 'https://ghe.example.com/')).toBe(false)
    expect(sameApiUrl('http://api.github.com', 'https://api.github.com')).toBe(false)
  })

  it('the workflow token only on its own API; elsewhere the Kubespray token or none; a Kubespray token given wins', () => {
    const ghes = { workflowApiUrl: 'https://ghe.example.com/api/v3', workflowToken: GHES_TOKEN }
    expect(kubesprayTokenFor({ ...ghes, kubesprayApiUrl: 'https://api.github.com' })).toBeUndefined()
    expect(kubesprayTokenFor({ ...ghes, kubesprayApiUrl: 'https://api.github.com', kubesprayToken: KUBESPRAY_TOKEN })).toBe(KUBESPRAY_TOKEN)
    expect(kubesprayTokenFor({ ...ghes, kubesprayApiUrl: 'https://GHE.example.com/api/v3/' })).toBe(GHES_TOKEN)
    expect(kubesprayTokenFor({ ...ghes, kubesprayApiUrl: 'https://ghe.example.com/api/v3', kubesprayToken: KUBESPRAY_TOKEN })).toBe(KUBESPRAY_TOKEN)
  })

  it('an API that does not answer is named by what set it, not by GITHUB_API_URL', async () => {
    // (a client that fails at once: the real one retries a refused connection for 15 s)
    const refused = { request: async () => Promise.reject(new Error('connect ECONNREFUSED')) } as unknown as HttpClient
    await expect(kubesprayGithubFromEnv(refused, 'https://api.github.com').json('repos/o/r/tags')).rejects.toThrow(
      'the GitHub API at https://api.github.com (--kubespray-api-url or KUBESPRAY_API_URL) did not answer GET /repos/o/r/tags'
    )
  })

  it('an API url is http(s) and nothing else', () => {
    expect(parseApiUrl('https://ghe.example.com/api/v3')).toBeDefined()
    expect(parseApiUrl('http://127.0.0.1:8080')).toBeDefined()
    for (const bad of ['', 'api.github.com', 'ftp://api.github.com', 'https://', 'file:///etc/passwd']) expect(parseApiUrl(bad)).toBeUndefined()
  })
})

describe('build on GHES: Kubespray from github.com', () => {
  let world: World
  let ghes: GitHubStandIn
  let work: string

  beforeAll(async () => {
    world = await startWorld()
    ghes = await startGitHubStandIn()
    work = tempDir('kb-ghes-')
  }, 60_000)

  afterAll(async () => {
    await ghes?.stop()
    await world?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  let runs = 0
  /** A build as a GHES workflow runs it; a fresh source cache each time, so the tarball is fetched too. */
  const build = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => {
    const dir = join(work, `run-${++runs}`)
    return spawnCli(['build', '--kubespray', '2.30', '--out', join(dir, 'bundle'), '--no-files', '--no-images', ...args], work, {
      GITHUB_API_URL: ghes.apiUrl,
      GITHUB_TOKEN: GHES_TOKEN,
      KUBESPRAY_TOKEN: '',
      KUBESPRAY_API_URL: '',
      XDG_CACHE_HOME: join(dir, 'xdg'),
      ...env
    }).done
  }

  /** What the "github.com" stand-in was sent (API and codeload) since `from`. */
  const dotcomSince = (from: number) => world.github.requests.slice(from)

  it('resolves at --kubespray-api-url anonymously: the GHES token reaches neither github.com nor the output', async () => {
    const from = world.github.requests.length
    const r = await build(['--kubespray-api-url', world.github.apiUrl])
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('Kubespray v2.30.0 at ')
    const sent = dotcomSince(from)
    expect(sent.filter((q) => q.origin === 'api').length).toBeGreaterThan(0)
    expect(sent.some((q) => q.origin === 'codeload')).toBe(true)
    expect(sent.map((q) => q.authorization).filter(Boolean)).toEqual([])
    expect(ghes.requests).toEqual([])
    expect(r.stdout + r.stderr).not.toContain(GHES_TOKEN)
  })

  it('with KUBESPRAY_TOKEN, github.com receives exactly that token on every API call', async () => {
    const from = world.github.requests.length
    const r = await build(['--kubespray-api-url', world.github.apiUrl], { KUBESPRAY_TOKEN })
    expect(r.status).toBe(0)
    const api = dotcomSince(from).filter((q) => q.origin === 'api')
    expect(api.length).toBeGreaterThan(0)
    expect(new Set(api.map((q) => q.authorization))).toEqual(new Set([`Bearer ${KUBESPRAY_TOKEN}`]))
    // undici drops it on the redirect to another origin, as for any token.
    expect(dotcomSince(from).filter((q) => q.origin === 'codeload' && q.authorization)).toEqual([])
    expect(r.stdout + r.stderr).not.toContain(KUBESPRAY_TOKEN)
  })

  it('when the Kubespray API is the workflow\'s own (up to a trailing slash and the case of the scheme), the workflow token is used', async () => {
    const from = world.github.requests.length
    const own = world.github.apiUrl.replace(/^http:/, 'HTTP:') + '/'
    const r = await build(['--kubespray-api-url', own], { GITHUB_API_URL: world.github.apiUrl })
    expect(r.status).toBe(0)
    const api = dotcomSince(from).filter((q) => q.origin === 'api')
    expect(api.length).toBeGreaterThan(0)
    expect(new Set(api.map((q) => q.authorization))).toEqual(new Set([`Bearer ${GHES_TOKEN}`]))
  })

  it('KUBESPRAY_API_URL is the default of --kubespray-api-url; the flag wins', async () => {
    const from = world.github.requests.length
    const byEnv = await build([], { KUBESPRAY_API_URL: world.github.apiUrl })
    expect(byEnv.status).toBe(0)
    expect(dotcomSince(from).length).toBeGreaterThan(0)
    const flagWins = await build(['--kubespray-api-url', world.github.apiUrl], { KUBESPRAY_API_URL: ghes.apiUrl })
    expect(flagWins.status).toBe(0)
    expect(ghes.requests).toEqual([])
  })

  it('a bad url fails before any request, naming the flag (or the variable) and the value', async () => {
    const from = world.github.requests.length
    const flag = await build(['--kubespray-api-url', 'ftp://mirror.example/api'])
    expect(flag.status).toBe(2)
    expect(flag.stderr).toContain('--kubespray-api-url ftp://mirror.example/api: expected an http(s) url')
    const env = await build([], { KUBESPRAY_API_URL: 'api.github.com' })
    expect(env.status).toBe(2)
    expect(env.stderr).toContain('KUBESPRAY_API_URL api.github.com: expected an http(s) url')
    expect(dotcomSince(from)).toEqual([])
    expect(ghes.requests).toEqual([])
  })
})
