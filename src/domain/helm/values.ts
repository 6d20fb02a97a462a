/**
 * The images a Helm chart's values name, with the values Kubespray passes merged over the
 * chart's defaults as Helm merges them. Charts write an image as a block,
 *   image: { registry?, repository, tag, digest?, useDigest? }
 * where an empty tag means the chart's appVersion (the `.Values.image.tag | default
 * .Chart.AppVersion` idiom), or as one string under an `image` key. Pure: values in, references out.
 */
import type JsYaml from 'js-yaml'
import { lazyRequire } from '../lazy-require.js'
import { parseReference } from '../images/reference.js'

const jsYaml = lazyRequire<typeof JsYaml>('js-yaml')

export type Values = Record<string, unknown>

export interface ValuesImages {
  images: string[]
  /** Image blocks that name no usable image (no tag and no appVersion, or not a reference), said why. */
  skipped: string[]
}

export function parseValues(text: string, origin: string): Values {
  let doc: unknown
  try {
    doc = jsYaml().load(text, { schema: jsYaml().CORE_SCHEMA, filename: origin })
  } catch (e) {
    throw new Error(`${origin}: not YAML (${(e as Error).message.split('\n')[0]})`)
  }
  if (doc === undefined || doc === null) return {}
  if (!isRecord(doc)) throw new Error(`${origin}: chart values must be a mapping`)
  // Anchors are fine in values, but expanded they are a tree: one that would grow past any
  // chart's (a "billion laughs") is refused before anything walks it.
  return expanded(doc, origin) as Values
}

/** Far above any chart's values (Cilium's: a few thousand nodes). */
const MAX_VALUES_NODES = 200_000

/** A copy with every alias expanded, counting nodes as they are made. */
function expanded(doc: unknown, origin: string): unknown {
  let nodes = 0
  const copy = (v: unknown): unknown => {
    if (++nodes > MAX_VALUES_NODES) throw new Error(`${origin}: expands to more than ${MAX_VALUES_NODES} nodes (YAML aliases); not a chart's values`)
    if (Array.isArray(v)) return v.map(copy)
    if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]))
    return v
  }
  return copy(doc)
}

/** Helm's coalescing of user values over a chart's: maps merge, anything else replaces, null deletes. */
export function mergeValues(defaults: Values, override: Values): Values {
  const out: Values = { ...defaults }
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key]
    else if (isRecord(value) && isRecord(out[key])) out[key] = mergeValues(out[key] as Values, value)
    else out[key] = value
  }
  return out
}

export function imagesInValues(values: Values, appVersion: string | undefined, origin: string): ValuesImages {
  const images = new Set<string>()
  const skipped: string[] = []
  const consider = (text: string, path: string): void => {
    try {
      parseReference(text)
      images.add(text)
    } catch (e) {
      skipped.push(`${origin}: ${path} names '${text}', which is not an image reference (${(e as Error).message})`)
    }
  }
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`))
    if (!isRecord(value)) return
    const block = imageBlock(value, appVersion)
    if (block === 'no-tag') return void skipped.push(`${origin}: ${path} names ${String(value.repository)} with no tag, and the chart has no appVersion`)
    if (block) return consider(block, path)
    for (const [key, v] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key
      // A plain word (`image: Always`) is a setting, not a reference: a reference has a tag, a path or a digest.
      if (key === 'image' && typeof v === 'string' && /[:/@]/.test(v.trim())) consider(v.trim(), here)
      else walk(v, here)
    }
  }
  walk(values, '')
  return { images: [...images].sort(), skipped }
}

/** `registry/repository:tag@digest` of an image block, 'no-tag' when it has none to give, undefined when it is no image block. */
function imageBlock(value: Values, appVersion: string | undefined): string | 'no-tag' | undefined {
  const repository = value.repository
  if (typeof repository !== 'string' || !repository.trim() || !('tag' in value || 'registry' in value || 'digest' in value)) return undefined
  const registry = typeof value.registry === 'string' ? value.registry.trim().replace(/\/+$/, '') : ''
  const declared = value.tag === null || value.tag === undefined ? '' : String(value.tag).trim()
  const tag = declared || appVersion?.trim() || ''
  const digest = typeof value.digest === 'string' && value.useDigest !== false ? value.digest.trim() : ''
  if (!tag && !digest) return 'no-tag'
  return `${registry ? `${registry}/` : ''}${repository.trim()}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`
}

function isRecord(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Values that turn a chart's digest pins off: `useDigest: false` at every image block whose
 * digest the chart uses (`useDigest: true` and a digest), nothing else. For a registry that cannot
 * hold the upstream index a pin names (Distribution 2.8 refuses one whose other platforms are
 * absent), images are then pulled by tag.
 */
export function digestPinsOff(values: Values): Values {
  const walk = (value: unknown): Values | undefined => {
    if (!isRecord(value)) return undefined
    // `digest`, or per-variant digests (Cilium's operator: genericDigest, awsDigest, …).
    const pinned = Object.entries(value).some(([k, d]) => (k === 'digest' || k.endsWith('Digest')) && typeof d === 'string' && d.trim() !== '')
    if (value.useDigest === true && pinned) return { useDigest: false }
    const out: Values = {}
    for (const [key, v] of Object.entries(value)) {
      const inner = walk(v)
      if (inner) out[key] = inner
    }
    return Object.keys(out).length ? out : undefined
  }
  return walk(values) ?? {}
}
