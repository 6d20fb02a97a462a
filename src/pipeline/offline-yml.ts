/**
 * `offline-yml`: the inventory group_vars that point Kubespray at a served bundle, proven by
 * closing the loop: our own lists, made from the bundle's Kubespray tree with the file as
 * `-e @offline.yml`, must name only files of the bundle (under --files-url) and images of its
 * layout (under --registry), for every arch of the bundle. Otherwise it fails naming the gaps,
 * and writes nothing. In a bundle of several Kubespray versions, the file is for one of them
 * (--kubespray TAG), checked against that version's lists, files and images.
 */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { STATE_DIR, versionView, type BundleImage, type BundleManifest } from '../domain/bundle.js'
import { InputError } from '../domain/errors.js'
import { redactText } from '../domain/redact.js'
import { parseReference } from '../domain/images/reference.js'
import type { ImageArch } from '../domain/kubespray/facts.js'
import { perFileUrl, registryPathOf, registryRoots, renderOfflineYml, rootPathOf, urlRoots } from '../domain/offline-vars.js'
import { REDACTED } from '../domain/secrets.js'
import { ensureDirUnder, writeFileAtomic } from '../adapters/fs-atomic.js'
import { readKubesprayTree } from '../adapters/kubespray-tree.js'
import { OciLayout } from '../adapters/oci-layout.js'
import { REF_NAME } from '../domain/images/layout-index.js'
import { bundlePathOf, readBundleManifest } from './bundle-dir.js'
import { runLists } from './lists.js'
import { extractAuditedTree, treeReferences } from './audit.js'
import { readChartTexts } from '../adapters/chart-archive.js'
import { digestPinsOff, mergeValues, parseValues, type Values } from '../domain/helm/values.js'

export interface OfflineYmlRequest {
  bundleDir: string
  /** http://HOST:PORT where the bundle's files/ is served. */
  filesUrl: string
  /** HOST:PORT of the registry holding the bundle's images (serve or push). */
  registry: string
  /** A local Kubespray tree, for a bundle built from one (it carries no tarball). */
  kubesprayDir?: string
  /** Which version, in a bundle of several (its tag): required there, refused naming the tags otherwise. */
  kubespray?: string
  hostMachine: string
  /**
   * False where the registry cannot keep the upstream indexes charts pin images to (push
   * warned so): each chart's values then turn its digest pins off (pulled by tag).
   */
  digestPins?: boolean
}

export interface OfflineYml {
  text: string
  vars: Record<string, unknown>
  /** Urls and images the generated lists name, per arch, all inside the bundle. */
  checked: { files: number; images: number }
  /** Downloads Kubespray knows that generate_list.sh (and so the bundle) leaves out. */
  notes: string[]
}

