/** Checksums as Kubespray gives them ("sha256:<hex>", "sha512:<hex>") and as sha256sum prints them. */
export type HashAlgorithm = 'sha256' | 'sha512'

export interface Checksum {
  algorithm: HashAlgorithm
  hex: string
}

const HEX_LENGTH: Record<HashAlgorithm, number> = { sha256: 64, sha512: 128 }

/** Parses "sha256:<hex>" or "sha512:<hex>"; the error names what was wrong with it. */
export function parseChecksum(text: string): Checksum {
  const match = /^(sha256|sha512):([0-9a-fA-F]+)$/.exec(text)
  if (!match) throw new Error(`checksum '${text}': expected sha256:<hex> or sha512:<hex>`)
  const algorithm = match[1] as HashAlgorithm
  if (match[2].length !== HEX_LENGTH[algorithm]) {
    throw new Error(`checksum '${text}': a ${algorithm} has ${HEX_LENGTH[algorithm]} hex digits, this has ${match[2].length}`)
  }
  return { algorithm, hex: match[2].toLowerCase() }
}

export const formatChecksum = (c: Checksum): string => `${c.algorithm}:${c.hex}`

/** A SHA256SUMS file as `sha256sum` writes it (text mode: two spaces), sorted by path. */
export function formatSha256Sums(entries: ReadonlyArray<{ path: string; sha256: string }>): string {
  return [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${e.sha256}  ${e.path}\n`)
    .join('')
}
