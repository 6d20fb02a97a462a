/**
 * The input of `files`: files.json as `lists` writes it, or a plain files.list (one url a
 * line, as generate_list.sh writes it, with no checksums).
 */
import { parseChecksum, type Checksum } from './checksum.js'

export interface FileRequest {
  url: string
  /** What Kubespray verifies; null when the list has none. */
  checksum: Checksum | null
  component: string | null
  /**
   * Where under files/ it is stored, when not where the layout puts its url: a Helm chart sits
   * beside its repository's index (charts/<repository>/), wherever its archive is hosted.
   */
  path?: string
}

export interface FileList {
  files: FileRequest[]
  /** A plain list: nothing can be verified. */
  unverified: boolean
}

function checkUrl(url: unknown, where: string): string {
  if (typeof url !== 'string' || !/^https?:\/\/[^/\s]+\/\S*$/.test(url)) {
    throw new Error(`${where}: '${String(url)}' is not an http(s) url`)
  }
  return url
}

function fromJson(text: string, source: string): FileRequest[] {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`)
  }
  const files = (data as { files?: unknown })?.files
  if (!Array.isArray(files)) throw new Error(`${source}: expected {"files": [...]}, as 'kubespray-bundle lists' writes it`)
  return files.map((entry: unknown, i) => {
    const where = `${source}: files[${i}]`
    const e = (entry ?? {}) as { url?: unknown; checksum?: unknown; component?: unknown }
    const url = checkUrl(e.url, `${where}.url`)
    let checksum: Checksum | null = null
    if (e.checksum !== null && e.checksum !== undefined) {
      try {
        checksum = parseChecksum(String(e.checksum))
      } catch (err) {
        throw new Error(`${where} (${url}): ${(err as Error).message}`)
      }
    }
    return { url, checksum, component: typeof e.component === 'string' ? e.component : null }
  })
}

function fromPlainList(text: string, source: string): FileRequest[] {
  return text.split('\n').flatMap((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return []
    return [{ url: checkUrl(line, `${source}:${i + 1}`), checksum: null, component: null }]
  })
}

/** Parses either form; the same url twice is fetched once (the first entry's checksum wins unless it has none). */
export function parseFileList(text: string, source: string): FileList {
  const json = text.trimStart().startsWith('{')
  const parsed = json ? fromJson(text, source) : fromPlainList(text, source)
  const byUrl = new Map<string, FileRequest>()
  for (const f of parsed) {
    const seen = byUrl.get(f.url)
    if (!seen) byUrl.set(f.url, f)
    else if (f.checksum && seen.checksum && f.checksum.hex !== seen.checksum.hex) {
      throw new Error(`${source}: ${f.url} is listed twice with different checksums`)
    } else if (!seen.checksum) byUrl.set(f.url, f)
  }
  return { files: [...byUrl.values()], unverified: !json }
}
