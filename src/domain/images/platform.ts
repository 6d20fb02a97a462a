/** Which entries of a multi-platform index to keep. */
import type { Descriptor, Platform } from './media-types.js'

/** Parses "linux/amd64", "linux/arm64/v8"; the error names the bad one. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/')
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) {
    throw new Error(`--platform ${text}: expected os/arch[/variant], e.g. linux/amd64 or linux/arm64`)
  }
  return { os: parts[0], architecture: parts[1], variant: parts[2] }
}

export const formatPlatform = (p: Platform | undefined): string =>
  p ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}` : 'unknown'

/** Attestations (BuildKit provenance/SBOM) are listed as unknown/unknown with a reference-type annotation. */
export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown')
}

/** arm64 without a variant means v8, as containerd's platform matcher says. */
function sameVariant(wanted: Platform, have: Platform): boolean {
  if (!wanted.variant) return true
  const norm = (p: Platform): string | undefined => (p.architecture === 'arm64' && !p.variant ? 'v8' : p.variant)
  return norm(wanted) === norm(have)
}

export function matchesPlatform(d: Descriptor, wanted: readonly Platform[]): boolean {
  const have = d.platform
  if (!have || isAttestation(d)) return false
  return wanted.some((w) => w.os === have.os && w.architecture === have.architecture && sameVariant(w, have))
}