export async function makeOfflineYml(request: OfflineYmlRequest): Promise<OfflineYml> {
  // One version of the bundle, as a bundle of it alone would be: its files, images and lists.
  const { manifest, lists } = versionView(await readBundleManifest(request.bundleDir), request.kubespray)
  const filesUrl = request.filesUrl.replace(/\/+$/, '')
  if (!/^https?:\/\/[^/]+(\/.*)?$/.test(filesUrl)) throw new InputError(`--files-url ${request.filesUrl}: expected http://HOST:PORT`)
  if (!/^[\w.-]+(:\d+)?$/.test(request.registry)) throw new InputError(`--registry ${request.registry}: expected HOST:PORT (no scheme)`)
  const work = await ensureDirUnder(request.bundleDir, join(STATE_DIR, 'offline-yml'))
  const tree = await kubesprayTreeOf(manifest, request, work)
  const defaults = readKubesprayTree(tree).roleDefaults.flatMap((layer) => [...layer.vars.entries()].map(([k, v]) => [String(k), v] as [string, unknown]))

  const bundleFiles = new Map(manifest.files.map((f) => [f.url, f.path.slice('files/'.length)]))
  const bundleImages = await layoutImages(request.bundleDir)
  const overrides: Record<string, unknown> = { files_repo: filesUrl, registry_host: request.registry }
  if (manifest.layout === 'original-host') {
    // Each root where the bundle keeps its files: under the value it was built with, not Kubespray's default.
    for (const root of urlRoots(defaults)) overrides[root.name] = `{{ files_repo }}/${rootPathOf(manifest.extraVars?.[root.name], root.host)}`
  }
  // Each registry root where the bundle keeps its images: the path of the value it was built with.
  for (const root of registryRoots(defaults)) overrides[root.name] = `{{ registry_host }}${registryPathOf(manifest.extraVars?.[root.name], root.path)}`
  // Images other roles pull, by a variable of their own outside the roots (build --extras:
  // local_path_provisioner_helper_image_repo, …): that variable, pointed at the bundle's registry.
  Object.assign(overrides, imageVariablesOutsideRoots(manifest, overrides))
  const { carried: kept, secret } = withoutRedacted(manifest)
  const carried = { ...kept, kube_version: manifest.kubeVersion }
  // Helm chart repositories, each pointed at the index the bundle serves for it.
  const chartVars = chartRepositoryVars(manifest, new Map(defaults))
  if (request.digestPins === false) Object.assign(chartVars, await chartValuesWithoutPins(request.bundleDir, manifest))
  Object.assign(overrides, chartVars)

  let vars = compose(carried, overrides)
  let gaps = await closedLoop(request, manifest, lists, tree, work, vars, filesUrl, bundleFiles, bundleImages)
  // Where no root fits, each file's own url variable: its default with the literal origin moved
  // under files_repo, templates kept (argocd_install_url keeps {{ argocd_version }}, so the
  // download role and the argocd role, which fetch different versions, each find theirs);
  // failing that, the file's own path.
  const perFile: Record<string, unknown> = {}
  const defaultOf = new Map(defaults)
  if (manifest.layout === 'original-host') {
    for (const variable of gaps.components.keys()) {
      const moved = movedOrigin(defaultOf.get(variable))
      if (moved) perFile[variable] = moved
    }
  }
  if (Object.keys(perFile).length) {
    vars = compose(carried, { ...overrides, ...perFile })
    gaps = await closedLoop(request, manifest, lists, tree, work, vars, filesUrl, bundleFiles, bundleImages)
  }
  for (const [variable, byArch] of gaps.components) {
    const url = perFileUrl(byArch)
    if (url) perFile[variable] = url
  }
  if (gaps.components.size && Object.keys(perFile).length) {
    vars = compose(carried, { ...overrides, ...perFile })
    gaps = await closedLoop(request, manifest, lists, tree, work, vars, filesUrl, bundleFiles, bundleImages)
  }
  const chartGaps = await chartsClosedLoop(request, manifest, tree, work, vars, filesUrl)
  gaps.messages.push(...chartGaps.messages)
  for (const note of [...chartGaps.notes, ...chartVariableNotes(manifest, chartVars)]) gaps.unlisted.add(note)
  await rm(work, { recursive: true, force: true })
  if (gaps.messages.length) {
    throw new InputError(`with the generated variables, Kubespray would still fetch ${gaps.messages.length} thing(s) the bundle does not hold:\n` + gaps.messages.map((m) => `  ${m}`).join('\n'))
  }
  const byName = pulledByName(manifest, overrides)
  const engine = String(manifest.extraVars?.container_manager ?? 'containerd')
  const engineNote =
    byName.length && engine !== 'containerd'
      ? [`container_manager is ${engine}: containerd_registries_mirrors does not reach it; mirror ${[...new Set(byName.map((i) => parseReference(i.line).registry))].join(', ')} to the bundle's registry in ${engine}'s own configuration (crio_registries for CRI-O).`]
      : []
  // A redacted url root or per-file url is pointed at the bundle anyway: nothing to supply.
  const mustSupply = secret.filter((name) => !Object.hasOwn(overrides, name) && !Object.hasOwn(perFile, name))
  const secretNote = mustSupply.length
    ? [`Redacted when the bundle was built (secrets never travel in it): set ${mustSupply.join(', ')} yourself on this side (e.g. in a vault file).`]
    : []
  const text = renderOfflineYml(
    [
      `Kubespray ${manifest.kubespray.tag ?? manifest.kubespray.spec} offline: files from ${filesUrl}, images from ${request.registry}.`,
      'Generated by kubespray-bundle offline-yml; checked by generating Kubespray\'s lists with it:',
      `every url is a file of the bundle, every image one of its layout (${manifest.arches.join(', ')}).`,
      'Put it in inventory/<name>/group_vars/all/offline.yml.',
      ...secretNote,
      ...engineNote
    ],
    [
      { comment: 'Where the bundle is served', vars: { files_repo: filesUrl, registry_host: request.registry } },
      { comment: 'Url roots and registries, pointed at the bundle', vars: withoutKeys(overrides, ['files_repo', 'registry_host', ...Object.keys(chartVars)]) },
      { comment: `Helm chart repositories, served from the bundle's files/charts/${request.digestPins === false ? '; chart values pulling by tag, not by digest (--no-digest-pins)' : ''}`, vars: chartVars },
      { comment: 'Files no root variable reaches', vars: perFile },
      {
        comment: `Registries that images are pulled from by name (${pullingRoles(byName).join(', ') || 'none'}): containerd asks the bundle's registry (plain HTTP, as serve speaks; use https:// for a TLS registry)`,
        vars: registryMirrors(byName)
      },
      { comment: 'What the bundle was built with (so the far side asks for the same things)', vars: withoutKeys(carried, Object.keys({ ...overrides, ...perFile })) }
    ]
  )
  const secretNotes = mustSupply.map((name) => `${name}: redacted in the bundle (a secret); supply it on this side, in group_vars or a vault file`)
  return { text, vars, checked: gaps.checked, notes: [...secretNotes, ...engineNote, ...gaps.unlisted] }
}

