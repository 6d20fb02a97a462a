/**
 * A bundle of several Kubespray versions (`build --kubespray 2.30,2.31`: an upgrade path in one
 * bundle). Each version is planned as a bundle of its own would be (pipeline/build.ts); here the
 * plans become one, every file (by url and checksum) and image (by reference) once, so a single
 * download phase fetches what the versions share once and the bundle stores it once; and after
 * the download, each version's entry of bundle.json says which of the bundle's files, images
 * and charts are its own, and what a bundle of it alone would weigh.
 */
import { InputError } from '../domain/errors.js'
import type { BundleFile, BundleImage, BundleVersion, KubesprayOrigin } from '../domain/bundle.js'
import type { FileRequest } from '../domain/files/list.js'
import { relativePathFor, type Layout } from '../domain/files/layout.js'
import { REF_NAME } from '../domain/images/layout-index.js'
import { redactText } from '../domain/redact.js'
import { versionLabel } from '../domain/version-spec.js'
import type { OciLayout } from '../adapters/oci-layout.js'
import type { PlannedChart } from './charts.js'
import type { Plan, VersionPlan } from './build.js'

/** How errors and phases name a version: its tag, else its commit's first 12 digits, else its spec. */
export function labelOf(version: Pick<VersionPlan, 'resolved' | 'input'>): string {
  if (version.resolved) return versionLabel(version.resolved)
  return 'dir' in version.input ? version.input.dir : version.input.spec
}

function checksumText(file: FileRequest): string | undefined {
  return file.checksum ? `${file.checksum.algorithm}:${file.checksum.hex}` : undefined
}

function unionOf(a: readonly string[] | undefined, b: readonly string[] | undefined): string[] {
  return [...new Set([...(a ?? []), ...(b ?? [])])]
}

/**
 * Every version's plan as one: a file once by its url (the same url with another checksum in
 * another version is refused, naming both: one url is one path of the bundle), an image once by
 * its reference, each with the arches of all versions that want it. The role and variable that
 * want an extra are those of the first version that names it. Charts once by their archive's url.
 * With the files' `layout` given, two urls it would store at one path are refused here, before
 * any download, naming both versions.
 */
export function unionOfVersions(versions: readonly VersionPlan[], layout?: Layout): { plan: Plan; charts: PlannedChart[] } {
  const plan: Plan = { files: [], fileArches: new Map(), images: [], imageArches: new Map(), wantedBy: new Map() }
  const files = new Map<string, { file: FileRequest; version: string }>()
  const paths = new Map<string, { url: string; version: string }>()
  const lines = new Set<string>()
  const charts = new Map<string, PlannedChart>()
  const firstWanted = (key: string, v: VersionPlan, known: boolean): void => {
    const wanted = v.plan.wantedBy.get(key)
    if (!known && wanted) plan.wantedBy.set(key, wanted)
  }
  for (const v of versions) {
    const name = labelOf(v)
    for (const f of v.plan.files) {
      const seen = files.get(f.url)
      if (seen && checksumText(seen.file) !== checksumText(f)) {
        throw new InputError(
          `${redactText(f.url)}: Kubespray ${seen.version} verifies it by ${checksumText(seen.file) ?? 'no checksum'} and ${name} by ${checksumText(f) ?? 'no checksum'}, ` +
            'but a url is one file of a bundle: build these versions as separate bundles (or point one at another url with -e)'
        )
      }
      if (!seen) {
        if (layout) refuseSharedPath(paths, f, name, layout)
        files.set(f.url, { file: f, version: name })
        plan.files.push(f)
      }
      firstWanted(f.url, v, seen !== undefined)
      plan.fileArches.set(f.url, unionOf(plan.fileArches.get(f.url), v.plan.fileArches.get(f.url)))
    }
    for (const image of v.plan.images) {
      const known = lines.has(image.original)
      if (!known) {
        lines.add(image.original)
        plan.images.push(image)
      }
      firstWanted(image.original, v, known)
      plan.imageArches.set(image.original, unionOf(plan.imageArches.get(image.original), v.plan.imageArches.get(image.original)))
    }
    for (const chart of v.charts) if (!charts.has(chart.file.url)) charts.set(chart.file.url, chart)
  }
  return { plan, charts: [...charts.values()] }
}

