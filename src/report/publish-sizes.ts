/** The sizes people decide by, as publish prints them and the action logs them. */
import type { PublishResult } from '../pipeline/publish.js'
import { formatBytes } from './progress.js'

/** The sizes people decide by: the full bundle's bytes, and what this publish carries. */
export function sizeLine(result: Pick<PublishResult, 'sizes' | 'delta'>): string {
  const { full, published } = result.sizes
  if (!result.delta) return `full bundle: ${formatBytes(full)} (${full} bytes), published in full: ${formatBytes(published)} of assets`
  const d = result.delta
  const share = full ? ` (${((published / full) * 100).toFixed(1)}% of the full bundle)` : ''
  return (
    `delta against ${d.base.tag}: ${formatBytes(published)} (${published} bytes) of assets${share}; full bundle ${formatBytes(full)} (${full} bytes). ` +
    `Carried: ${d.carried} files and blobs (${formatBytes(d.carriedBytes)}); taken from the base on the far side: ${d.taken} (${formatBytes(d.takenBytes)})`
  )
}
