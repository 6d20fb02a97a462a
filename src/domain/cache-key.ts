/**
 * What a bundle cache entry is keyed by: its content, not the date or the Kubespray version.
 * Two builds that would download the same bytes share a key; when anything changes (a
 * checksum, an image tag, an arch, the layout) the key changes and the previous entry is
 * restored by prefix, so only the difference is downloaded.
 */
import { createHash } from 'node:crypto'

/** Bump when what a cache entry holds changes shape. */
export const CACHE_FORMAT = 'v1'
const PREFIX = `kubespray-bundle-${CACHE_FORMAT}`

export interface CacheContent {
  arches: readonly string[]
  layout: string
  files: ReadonlyArray<{ url: string; checksum: string | null }>
  images: readonly string[]
}

export interface CacheKeys {
  key: string
  /** Tried in order when the key itself misses: same arches first, then any bundle. */
  restoreKeys: string[]
}

export function bundleCacheKeys(content: CacheContent): CacheKeys {
  const canonical = JSON.stringify({
    arches: [...content.arches].sort(),
    layout: content.layout,
    files: [...content.files].map((f) => [f.url, f.checksum]).sort(),
    images: [...content.images].sort()
  })
  const digest = createHash('sha256').update(canonical).digest('hex').slice(0, 40)
  const arches = [...content.arches].sort().join('+')
  return { key: `${PREFIX}-${arches}-${digest}`, restoreKeys: [`${PREFIX}-${arches}-`, `${PREFIX}-`] }
}
