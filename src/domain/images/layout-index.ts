/**
 * What goes into the shared layout's index.json, and the small indexes we write ourselves.
 * Pure: bytes in, bytes and descriptors out.
 */
import { OCI_INDEX, type Descriptor, type ImageIndex } from './media-types.js'

/** The images.list line as written: `skopeo copy oci:DIR/images:<line>` finds the image by it. */
export const REF_NAME = 'org.opencontainers.image.ref.name'
/** The normalized full name, which containerd's import uses. */
export const CONTAINERD_NAME = 'io.containerd.image.name'
/**
 * Marks an OCI index we wrote around a Docker-typed manifest or list: Debian's skopeo 1.9
 * does not see Docker-typed index.json entries, so we point index.json at this wrapper, and
 * `push` sends the original underneath (same digest as the source registry).
 */
export const WRAPPER = 'dev.kubespray-bundle.wraps-docker-manifest'

export function encodeIndex(index: ImageIndex): Buffer {
  return Buffer.from(JSON.stringify(index))
}

/** An OCI index with the one Docker-typed manifest or list as its only child. */
export function wrapperIndex(child: Descriptor): ImageIndex {
  return {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: child.mediaType, digest: child.digest, size: child.size, ...(child.platform ? { platform: child.platform } : {}) }],
    annotations: { [WRAPPER]: 'true' }
  }
}

/** The kept entries of an index, as a new OCI index (the children keep their digests). */
export function filteredIndex(original: ImageIndex, kept: Descriptor[]): ImageIndex {
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: kept, ...(original.annotations ? { annotations: original.annotations } : {}) }
}

/** index.json after a run: entries of re-saved images replaced in place, new ones appended. */
export function mergeIndexEntries(existing: readonly Descriptor[], added: readonly Descriptor[]): Descriptor[] {
  const byName = new Map(added.map((d) => [d.annotations?.[REF_NAME], d]))
  const merged = existing.map((d) => {
    const name = d.annotations?.[REF_NAME]
    const replacement = name === undefined ? undefined : byName.get(name)
    if (replacement) byName.delete(name)
    return replacement ?? d
  })
  return [...merged, ...[...byName.values()].filter((d): d is Descriptor => d !== undefined)]
}

/** Where `push` puts an image: the target registry, then the path without the source registry host. */
export function pushTarget(registry: string, repository: string, tag: string | undefined, digest: string | undefined): string {
  return `${registry}/${repository}${tag ? `:${tag}` : `@${digest ?? ''}`}`
}
