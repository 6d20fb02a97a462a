/**
 * The bundle's downloads in the Actions cache (@actions/cache), keyed by content
 * (domain/cache-key.ts). As actions/cache does it: a cache service that fails only warns and
 * the build goes on; an exact hit is not saved again (entries are immutable); a restore by
 * prefix (`partial`) is saved under the new key once the bundle is complete.
 */
import * as cache from '@actions/cache'
import type { CacheKeys } from '../../domain/cache-key.js'

export type CacheHit = 'true' | 'partial' | 'false'

export interface BundleCache {
  restore(paths: string[], keys: CacheKeys): Promise<{ hit: CacheHit; matchedKey?: string }>
  /** Best-effort; returns whether an entry was saved. */
  save(paths: string[], key: string): Promise<boolean>
}

export interface CacheLog {
  info(message: string): void
  warning(message: string): void
}

export class ActionsBundleCache implements BundleCache {
  constructor(private readonly log: CacheLog) {}

  async restore(paths: string[], keys: CacheKeys): Promise<{ hit: CacheHit; matchedKey?: string }> {
    if (!cache.isFeatureAvailable()) {
      this.log.warning('The Actions cache is not available here (no cache service configured); building without it')
      return { hit: 'false' }
    }
    try {
      const matchedKey = await cache.restoreCache(paths, keys.key, keys.restoreKeys)
      if (!matchedKey) return { hit: 'false' }
      return { hit: matchedKey === keys.key ? 'true' : 'partial', matchedKey }
    } catch (e) {
      this.log.warning(`Restoring the bundle cache failed (${(e as Error).message}); downloading everything`)
      return { hit: 'false' }
    }
  }

  async save(paths: string[], key: string): Promise<boolean> {
    if (!cache.isFeatureAvailable()) return false
    try {
      const id = await cache.saveCache(paths, key)
      if (id === -1) {
        this.log.warning(`The bundle cache was not saved under ${key} (see the lines above); the next run downloads again what changed`)
        return false
      }
      return true
    } catch (e) {
      this.log.warning(`Saving the bundle cache failed (${(e as Error).message}); the bundle itself is complete`)
      return false
    }
  }
}
