/**
 * The action: inputs → one typed object → the build pipeline (with the Actions cache around
 * its downloads and the tool cache for Kubespray sources) → outputs and a job summary. This is
 * the one place where an error becomes core.setFailed; outputs are set before a late failure.
 */
import * as core from '@actions/core'
import { writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { bundleCacheKeys, type CacheKeys } from '../domain/cache-key.js'
import { redactText } from '../domain/redact.js'
import { machineOfNodeArch } from '../domain/kubespray/facts.js'
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../adapters/http/client.js'
import { credentialsFromAuthFiles } from '../adapters/registry/credentials.js'
import { GitHubClient } from '../adapters/github/client.js'
import { ActionsBundleCache, type BundleCache, type CacheHit } from '../adapters/actions/cache.js'
import { ToolCacheSourceStore } from '../adapters/actions/tool-cache.js'
import { ActionsArtifactUploader } from '../adapters/actions/artifact.js'
import { GitHubReleases } from '../adapters/github/releases.js'
import { ASSET_SUMS, packBundle, runPublish, writePartSums, type PublishResult } from '../pipeline/publish.js'
import { versionLabel } from '../domain/version-spec.js'
import { runBuild, type BuildResult } from '../pipeline/build.js'
import type { FileResult } from '../pipeline/files.js'
import type { ImageResult } from '../pipeline/images.js'
import { JobProgress } from '../report/job.js'
import { ProgressLine } from '../report/progress.js'
import { TOOL_VERSION, USER_AGENT } from '../version.js'
import { sizeLine } from '../report/publish-sizes.js'
import { readInputs, type ActionInputs } from './inputs.js'
import { writeJobSummary } from './summary.js'

export interface CacheOutcome {
  hit: CacheHit
  key?: string
  matchedKey?: string
  saved: boolean
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs(core, process.env)
    for (const secret of new Set([inputs.githubToken, inputs.kubesprayToken])) if (secret) core.setSecret(secret)
    const started = Date.now()
    const { result, cache } = await buildWithCache(inputs, new ActionsBundleCache(core))
    setOutputs(result, cache)
    const published = result.manifest && inputs.publish !== 'none' ? await core.group(`Publish (${inputs.publish})`, () => publishBundle(inputs, result)) : undefined
    await writeJobSummary(result, cache, (Date.now() - started) / 1000, published)
    if (result.failures.length) {
      throw new Error(`the bundle is incomplete (no bundle.json written, nothing published); ${result.failures.length} item(s) failed:\n` + result.failures.map((f) => `  ${f}`).join('\n'))
    }
  } catch (e) {
    core.setFailed(redactText(e instanceof Error ? e.message : String(e)))
  }
}

async function buildWithCache(inputs: ActionInputs, bundleCache: BundleCache): Promise<{ result: BuildResult; cache: CacheOutcome }> {
  const http = createHttpClient(DEFAULT_HTTP_OPTIONS)
  let files: JobProgress<FileResult> | undefined
  let images: JobProgress<ImageResult> | undefined
  const line = new ProgressLine((ms) => [files, images].filter((j) => j?.started).map((j) => j?.render(ms)).join('  |  '), false, 10_000)
  files = new JobProgress<FileResult>('files', (r) => r.url, line)
  images = new JobProgress<ImageResult>('images', (r) => r.reference, line)
  const cache: CacheOutcome = { hit: 'false', saved: false }
  // The cache's paths, as given (relative to the workspace), so its version is the same every run.
  const cachePaths = [`${inputs.outputDirInput}/files`, `${inputs.outputDirInput}/images`, `${inputs.outputDirInput}/.kubespray-bundle/files-state.json`]
  let keys: CacheKeys | undefined
  try {
    const extraVars = [...inputs.varsFiles.map((f) => `@${f}`), ...(inputs.vars !== undefined ? [`@${await writeVars(inputs.vars)}`] : [])]
    const result = await runBuild(
      {
        kubespray: { spec: inputs.kubesprayVersion, repository: inputs.kubesprayRepository, prerelease: inputs.prerelease },
        outDir: inputs.outputDir,
        arches: inputs.arches,
        extraVars,
        inventories: inputs.inventories,
        cwd: inputs.workspace,
        hostMachine: machineOfNodeArch(process.arch),
        layout: inputs.layout,
        mirrors: inputs.mirrors,
        insecureRegistries: inputs.insecureRegistries,
        concurrency: inputs.concurrency,
        connections: DEFAULT_HTTP_OPTIONS.connectionsPerHost,
        files: inputs.files,
        images: inputs.images,
        extras: inputs.extras,
        kubesprayImage: inputs.kubesprayImage,
        toolVersion: TOOL_VERSION,
        // A restored cache is someone else's word: every file and blob in it is hashed before it is kept.
        trustExisting: false,
        outDirName: `input output-dir (${inputs.outputDirInput})`
      },
      {
        http,
        github: new GitHubClient({ http, apiUrl: inputs.kubesprayApiUrl, token: inputs.kubesprayToken, userAgent: USER_AGENT, settings: { url: 'input kubespray-api-url', token: 'the kubespray-token input' } }),
        sources: new ToolCacheSourceStore(),
        credentials: credentialsFromAuthFiles(),
        filesProgress: files,
        imagesProgress: images,
        phase: (name, work) => core.group(name, work),
        beforeDownload: async (plan) => {
          if (!inputs.cache) return
          keys = bundleCacheKeys(plan)
          cache.key = keys.key
          const restored = await core.group('Restore the bundle cache', () => bundleCache.restore(cachePaths, keys as CacheKeys))
          cache.hit = restored.hit
          cache.matchedKey = restored.matchedKey
          core.info(restored.matchedKey ? `cache ${restored.hit === 'true' ? 'hit' : 'partly restored'}: ${restored.matchedKey}` : `no cache entry for ${keys.key}`)
        }
      }
    )
    for (const path of result.discarded) core.warning(`${path} from the restored cache did not match its checksum: deleted and downloaded again`)
    for (const path of result.foreign) core.warning(`${path} from the restored cache is no part of a bundle (a link, or a stray entry): deleted, nothing followed through it`)
    // Saved only when the content changed (an exact hit is already there) and nothing is missing.
    if (keys && cache.hit !== 'true' && result.manifest) {
      const key = keys.key
      cache.saved = await core.group('Save the bundle cache', () => bundleCache.save(cachePaths, key))
    }
    return { result, cache }
  } finally {
    line.stop()
    await http.close()
  }
}

