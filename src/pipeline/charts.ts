/**
 * Helm charts Kubespray's roles install (kubelet-csr-approver through helm-apps, Cilium through
 * its CLI): each repository's index is read (not carried), the chart version Kubespray pins is
 * fetched and verified against the index's digest like any file, the images its values name
 * join the plan, and the bundle serves, per repository, an index of just what it carries under
 * files/charts/<host>/<path>/ (domain/helm/repository.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FileRequest } from '../domain/files/list.js'
import type { Layout } from '../domain/files/layout.js'
import { applyMirrors, type Mirror } from '../domain/files/mirror.js'
import { archiveName, ChartRepositoryError, findChart, indexUrlOf, repositoryPath, servedIndex, type IndexedChart } from '../domain/helm/repository.js'
import { imagesInValues, mergeValues, parseValues, type Values } from '../domain/helm/values.js'
import { parseReference, type ImageReference } from '../domain/images/reference.js'
import type { ChartCoordinates } from '../domain/kubespray/references.js'
import type { WantedBy } from '../domain/kubespray/downloads.js'
import { InputError } from '../domain/errors.js'
import { redactUrl } from '../domain/redact.js'
import { ensureDirUnder, writeFileAtomic } from '../adapters/fs-atomic.js'
import { readChartTexts } from '../adapters/chart-archive.js'
import type { HttpClient } from '../adapters/http/client.js'
import { FilesJob } from './files.js'
import type { AuditEntry } from './audit.js'

/** A chart the bundle carries. */
export interface PlannedChart {
  coordinates: ChartCoordinates
  indexed: IndexedChart
  /** The archive as a file of the plan (its path beside the served index). */
  file: FileRequest
  wantedBy: WantedBy
  /** The images its values name (with Kubespray's values merged over the chart's). */
  images: string[]
}

export interface ChartsRequest {
  outDir: string
  layout: Layout
  mirrors: Mirror[]
  connections: number
  trustExisting: boolean
  /** Whether the images its values name join the plan. */
  images: boolean
  /** Whether the archives go into the bundle (it carries files), or are only read for their images. */
  carryArchives: boolean
}

/** The part of the build's plan charts add to. */
export interface ChartPlan {
  files: FileRequest[]
  images: ImageReference[]
  imageArches: Map<string, string[]>
  fileArches: Map<string, string[]>
  wantedBy: Map<string, WantedBy>
}

/** Index texts far above Cilium's (~6 MiB with every version since 1.0): a bigger one is not an index. */
const MAX_INDEX_BYTES = 64 << 20

export async function planCharts(request: ChartsRequest, http: HttpClient, plan: ChartPlan, wanted: readonly AuditEntry[], arches: readonly string[]): Promise<PlannedChart[]> {
  const charts = distinctCharts(wanted)
  if (!charts.length) return []
  const indexes = new Map<string, string>()
  for (const { chart } of charts) {
    if (!indexes.has(chart.repository)) indexes.set(chart.repository, await fetchIndex(http, chart.repository, request.mirrors, chart))
  }
  const planned = charts.map(({ chart, entry }): PlannedChart => {
    let indexed: IndexedChart
    let path: string
    try {
      indexed = findChart(indexes.get(chart.repository) ?? '', chart.repository, chart.name, chart.version)
      path = `${repositoryPath(chart.repository)}/${archiveName(indexed)}`
    } catch (e) {
      if (e instanceof ChartRepositoryError) throw new InputError(`${e.message} (wanted by ${entry.sources[0].role}, ${entry.sources[0].file})`)
      throw e
    }
    return {
      coordinates: chart,
      indexed,
      file: { url: indexed.url, checksum: { algorithm: 'sha256', hex: indexed.sha256 }, component: `chart:${chart.name}`, path },
      wantedBy: { role: entry.sources[0].role, variable: `${chart.movedBy.variable} (Helm chart ${chart.name} ${indexed.version})` },
      images: []
    }
  })
  // Fetched first, to read the values: into the bundle when it carries files, else a scratch
  // directory (an images-only bundle still needs the images the chart's values name).
  const scratch = request.carryArchives ? undefined : await mkdtemp(join(tmpdir(), 'kubespray-charts-'))
  const outDir = scratch ?? request.outDir
  try {
    const fetched = await new FilesJob(
      {
        list: { files: planned.map((c) => c.file), unverified: false },
        outDir,
        layout: request.layout,
        mirrors: request.mirrors,
        concurrency: 2,
        connections: request.connections,
        trustState: request.trustExisting
      },
      http,
      // Quiet: the files job that follows counts (and reports) these with the rest.
      { planned() {}, sizeKnown() {}, bytes() {}, finished() {} }
    ).run()
    for (const [i, chart] of planned.entries()) {
      const result = fetched.results[i]
      // Its images come from its values: a chart not read is a bundle that lacks them.
      if (result.status === 'failed') throw new InputError(`Helm chart ${chart.coordinates.name} ${chart.indexed.version} (${chart.wantedBy.role}): ${result.url}: ${result.error ?? 'not fetched'}`)
      if (request.carryArchives) {
        plan.files.push(chart.file)
        plan.fileArches.set(chart.file.url, [...arches])
        plan.wantedBy.set(chart.file.url, chart.wantedBy)
      }
      if (!request.images || chart.coordinates.imagesFrom !== 'values') continue
      chart.images = await valuesImages(join(outDir, 'files', result.path), chart)
      for (const line of chart.images) {
        if (plan.images.some((image) => image.original === line)) continue
        plan.images.push(parseReference(line))
        plan.imageArches.set(line, [...arches])
        plan.wantedBy.set(line, { role: chart.wantedBy.role, variable: `${chart.coordinates.movedBy.variable} (an image chart ${chart.coordinates.name} ${chart.indexed.version} names)` })
      }
    }
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true })
  }
  return request.carryArchives ? planned : []
}

