/**
 * Image references as Docker and containerd read them (distribution/reference): an optional
 * registry host, a repository path, a tag, a digest. A name without a registry host is on
 * Docker Hub, and a single-component Hub name is under library/.
 */
export const DOCKER_HUB = 'docker.io'
/** Where Docker Hub's registry API actually answers. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io'

export interface ImageReference {
  /** The text as written (an images.list line). */
  original: string
  /** Registry host[:port], normalized (docker.io for Docker Hub). */
  registry: string
  /** Repository path within the registry (library/nginx). */
  repository: string
  tag?: string
  digest?: string
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^sha256:[a-f0-9]{64}$/
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/

export class ReferenceError extends Error {
  constructor(reference: string, reason: string) {
    super(`image reference '${reference}': ${reason}`)
    this.name = 'ReferenceError'
  }
}

export function parseReference(text: string): ImageReference {
  const original = text
  let rest = text.trim()
  if (!rest) throw new ReferenceError(text, 'empty')
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) throw new ReferenceError(text, `'${digest}' is not a sha256 digest (sha256: and 64 lowercase hex digits)`)
  }
  let tag: string | undefined
  const lastSlash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) throw new ReferenceError(text, `'${tag}' is not a valid tag`)
  }
  const parts = rest.split('/')
  let registry = DOCKER_HUB
  // The first component is a registry host when it looks like one (a dot, a port, localhost).
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost' || parts[0] !== parts[0].toLowerCase())) {
    registry = parts.shift() ?? DOCKER_HUB
    if (!HOST.test(registry)) throw new ReferenceError(text, `'${registry}' is not a valid registry host`)
  }
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API_HOST) registry = DOCKER_HUB
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library')
  for (const part of parts) {
    if (!COMPONENT.test(part)) throw new ReferenceError(text, `'${part}' is not a valid repository path component (lowercase letters, digits, separators)`)
  }
  if (!tag && !digest) tag = 'latest'
  return { original, registry, repository: parts.join('/'), tag, digest }
}

/** The fully qualified name: docker.io/library/nginx:1.27, with @digest when pinned. */
export function normalizedName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`
}

/** The host whose /v2/ API serves this reference. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry
}