/**
 * Two urls of the versions that the layout stores at one path (kubespray-offline keeps a file
 * by its name, not its host): refused before any download, naming both versions and urls. A
 * url the layout cannot store at all is left to the files job, which names it.
 */
function refuseSharedPath(paths: Map<string, { url: string; version: string }>, file: FileRequest, version: string, layout: Layout): void {
  let path: string
  try {
    path = file.path ?? relativePathFor(file.url, layout)
  } catch {
    return
  }
  const other = paths.get(path)
  if (!other) {
    paths.set(path, { url: file.url, version })
    return
  }
  const both = other.version === version ? `Kubespray ${version} fetches ${redactText(other.url)} and ${redactText(file.url)}` : `Kubespray ${other.version} fetches ${redactText(other.url)} and ${version} fetches ${redactText(file.url)}`
  throw new InputError(
    `${both}, which the ${layout} layout would both store as files/${path}: ` +
      `build with --layout original-host (each file under its url's host and path), or build these versions as separate bundles`
  )
}

type Sum = { path: string; sha256: string; size: number }

/**
 * Each version's entry of bundle.json, and the bytes sharing saved: a version's `bytes` are its
 * files, the blobs its images reach, its tarball and its lists (what a bundle of it alone would
 * carry, less that bundle's few small metadata files); `saved` is their sum less what the bundle
 * holds of them, each file and blob once.
 */
export async function versionEntries(
  versions: readonly VersionPlan[],
  origins: readonly KubesprayOrigin[],
  files: readonly BundleFile[],
  /** The bundle file of each planned url (results come in the plan's order). */
  fileOfUrl: ReadonlyMap<string, BundleFile>,
  images: readonly BundleImage[],
  sums: readonly Sum[],
  layout: OciLayout | undefined
): Promise<{ versions: BundleVersion[]; saved: number }> {
  const sizeOf = new Map(sums.map((s) => [s.path, s.size]))
  const saved = new Set(images.map((i) => i.line))
  const entries = layout ? (await layout.readIndex()).manifests : []
  const blobsOf = (line: string): string[] => entries.filter((e) => e.annotations?.[REF_NAME] === line).flatMap((e) => [...layout?.reachable([e]) ?? []])
  const out: BundleVersion[] = []
  let summed = 0
  for (const [i, v] of versions.entries()) {
    const own = [...new Set(v.plan.files.flatMap((f) => fileOfUrl.get(f.url)?.path ?? []))]
    const lines = [...new Set(v.plan.images.map((image) => image.original))].filter((line) => saved.has(line))
    const blobs = new Set(lines.flatMap(blobsOf))
    const charts = [...new Set(v.charts.map((c) => `files/${c.file.path}`))].filter((path) => own.includes(path))
    const fileBytes = own.reduce((n, path) => n + (sizeOf.get(path) ?? 0), 0)
    const blobBytes = [...blobs].reduce((n, digest) => n + (sizeOf.get(`images/blobs/sha256/${digest.slice('sha256:'.length)}`) ?? 0), 0)
    const listBytes = sums.filter((s) => s.path.startsWith(`${v.listsDir}/`)).reduce((n, s) => n + s.size, 0)
    const bytes = fileBytes + blobBytes + listBytes + (v.source?.size ?? 0)
    summed += fileBytes + blobBytes
    out.push({
      kubespray: origins[i],
      kubeVersion: [...v.lists.values()][0]?.kubeVersion ?? '',
      lists: v.listsDir,
      files: own,
      images: lines,
      ...(charts.length ? { charts } : {}),
      bytes
    })
  }
  const held = files.reduce((n, f) => n + f.size, 0) + sums.filter((s) => s.path.startsWith('images/blobs/')).reduce((n, s) => n + s.size, 0)
  return { versions: out, saved: summed - held }
}
