/** `build`: a Kubespray version spec → a complete, verified bundle directory. */
import { LAYOUTS, type Layout } from '../../domain/files/layout.js'
import { parseMirror, type Mirror } from '../../domain/files/mirror.js'
import { EXTRAS_POLICIES, type ExtrasPolicy } from '../../domain/kubespray/downloads.js'
import { machineOfNodeArch, type ImageArch } from '../../domain/kubespray/facts.js'
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../../adapters/http/client.js'
import { credentialsFromAuthFiles } from '../../adapters/registry/credentials.js'
import { kubesprayGithubFromEnv } from '../github-env.js'
import { GITHUB_COM_API_URL, parseApiUrl } from '../../domain/api-url.js'
import { redactUrl } from '../../domain/redact.js'
import { DirectorySourceStore } from '../../adapters/kubespray-source.js'
import { runBuild, type BuildResult } from '../../pipeline/build.js'
import type { FileResult } from '../../pipeline/files.js'
import type { ImageResult } from '../../pipeline/images.js'
import { TOOL_VERSION } from '../../version.js'
import { formatTable } from '../../report/table.js'
import { formatBytes, ProgressLine } from '../../report/progress.js'
import { JobProgress } from '../../report/job.js'
import { writeErr, writeOut } from '../../report/output.js'
import { UsageError } from '../usage-error.js'
import { parseCommandArgs, positiveInt } from '../args.js'
import { checkOutDir } from '../../adapters/out-dir.js'

export const USAGE = `Usage:
  kubespray-bundle build --kubespray SPEC --out DIR [--kubespray-repository OWNER/NAME] [--arch amd64[,arm64]]
       [-e …]... [-i …]... [--layout …] [--extras enabled|all|none] [--mirror FROM=TO]... [--insecure-registry HOST:PORT]...
       [--concurrency N]

Resolves a Kubespray version, fetches its source, generates the file and image lists of every
arch, downloads the files and saves the images (at the same time, each verified while it
streams), and writes DIR/bundle.json and DIR/SHA256SUMS. A re-run into the same DIR fetches
nothing that is already there and verified. Every version is resolved before DIR changes (a
bad one leaves DIR as it was); from the first change until the build completes, DIR has no
bundle.json and no SHA256SUMS, so a failed or interrupted build never looks complete.

Several versions (--kubespray 2.30,2.31: an upgrade path) make one bundle: each version's
source and lists (DIR/lists/<tag>/<arch>/), one files/ and one images/ holding what they share
once. offline-yml --kubespray TAG then writes the file for one of them. The versions take a
canonical order whatever order they are given in: releases (semver tags) oldest first, the
newest being the upgrade's target; branch heads, commits and other tags follow in the order
given. A tag that is no safe file name (rc/1) is stored as the tag made safe plus its commit's
first 12 digits (lists/rc_1-<commit>/, kubespray-rc_1-<commit>.tar.gz).

Options:
  --kubespray SPEC              latest, a minor (2.30: its highest patch), a tag (v2.30.0),
                                a branch or a commit; a comma list for several versions
  --kubespray-dir DIR           a local Kubespray tree instead of a version from GitHub
  --kubespray-repository O/N    the repository (default kubernetes-sigs/kubespray; forks work)
  --kubespray-api-url URL       the GitHub API that repository is on (default KUBESPRAY_API_URL,
                                else https://api.github.com, even on GHES)
  --prerelease                  let 'latest' be a pre-release
  --out DIR                     the bundle directory
  --arch LIST                   amd64, arm64 or amd64,arm64 (default amd64)
  -e, --extra-vars VARS         as ansible-playbook -e (k=v, @file, JSON); repeatable
  -i, --inventory PATH          inventory file or directory; repeatable
  --layout LAYOUT               original-host (default) or kubespray-offline
  --extras POLICY               what Kubespray fetches beyond generate_list.sh's lists:
                                enabled (default: what the vars turn on), all, or none
  --kubespray-image             also save quay.io/kubespray/kubespray:<tag> (Ansible and its
                                dependencies, to run cluster.yml from on the far side)
  --mirror FROM=TO              fetch urls starting with FROM from TO; repeatable
  --insecure-registry HOST      plain HTTP to this registry; repeatable
  --concurrency N               images at once (default 16; files: half as many)
  --connections N               connections per host (default 24)
  --no-files, --no-images       leave files or images out
  --json                        print the result as one JSON object on stdout (progress and
                                warnings stay on stderr)
  -h, --help                    show this help
Environment: KUBESPRAY_API_URL (the default of --kubespray-api-url), KUBESPRAY_TOKEN (a token
for that API; optional, raises its rate limit), GITHUB_TOKEN (used there only when that API is
GITHUB_API_URL, the workflow's own: a GHES token never goes to github.com),
HTTPS_PROXY/NO_PROXY, NODE_EXTRA_CA_CERTS, REGISTRY_AUTH_FILE.
`

