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
 * On an index.json entry that is our OCI rendering of a Docker-typed manifest or list: the
 * digest of the registry's original, kept byte for byte in blobs/. containers/image (skopeo
 * 1.9, podman, CRI-O) neither sees Docker-typed index.json entries nor resolves an index
 * inside an index, so the entry must be an OCI index whose children are the images; `push`
 * (and `serve`) hand out the original, so digests stay the registry's.
 */
export const SOURCE_DIGEST = 'dev.kubespray-bundle.source-digest'

/**
 * On an entry that keeps only some platforms of a multi-platform image: the digest of the
 * upstream index, whose bytes are kept in blobs/ beside the written index of the kept platforms.
 * A reference pinned to the upstream digest (Cilium's chart, Kubespray's *_digest_checksum)
 * then still resolves at `serve`: the upstream index is answered at its own digest, and a client
 * of a kept platform finds that platform's manifest (the others are absent: not in the bundle).
 */
export const UPSTREAM_INDEX = 'dev.kubespray-bundle.upstream-index'

export function encodeIndex(index: ImageIndex): Buffer {
  return Buffer.from(JSON.stringify(index))
}

/** An OCI index with one Docker-typed manifest as its only child. */
export function wrapperIndex(child: Descriptor): ImageIndex {
  return {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: child.mediaType, digest: child.digest, size: child.size, ...(child.platform ? { platform: child.platform } : {}) }]
  }
}

/** A Docker manifest list as an OCI index: the same children (digests, media types, platforms). */
export function ociIndexOf(list: ImageIndex): ImageIndex {
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: list.manifests, ...(list.annotations ? { annotations: list.annotations } : {}) }
}

/** The kept entries of an index, as a new OCI index (the children keep their digests). */
export function filteredIndex(original: ImageIndex, kept: Descriptor[]): ImageIndex {
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: kept, ...(original.annotations ? { annotations: original.annotations } : {}) }
}

/**
 * index.json is the list: one entry per line of the list, in its order, from this run or (for
 * a line that failed now) from an earlier one; lines no longer listed are dropped.
 */
export function indexForList(lines: readonly string[], existing: readonly Descriptor[], saved: ReadonlyMap<string, Descriptor>): Descriptor[] {
  const before = new Map(existing.map((d) => [d.annotations?.[REF_NAME], d]))
  return lines.flatMap((line) => {
    const entry = saved.get(line) ?? before.get(line)
    return entry ? [entry] : []
  })
}

/** Where `push` puts an image: the target registry, then the path without the source registry host. */
export function pushTarget(registry: string, repository: string, tag: string | undefined, digest: string | undefined): string {
  return `${registry}/${repository}${tag ? `:${tag}` : `@${digest ?? ''}`}`
}