/**
 * `<x>_image_repo` variables of the extras found in roles' defaults (bundle.json wantedBy),
 * each pointed at `{{ registry_host }}/<repository path>`, where serve and push put the image.
 * A variable a root already covers keeps the root's value.
 */
function imageVariablesOutsideRoots(manifest: BundleManifest, roots: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const image of manifest.images) {
    const variable = image.wantedBy?.variable
    if (!variable || image.wantedBy?.role === 'download' || !/^\w+_image_repo$/.test(variable) || Object.hasOwn(roots, variable)) continue
    out[variable] = `{{ registry_host }}/${parseReference(image.line).repository}`
  }
  return out
}

/**
 * Each chart's repository variable, pointed at the directory of files/ where the bundle serves
 * its index: the url itself, or (the Cilium CLI's flags) `--repository URL` in place of any the
 * flags had, the other flags kept.
 */
function chartRepositoryVars(manifest: BundleManifest, defaults: ReadonlyMap<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const chart of manifest.charts ?? []) {
    const served = `{{ files_repo }}/${chart.index.slice('files/'.length, -'/index.yaml'.length)}`
    const { variable, form } = chart.movedBy
    if (form === 'url') {
      out[variable] = served
      continue
    }
    const given = manifest.extraVars?.[variable] ?? defaults.get(variable) ?? ''
    const words = String(given).split(/\s+/).filter(Boolean)
    const kept = words.filter((w, i) => !(w === '--repository' || w.startsWith('--repository=') || (i > 0 && words[i - 1] === '--repository')))
    out[variable] = [...kept, '--repository', served].join(' ')
  }
  return out
}

/**
 * For each chart the bundle carries with a values variable: the values the build was made with,
 * with `useDigest: false` where the chart's own values pin an image by digest.
 */
async function chartValuesWithoutPins(bundleDir: string, manifest: BundleManifest): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const chart of manifest.charts ?? []) {
    const texts = await readChartTexts(join(bundleDir, chart.path))
    const off = digestPinsOff(texts.valuesYaml === undefined ? {} : parseValues(texts.valuesYaml, `${chart.path} values.yaml`))
    if (!Object.keys(off).length) continue
    if (!chart.valuesVariable) throw new InputError(`chart ${chart.name} ${chart.version} pins images by digest, and no variable passes it values: --no-digest-pins cannot turn them off; serve the bundle's registry instead, which keeps the digests`)
    out[chart.valuesVariable] = mergeValues(off, givenValues(manifest.extraVars?.[chart.valuesVariable], chart.valuesVariable))
  }
  return out
}