export function parseExtras(value: string | undefined): ExtrasPolicy {
  const policy = value ?? 'enabled'
  if (!(EXTRAS_POLICIES as readonly string[]).includes(policy)) throw new UsageError(`--extras ${value}: expected ${EXTRAS_POLICIES.join(', ')}`)
  return policy as ExtrasPolicy
}

export function parseArches(value: string | undefined): ImageArch[] {
  const arches = (value ?? 'amd64').split(',').map((a) => a.trim())
  for (const a of arches) if (a !== 'amd64' && a !== 'arm64') throw new UsageError(`--arch ${value}: expected amd64, arm64 or amd64,arm64`)
  return [...new Set(arches)] as ImageArch[]
}

export function parseLayout(value: string | undefined): Layout {
  if (value === undefined) return 'original-host'
  if ((LAYOUTS as readonly string[]).includes(value)) return value as Layout
  throw new UsageError(`--layout ${value}: expected ${LAYOUTS.join(' or ')}`)
}

export function parseMirrors(values: string[] | undefined): Mirror[] {
  try {
    return (values ?? []).map(parseMirror)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

export function parseRepository(value: string | undefined): string {
  const repo = value ?? 'kubernetes-sigs/kubespray'
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new UsageError(`--kubespray-repository ${repo}: expected OWNER/NAME`)
  return repo
}

/** The flag, else KUBESPRAY_API_URL, else github.com's API (never GITHUB_API_URL: Kubespray is not on GHES). */
export function parseKubesprayApiUrl(flag: string | undefined, env: string | undefined): string {
  const [name, value] = flag !== undefined ? ['--kubespray-api-url', flag] : env ? ['KUBESPRAY_API_URL', env] : ['', GITHUB_COM_API_URL]
  if (!parseApiUrl(value)) throw new UsageError(`${name} ${redactUrl(value)}: expected an http(s) url of a GitHub API, such as ${GITHUB_COM_API_URL} or https://HOST/api/v3`)
  return value
}

export async function run(args: string[]): Promise<void> {
  const values = parseCommandArgs(
    args,
    {
      kubespray: { type: 'string' },
      'kubespray-dir': { type: 'string' },
      'kubespray-repository': { type: 'string' },
      'kubespray-api-url': { type: 'string' },
      prerelease: { type: 'boolean' },
      out: { type: 'string' },
      arch: { type: 'string' },
      'extra-vars': { type: 'string', short: 'e', multiple: true },
      inventory: { type: 'string', short: 'i', multiple: true },
      layout: { type: 'string' },
      extras: { type: 'string' },
      'kubespray-image': { type: 'boolean' },
      mirror: { type: 'string', multiple: true },
      'insecure-registry': { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      connections: { type: 'string' },
      'no-files': { type: 'boolean' },
      'no-images': { type: 'boolean' },
      json: { type: 'boolean' }
    },
    USAGE
  )
  if (!values) return
  if (!values.out) throw new UsageError('--out DIR is required')
  await checkOutDir('--out', values.out)
  if (!values.kubespray === !values['kubespray-dir']) throw new UsageError('give either --kubespray SPEC or --kubespray-dir DIR')
  const kubesprayApiUrl = parseKubesprayApiUrl(values['kubespray-api-url'], process.env.KUBESPRAY_API_URL)
  const connections = positiveInt('connections', values.connections, DEFAULT_HTTP_OPTIONS.connectionsPerHost)
  const request = {
    kubespray: values['kubespray-dir']
      ? { dir: values['kubespray-dir'] }
      : { spec: values.kubespray ?? '', repository: parseRepository(values['kubespray-repository']), prerelease: values.prerelease ?? false },
    outDir: values.out,
    arches: parseArches(values.arch),
    extraVars: values['extra-vars'] ?? [],
    inventories: values.inventory ?? [],
    cwd: process.cwd(),
    hostMachine: machineOfNodeArch(process.arch),
    layout: parseLayout(values.layout),
    mirrors: parseMirrors(values.mirror),
    insecureRegistries: values['insecure-registry'] ?? [],
    concurrency: positiveInt('concurrency', values.concurrency, 16),
    connections,
    files: !values['no-files'],
    images: !values['no-images'],
    extras: parseExtras(values.extras),
    kubesprayImage: values['kubespray-image'] ?? false,
    toolVersion: TOOL_VERSION,
    // This machine's own earlier run wrote what is there: its state is believed (docs/action.md: which runs rehash).
    trustExisting: true,
    outDirName: `--out ${values.out}`
  }
  const http = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, connectionsPerHost: connections })
  let files: JobProgress<FileResult> | undefined
  let images: JobProgress<ImageResult> | undefined
  const line = new ProgressLine((ms) => [files, images].filter((j) => j?.started).map((j) => j?.render(ms)).join('  |  '))
  files = new JobProgress<FileResult>('files', (r) => r.url, line)
  images = new JobProgress<ImageResult>('images', (r) => r.reference, line)
  const started = Date.now()
  let result: BuildResult
  try {
    result = await runBuild(request, {
      http,
      github: kubesprayGithubFromEnv(http, kubesprayApiUrl),
      sources: new DirectorySourceStore(),
      credentials: credentialsFromAuthFiles(),
      filesProgress: files,
      imagesProgress: images,
      phase: async (name, work) => {
        line.note(`== ${name}`)
        return work()
      }
    })
  } finally {
    line.stop()
    await http.close()
  }
  if (values.json) writeOut(`${JSON.stringify(buildJson(result, Date.now() - started))}\n`)
  else writeOut(summary(result, (Date.now() - started) / 1000))
  for (const warning of result.warnings) writeErr(`warning: ${warning}\n`)
  for (const path of result.discarded) writeErr(`warning: ${path} did not match its checksum: deleted and downloaded again\n`)
  if (result.audit) {
    const enabled = result.audit.missing.filter((e) => e.enabled !== 'no')
    for (const e of enabled) writeErr(`audit: missing ${e.kind} ${e.reference}: ${e.sources[0].role} (${e.sources[0].variable}), enabled: ${e.enabled}\n`)
    if (!values.json) writeOut(`audit: ${result.audit.summary} (details: kubespray-bundle audit --bundle ${result.outDir})\n`)
  }
  if (result.failures.length) {
    throw new Error(`the bundle is incomplete (no bundle.json written); ${result.failures.length} item(s) failed:\n` + result.failures.map((f) => `  ${f}`).join('\n'))
  }
}

/** What the tables say, as data: the same result, without the lists' in-memory maps. */
function buildJson(result: BuildResult, ms: number): Record<string, unknown> {
  return {
    ok: result.failures.length === 0,
    outDir: result.outDir,
    kubespray: result.resolved ?? null,
    ...(result.versions ? { versions: result.versions.map((v) => ({ kubespray: v.resolved ?? null, lists: v.listsDir, kubeVersion: [...v.lists.values()][0]?.kubeVersion ?? null })) } : {}),
    kubeVersion: result.manifest?.kubeVersion ?? null,
    arches: [...result.lists.keys()],
    totals: result.manifest?.totals ?? null,
    files: result.files?.results ?? [],
    images: result.images?.results ?? [],
    warnings: result.warnings,
    discarded: result.discarded,
    failures: result.failures,
    audit: result.audit ?? null,
    ms
  }
}

function summary(result: BuildResult, seconds: number): string {
  const rows: string[][] = []
  for (const r of result.files?.results ?? []) rows.push(['file', r.url, r.size === undefined ? '-' : formatBytes(r.size), r.status === 'downloaded' ? 'downloaded' : r.status === 'skipped' ? 'already there' : 'FAILED', `${(r.ms / 1000).toFixed(1)} s`])
  for (const r of result.images?.results ?? []) rows.push(['image', r.reference, r.size === undefined ? '-' : formatBytes(r.size), r.status === 'failed' ? 'FAILED' : r.fetched ? `fetched ${formatBytes(r.fetched)}` : 'already there', `${(r.ms / 1000).toFixed(1)} s`])
  const version = result.resolved ? `Kubespray ${result.resolved.tag ?? '(no tag)'} at ${result.resolved.commit}` : 'Kubespray from a local tree'
  const m = result.manifest
  const fetchedFiles = (result.files?.results ?? []).filter((r) => r.status === 'downloaded').reduce((n, r) => n + (r.size ?? 0), 0)
  const fetchedBlobs = (result.images?.results ?? []).reduce((n, r) => n + r.fetched, 0)
  const bytes = (n: number): string => `${formatBytes(n)} (${n} bytes)`
  const heading = m?.versions
    ? m.versions.map((v) => `Kubespray ${v.kubespray.tag ?? '(no tag)'} at ${v.kubespray.commit}, kube_version ${v.kubeVersion}: ${bytes(v.bytes)} alone\n`).join('') + `${m.versions.length} versions, ${m.arches.join('+')}\n`
    : `${version}${m ? `, kube_version ${m.kubeVersion}, ${m.arches.join('+')}` : ''}\n`
  const saved = m?.versions && m.totals.saved !== undefined
    ? `shared: the ${m.versions.length} versions alone would carry ${bytes(m.versions.reduce((n, v) => n + v.bytes, 0))}; one bundle stores what they share once and saves ${bytes(m.totals.saved)}\n`
    : ''
  return (
    formatTable(['kind', 'item', 'size', 'result', 'time'], rows) +
    heading +
    (m ? `bundle: ${m.totals.files} files, ${m.totals.images} images, ${bytes(m.totals.bytes)} in ${result.outDir} (bundle.json, SHA256SUMS)\n` : '') +
    saved +
    `downloaded ${formatBytes(fetchedFiles)} of files and ${formatBytes(fetchedBlobs)} of image blobs in ${seconds.toFixed(1)} s\n`
  )
}
