/**
 * Loads a dependency the first time it is needed. The YAML libraries are fallbacks that a
 * typical `lists` run never touches, yet compiling them costs a cold start a fifth of its
 * time; undici is needed only behind a proxy or for the GitHub API, and was 1.1 MB of each
 * command's bundle. The build therefore puts them in dist/vendor/<name>.cjs (see
 * scripts/build.mjs) and defines __KB_VENDOR_DIR__; from source (tests, tsc) they come from
 * node_modules.
 */
import { createRequire } from 'node:module'

declare const __KB_VENDOR_DIR__: string | undefined

const requireHere = createRequire(import.meta.url)

export function lazyRequire<T>(name: string): () => T {
  let loaded: T | undefined
  return () => {
    loaded ??= requireHere(typeof __KB_VENDOR_DIR__ === 'string' ? `${__KB_VENDOR_DIR__}/${name}.cjs` : name) as T
    return loaded
  }
}