/** Values given with -e: a mapping, or its JSON text (`-e name={...}`); anything else is refused, named. */
function givenValues(given: unknown, variable: string): Values {
  let value = given
  if (typeof given === 'string') {
    try {
      value = JSON.parse(given) as unknown
    } catch {
      value = undefined
    }
  }
  if (given === undefined || given === null) return {}
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Values
  throw new InputError(`${variable}: the bundle was built with a value that is no mapping (${JSON.stringify(given).slice(0, 80)}); --no-digest-pins cannot add to it`)
}

/**
 * The loop closed for charts: the tree's chart references, rendered with the generated
 * variables, must each name a repository the bundle serves (under --files-url) holding that
 * chart version: a chart the bundle holds but the variables miss is a gap; one it does not hold
 * at all (built with --extras none, or another version) is said as a note, as for other extras.
 */
async function chartsClosedLoop(request: OfflineYmlRequest, manifest: BundleManifest, tree: string, work: string, vars: Record<string, unknown>, filesUrl: string): Promise<{ messages: string[]; notes: string[] }> {
  const varsFile = join(work, 'offline-charts.json')
  await writeFileAtomic(varsFile, JSON.stringify(vars))
  const entries = await treeReferences({ treeDir: tree, extraVars: [`@${varsFile}`], inventories: [], arches: manifest.arches, kubeVersion: manifest.kubeVersion, hostMachine: request.hostMachine, cwd: work })
  const charts = manifest.charts ?? []
  const served = new Set(charts.map((c) => `${filesUrl}/${c.index.slice('files/'.length, -'/index.yaml'.length)}\0${c.name}\0${c.version}`))
  const out = { messages: [] as string[], notes: [] as string[] }
  for (const entry of entries) {
    if (entry.kind !== 'chart' || entry.enabled !== 'yes') continue
    const c = entry.chart
    if (!c) {
      out.notes.push(`chart ${entry.reference} (${entry.sources[0].role}): a chart the bundle cannot carry (an OCI or archive url); Kubespray fetches it from there`)
      continue
    }
    if (served.has(`${c.repository.replace(/\/+$/, '')}\0${c.name}\0${c.version}`)) continue
    if (charts.some((h) => h.name === c.name && h.version === c.version)) out.messages.push(`chart ${c.name} ${c.version} from ${redactText(c.repository)} (${entry.sources[0].role}, ${c.movedBy.variable})`)
    else out.notes.push(`chart ${c.name} ${c.version} from ${redactText(c.repository)} (${entry.sources[0].role}): this bundle does not hold it (built with --extras none, or it was disabled); Kubespray fetches it from there`)
  }
  return out
}

/**
 * What offline.yml writes whole that the inventory may also set: flags and values given there
 * are replaced, not merged (offline-yml reads the bundle's -e variables, not the inventory).
 */
function chartVariableNotes(manifest: BundleManifest, chartVars: Record<string, unknown>): string[] {
  const whole = (manifest.charts ?? []).flatMap((c) => [...(c.movedBy.form === 'repository-flag' ? [c.movedBy.variable] : []), ...(c.valuesVariable && Object.hasOwn(chartVars, c.valuesVariable) ? [c.valuesVariable] : [])])
  return [...new Set(whole)].map((v) => `${v}: written whole (from the bundle's -e variables); if your inventory sets it too, merge yours into this value by hand`)
}

/** A url default with a literal origin (https://raw.githubusercontent.com/…/v{{ x }}/…), that origin under files_repo. */
function movedOrigin(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const m = /^https?:\/\/([a-z0-9.-]+(?::\d+)?)(\/.*)$/i.exec(value)
  return m ? `{{ files_repo }}/${m[1]}${m[2]}` : undefined
}

/**
 * Extras pulled by the name a manifest or template writes, which no variable of ours moves:
 * the images Argo CD's manifest names, and images whose templates write the registry
 * themselves (UpCloud's CSI: ghcr.io/upcloudltd/…) or take a whole reference from one variable.
 * Kubespray's own runtime image is for the control host, not containerd.
 */