/** An inline `vars` mapping, as a file for `-e @file` (RUNNER_TEMP, never the bundle). */
async function writeVars(text: string): Promise<string> {
  const path = join(process.env.RUNNER_TEMP || process.cwd(), `kubespray-bundle-vars-${process.pid}.yml`)
  await writeFile(path, text)
  return path
}

export interface Published {
  kind: 'release' | 'artifact'
  url?: string
  artifactId?: number
  assets: Array<{ name: string; size: number; action: string }>
  /** A release: every byte of the bundle directory, and the bytes of the assets published (a delta's are fewer). */
  sizes?: PublishResult['sizes']
  delta?: PublishResult['delta']
}

async function publishBundle(inputs: ActionInputs, result: BuildResult): Promise<Published> {
  if (inputs.publish === 'artifact') {
    const { prefix, parts } = await packBundle(result.outDir, inputs.partSize)
    const sums = await writePartSums(result.outDir, parts)
    const uploaded = await new ActionsArtifactUploader().upload(prefix, [...parts.map((p) => p.path), sums], dirname(sums), inputs.retentionDays)
    core.setOutput('artifact-id', String(uploaded.id ?? ''))
    core.setOutput('assets', JSON.stringify([...parts.map((p) => p.name), ASSET_SUMS]))
    core.info(`artifact ${prefix} (id ${uploaded.id ?? '?'}): ${parts.length} parts`)
    return { kind: 'artifact', artifactId: uploaded.id, assets: parts.map((p) => ({ name: p.name, size: p.size, action: 'uploaded' })) }
  }
  const http = createHttpClient(DEFAULT_HTTP_OPTIONS)
  try {
    const releases = new GitHubReleases(new GitHubClient({ http, apiUrl: inputs.apiUrl, token: inputs.githubToken, userAgent: USER_AGENT }), inputs.repository ?? '')
    const tag = inputs.releaseTag || `kubespray-${eachVersion(result, (v) => (v.resolved ? versionLabel(v.resolved) : 'local')).join('+')}`
    const published = await runPublish({ bundleDir: result.outDir, repo: inputs.repository ?? '', tag, partSize: inputs.partSize, concurrency: 4, baseTag: inputs.baseTag || undefined }, releases, {
      packed: (p) => core.info(`packed ${p.name} (${p.size} bytes)`),
      uploaded: (a) => core.info(`${a.action} ${a.name}`)
    })
    core.setOutput('release-url', published.releaseUrl)
    core.setOutput('release-tag', tag)
    core.setOutput('assets', JSON.stringify(published.assets.map((a) => a.name)))
    core.info(sizeLine(published))
    return { kind: 'release', url: published.releaseUrl, assets: published.assets, sizes: published.sizes, delta: published.delta }
  } finally {
    await http.close()
  }
}

/** Each version a build made (one, or several for an upgrade path), mapped. */
export function eachVersion<T>(result: Pick<BuildResult, 'versions' | 'resolved' | 'lists'>, map: (v: Pick<BuildResult, 'resolved' | 'lists'>) => T): T[] {
  return (result.versions ?? [result]).map(map)
}

function setOutputs(result: BuildResult, cache: CacheOutcome): void {
  const m = result.manifest
  core.setOutput('bundle-dir', result.outDir)
  // A bundle of several versions (an upgrade path): each output lists them, oldest first.
  core.setOutput('kubespray-version', eachVersion(result, (v) => v.resolved?.tag ?? '').join(','))
  core.setOutput('kubespray-commit', eachVersion(result, (v) => v.resolved?.commit ?? '').join(','))
  core.setOutput('kube-version', eachVersion(result, (v) => [...v.lists.values()][0]?.kubeVersion ?? '').join(',') || (m?.kubeVersion ?? ''))
  core.setOutput('files', String(m?.totals.files ?? 0))
  core.setOutput('images', String(m?.totals.images ?? 0))
  core.setOutput('bytes', String(m?.totals.bytes ?? 0))
  core.setOutput('cache-hit', cache.hit)
}