/** Each chart once (the first entry that wants it names it). */
function distinctCharts(wanted: readonly AuditEntry[]): Array<{ chart: ChartCoordinates; entry: AuditEntry }> {
  const seen = new Map<string, { chart: ChartCoordinates; entry: AuditEntry }>()
  for (const entry of wanted) {
    const chart = entry.chart
    if (!chart) continue
    const key = `${chart.repository}\0${chart.name}\0${chart.version}`
    if (!seen.has(key)) seen.set(key, { chart, entry })
  }
  return [...seen.values()]
}

async function fetchIndex(http: HttpClient, repository: string, mirrors: readonly Mirror[], chart: ChartCoordinates): Promise<string> {
  const url = new URL(applyMirrors(indexUrlOf(repository), mirrors))
  const shown = redactUrl(url.toString())
  const headers: Record<string, string> = { accept: 'application/x-yaml, text/yaml, */*' }
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
    url.username = ''
    url.password = ''
  }
  const where = `the Helm repository of chart ${chart.name} (${chart.movedBy.variable})`
  let response
  try {
    response = await http.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', headers })
  } catch (e) {
    throw new InputError(`${shown}: ${where} could not be read (${(e as Error).message})`)
  }
  if (response.statusCode !== 200) {
    await response.body.dump()
    throw new InputError(`${shown}: ${where} answered HTTP ${response.statusCode}; check ${chart.movedBy.variable}`)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length
    if (size > MAX_INDEX_BYTES) {
      response.body.destroy()
      throw new InputError(`${shown}: larger than ${MAX_INDEX_BYTES >> 20} MiB, not a Helm repository index`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function valuesImages(archive: string, chart: PlannedChart): Promise<string[]> {
  const name = chart.coordinates.name
  const origin = `${chart.file.path} (chart ${name} ${chart.indexed.version})`
  let texts
  try {
    texts = await readChartTexts(archive)
  } catch (e) {
    throw new InputError(`${origin}: not a chart archive (${(e as Error).message})`)
  }
  if (texts.chartYaml === undefined) throw new InputError(`${origin}: has no Chart.yaml under its top directory, so it is no Helm chart`)
  let appVersion: string | undefined
  let defaults: Values
  try {
    const meta = parseValues(texts.chartYaml, `${origin} Chart.yaml`)
    appVersion = meta.appVersion === undefined || meta.appVersion === null ? undefined : String(meta.appVersion)
    defaults = texts.valuesYaml === undefined ? {} : parseValues(texts.valuesYaml, `${origin} values.yaml`)
  } catch (e) {
    throw new InputError((e as Error).message)
  }
  const given = chart.coordinates.values
  const merged = typeof given === 'object' && given !== null && !Array.isArray(given) ? mergeValues(defaults, given as Values) : defaults
  const { images, skipped } = imagesInValues(merged, appVersion, origin)
  if (skipped.length) throw new InputError(`${skipped[0]}: give the image in the values the role passes${chart.coordinates.valuesVariable ? ` (${chart.coordinates.valuesVariable})` : ''}`)
  return images
}

/** Each repository's served index (files/charts/<repository>/index.yaml), written atomically; their paths under files/. */
export async function writeServedIndexes(outDir: string, charts: readonly PlannedChart[]): Promise<string[]> {
  const byRepository = new Map<string, IndexedChart[]>()
  for (const chart of charts) byRepository.set(repositoryPath(chart.coordinates.repository), [...(byRepository.get(repositoryPath(chart.coordinates.repository)) ?? []), chart.indexed])
  const written: string[] = []
  for (const [dir, indexed] of byRepository) {
    await ensureDirUnder(outDir, join('files', dir))
    await writeFileAtomic(join(outDir, 'files', dir, 'index.yaml'), servedIndex(indexed))
    written.push(`${dir}/index.yaml`)
  }
  return written
}