function pulledByName(manifest: BundleManifest, moved: Record<string, unknown>): BundleImage[] {
  return manifest.images.filter((i) => {
    const wanted = i.wantedBy
    if (!wanted || wanted.role === 'download' || wanted.variable === '--kubespray-image') return false
    return !Object.hasOwn(moved, wanted.variable)
  })
}

/** The roles those images come with, for the section's comment. */
function pullingRoles(images: readonly BundleImage[]): string[] {
  return [...new Set(images.map((i) => i.wantedBy?.role ?? ''))].filter(Boolean).sort()
}

/**
 * containerd_registries_mirrors for the registries of images pulled by name: each prefix is
 * mirrored by the bundle's registry, which serves every image under its path without the host.
 */
function registryMirrors(images: readonly BundleImage[]): Record<string, unknown> {
  const hosts = [...new Set(images.map((i) => parseReference(i.line).registry))].sort()
  if (!hosts.length) return {}
  return {
    containerd_registries_mirrors: hosts.map((prefix) => ({
      prefix,
      mirrors: [{ host: 'http://{{ registry_host }}', capabilities: ['pull', 'resolve'], skip_verify: true }]
    }))
  }
}

/**
 * The bundle's variables without those it could not carry: each redacted one (bundle.json's
 * `redacted`, and any value holding the redaction marker, such as a url whose userinfo was
 * removed). Writing `***` where Kubespray expects a password would fail far from any hint.
 */
function withoutRedacted(manifest: BundleManifest): { carried: Record<string, unknown>; secret: string[] } {
  const topLevel = (path: string): string => path.split(/[.[]/)[0]
  const secret = new Set((manifest.redacted ?? []).map(topLevel))
  for (const [name, value] of Object.entries(manifest.extraVars ?? {})) if (JSON.stringify(value).includes(REDACTED)) secret.add(name)
  return { carried: Object.fromEntries(Object.entries(manifest.extraVars ?? {}).filter(([k]) => !secret.has(k))), secret: [...secret].sort() }
}

function compose(carried: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  return { ...carried, ...overrides }
}

function withoutKeys(vars: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(vars).filter(([k]) => !keys.includes(k)))
}

async function kubesprayTreeOf(manifest: BundleManifest, request: OfflineYmlRequest, work: string): Promise<string> {
  if (request.kubesprayDir) return request.kubesprayDir
  if (!manifest.kubespray.tarball) {
    throw new InputError(`${request.bundleDir} was built from a local Kubespray tree (it carries no tarball): give it with --kubespray-dir`)
  }
  const tree = join(work, 'tree')
  await rm(tree, { recursive: true, force: true })
  // What the lists read and the roles' meta and tasks the chart references are read from, in one pass.
  await extractAuditedTree(await bundlePathOf(request.bundleDir, manifest.kubespray.tarball.path), tree)
  return tree
}


/** The layout's images: repository path → the references saved for it. */
async function layoutImages(bundleDir: string): Promise<Set<string>> {
  const index = await new OciLayout(join(bundleDir, 'images')).readIndex()
  return new Set(
    index.manifests.flatMap((d) => {
      const line = d.annotations?.[REF_NAME]
      if (!line) return []
      const ref = parseReference(line)
      return [`${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`]
    })
  )
}

interface Gaps {
  messages: string[]
  /** url variable → arch → the path of the file the bundle holds for it. */
  components: Map<string, Map<string, string>>
  checked: { files: number; images: number }
  unlisted: Set<string>
}

