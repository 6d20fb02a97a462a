/** The manifest media types of the OCI and Docker image formats, and what each one is. */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
export const DOCKER_SCHEMA1 = ['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws']

/** Every manifest type we read, in the Accept header of manifest requests. */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ')

export const isIndex = (mediaType: string): boolean => mediaType === OCI_INDEX || mediaType === DOCKER_LIST
export const isImageManifest = (mediaType: string): boolean => mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST
export const isDockerType = (mediaType: string): boolean => mediaType === DOCKER_LIST || mediaType === DOCKER_MANIFEST

export interface Platform {
  os: string
  architecture: string
  variant?: string
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: Platform
  annotations?: Record<string, string>
  urls?: string[]
}

export interface ImageManifest {
  schemaVersion: number
  mediaType?: string
  config: Descriptor
  layers: Descriptor[]
}

export interface ImageIndex {
  schemaVersion: number
  mediaType?: string
  manifests: Descriptor[]
  annotations?: Record<string, string>
}
