/**
 * The job summary: what was built (versions), a table of components (file or image, size,
 * cached or downloaded, time) and totals. Built from the same result the CLI prints; no input
 * is echoed, so no secret can reach it.
 */
import * as core from '@actions/core'
import { formatBytes } from '../report/progress.js'
import type { BuildResult } from '../pipeline/build.js'
import type { CacheOutcome, Published } from './main.js'

export async function writeJobSummary(result: BuildResult, cache: CacheOutcome, seconds: number, published?: Published): Promise<void> {
  const m = result.manifest
  const fileRows = (result.files?.results ?? []).map((r) => [
    'file',
    r.url,
    r.size === undefined ? '-' : formatBytes(r.size),
    r.status === 'failed' ? `❌ ${r.error ?? 'failed'}` : r.status === 'skipped' ? 'cached' : 'downloaded',
    `${(r.ms / 1000).toFixed(1)} s`
  ])
  const imageRows = (result.images?.results ?? []).map((r) => [
    'image',
    r.reference,
    r.size === undefined ? '-' : formatBytes(r.size),
    r.status === 'failed' ? `❌ ${r.error ?? 'failed'}` : r.fetched ? `downloaded ${formatBytes(r.fetched)}` : 'cached',
    `${(r.ms / 1000).toFixed(1)} s`
  ])
  const downloaded =
    (result.files?.results ?? []).filter((r) => r.status === 'downloaded').reduce((n, r) => n + (r.size ?? 0), 0) +
    (result.images?.results ?? []).reduce((n, r) => n + r.fetched, 0)
  const version = (result.versions ?? [result]).map((v) => (v.resolved ? `${v.resolved.tag ?? '(untagged)'} (${v.resolved.commit.slice(0, 12)})` : 'local tree')).join(', ')
  const summary = core.summary.addHeading(m ? 'Kubespray bundle' : 'Kubespray bundle: incomplete', 2).addTable([
    [
      { data: 'Kubespray', header: true },
      { data: 'Kubernetes', header: true },
      { data: 'arches', header: true },
      { data: 'files', header: true },
      { data: 'images', header: true },
      { data: 'size', header: true },
      { data: 'downloaded', header: true },
      { data: 'cache', header: true },
      { data: 'time', header: true }
    ],
    [
      version,
      (m?.versions ? m.versions.map((v) => v.kubeVersion).join(', ') : m?.kubeVersion) ?? '-',
      m?.arches.join(', ') ?? '-',
      String(fileRows.length),
      String(imageRows.length),
      m ? formatBytes(m.totals.bytes) : '-',
      formatBytes(downloaded),
      cache.hit === 'true' ? 'hit' : cache.hit === 'partial' ? `partial${cache.saved ? ', saved' : ''}` : cache.saved ? 'miss, saved' : 'miss',
      `${seconds.toFixed(0)} s`
    ]
  ])
  if (result.failures.length) summary.addHeading('Failed', 3).addList(result.failures)
  if (result.audit) {
    // What the tree's roles fetch that the bundle lacks: enabled components first (they fail the far side).
    const enabled = result.audit.missing.filter((e) => e.enabled !== 'no')
    summary.addHeading('Audit', 3).addRaw(result.audit.summary, true)
    if (enabled.length) summary.addList(enabled.map((e) => `${e.kind} ${e.reference}: ${e.sources[0].role} (${e.sources[0].variable}), enabled: ${e.enabled}`))
  }
  if (published) {
    summary.addHeading(published.kind === 'release' ? 'Published as a release' : 'Published as an artifact', 3)
    if (published.url) summary.addLink(published.url, published.url)
    if (published.artifactId !== undefined) summary.addRaw(`artifact id ${published.artifactId}`, true)
    if (published.sizes) summary.addRaw(publishedSizes(published.sizes, published.delta), true)
    summary.addList(published.assets.map((a) => `${a.name} (${formatBytes(a.size)}, ${a.action})`))
  }
  summary
    .addDetails(
      'Components',
      `\n\n| kind | item | size | result | time |\n|---|---|---|---|---|\n${[...fileRows, ...imageRows].map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`).join('\n')}\n\n`
    )
  await summary.write()
}

/** What crosses the gap: a delta's assets against the full bundle, or the full bundle's. */
export function publishedSizes(sizes: NonNullable<Published['sizes']>, delta: Published['delta']): string {
  if (!delta) return `Full bundle: ${formatBytes(sizes.full)}, published as ${formatBytes(sizes.published)} of assets.`
  const share = sizes.full ? ` (${((sizes.published / sizes.full) * 100).toFixed(1)}%)` : ''
  return (
    `Delta against ${delta.base.tag}: ${formatBytes(sizes.published)} of assets${share} instead of the full bundle's ${formatBytes(sizes.full)}. ` +
    `It carries ${delta.carried} files and blobs (${formatBytes(delta.carriedBytes)}); the far side takes ${delta.taken} (${formatBytes(delta.takenBytes)}) from its copy of ${delta.base.tag} (fetch --base).`
  )
}