/** Our lists with these variables, per arch, compared with the bundle. */
async function closedLoop(
  request: OfflineYmlRequest,
  manifest: BundleManifest,
  /** Relative to the bundle: where this version's <arch>/files.json is. */
  listsDir: string,
  tree: string,
  work: string,
  vars: Record<string, unknown>,
  filesUrl: string,
  bundleFiles: Map<string, string>,
  bundleImages: Set<string>
): Promise<Gaps> {
  const varsFile = join(work, 'offline.json')
  await writeFileAtomic(varsFile, JSON.stringify(vars))
  const gaps: Gaps = { messages: [], components: new Map(), checked: { files: 0, images: 0 }, unlisted: new Set() }
  const heldPaths = new Set(bundleFiles.values())
  const heldSha256 = new Map(manifest.files.map((f) => [f.path.slice('files/'.length), f.sha256]))
  for (const arch of manifest.arches as ImageArch[]) {
    const offline = await runLists({ kubesprayDir: tree, outDir: join(work, arch), extraVars: [`@${varsFile}`], inventories: [], arch, hostMachine: request.hostMachine, cwd: work })
    const original = JSON.parse(await readFile(await bundlePathOf(request.bundleDir, `${listsDir}/${arch}/files.json`), 'utf8')) as {
      files: Array<{ url: string; component: string }>
      role?: { files: Array<{ url: string; component: string }> }
    }
    const originalUrl = new Map(original.files.map((f) => [f.component, f.url]))
    // The extras the bundle holds (build --extras): downloads entries generate_list.sh never lists.
    for (const f of original.role?.files ?? []) if (!originalUrl.has(f.component) && bundleFiles.has(f.url)) originalUrl.set(f.component, f.url)
    // What the download role fetches (each downloads entry's url, overrides applied).
    for (const d of offline.downloads) {
      // Entries generate_list.sh never lists (argocd_install: an *_install_url, not a
      // *_download_url line) are in no bundle; said once, not counted as gaps.
      if (!originalUrl.has(d.component)) {
        gaps.unlisted.add(`${d.component} (${d.url}): generate_list.sh does not list it and this bundle does not hold it (built with --extras none, or it was disabled); Kubespray fetches it from there if it is enabled`)
        continue
      }
      gaps.checked.files++
      const path = d.url.startsWith(`${filesUrl}/`) ? d.url.slice(filesUrl.length + 1) : undefined
      if (path !== undefined && heldPaths.has(path)) continue
      const was = originalUrl.get(d.component)
      const held = was === undefined ? undefined : bundleFiles.get(was)
      if (held && d.urlVariable) {
        const byArch = gaps.components.get(d.urlVariable) ?? new Map<string, string>()
        byArch.set(arch, held)
        gaps.components.set(d.urlVariable, byArch)
      }
      gaps.messages.push(`${arch}: file ${d.url} (${d.component}${held ? `; the bundle holds it as files/${held}` : ', not in the bundle'})`)
    }
    // What roles fetch again in their own scope (the argocd role's manifest): each enabled one the bundle holds must be served.
    for (const f of offline.role.files) {
      if (f.wantedBy.role === 'download' || !f.enabled) continue
      const heldByBundle = [...original.role?.files ?? []].some((o) => o.component === f.component && bundleFiles.has(o.url))
      if (!heldByBundle) continue
      gaps.checked.files++
      const path = f.url.startsWith(`${filesUrl}/`) ? f.url.slice(filesUrl.length + 1) : undefined
      // Served, and the bytes that role checks: a url pinned to another version's file would fail its checksum there.
      const sha = path === undefined ? undefined : heldSha256.get(path)
      const expected = f.checksum?.startsWith('sha256:') ? f.checksum.slice('sha256:'.length) : undefined
      if (sha === undefined || (expected !== undefined && sha !== expected)) {
        gaps.messages.push(`${arch}: file ${f.url} (${f.component}, as ${f.wantedBy.role} fetches it${sha === undefined ? '' : ': the bundle holds other bytes there'})`)
      }
    }
    // What the download role pulls: images.list, and the enabled entries and kubeadm images beyond it.
    const listed = new Set(offline.images.map((i) => i.ref))
    const pulled = [...offline.images, ...offline.role.images.filter((i) => i.enabled && !listed.has(i.ref))]
    for (const image of [...new Map(pulled.map((i) => [i.ref, i])).values()]) {
      gaps.checked.images++
      const ref = parseReference(image.ref)
      const inside = ref.registry === request.registry && bundleImages.has(`${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`)
      if (!inside) gaps.messages.push(`${arch}: image ${image.ref}${ref.registry === request.registry ? ' (not in the bundle)' : ' (not from the registry)'}`)
    }
  }
  return gaps
}
