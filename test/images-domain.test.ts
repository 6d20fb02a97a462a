/** Pure parts of `images`/`push`: references, platforms, index.json entries, push targets, auth challenges. */
import { apiHost, normalizedName, parseReference } from '../src/domain/images/reference.js'
import { isAttestation, matchesPlatform, parsePlatform } from '../src/domain/images/platform.js'
import { indexForList, ociIndexOf, pushTarget, REF_NAME } from '../src/domain/images/layout-index.js'
import { parseChallenge } from '../src/adapters/registry/client.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CONFORMANCE_DIR } from './helpers/conformance.js'

describe('image references', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['docker.io/library/nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['calico/node:v3.30.5', 'docker.io/calico/node:v3.30.5'],
    ['quay.io/calico/node:v3.30.5', 'quay.io/calico/node:v3.30.5'],
    ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause:3.10'],
    ['localhost:5000/a/b', 'localhost:5000/a/b:latest'],
    [`ghcr.io/x/y:1@sha256:${'a'.repeat(64)}`, `ghcr.io/x/y:1@sha256:${'a'.repeat(64)}`],
    [`ghcr.io/x/y@sha256:${'b'.repeat(64)}`, `ghcr.io/x/y@sha256:${'b'.repeat(64)}`]
  ])('%s is %s', (text, normalized) => {
    expect(normalizedName(parseReference(text))).toBe(normalized)
  })

  it('reaches Docker Hub at registry-1.docker.io', () => {
    expect(apiHost(parseReference('nginx').registry)).toBe('registry-1.docker.io')
    expect(apiHost(parseReference('quay.io/a/b').registry)).toBe('quay.io')
  })

  it('names what is wrong with a bad reference', () => {
    expect(() => parseReference('Quay.io/UPPER/case:1')).toThrow("'UPPER' is not a valid repository path component")
    expect(() => parseReference('a/b@sha256:123')).toThrow('is not a sha256 digest')
    expect(() => parseReference('a/b:bad tag')).toThrow("'bad tag' is not a valid tag")
  })

  it("parses every line of Kubespray's images.list", () => {
    const lines = readFileSync(join(CONFORMANCE_DIR, 'v2.30.0/a_default/images.list'), 'utf8').trim().split('\n')
    for (const line of lines) expect(() => parseReference(line)).not.toThrow()
  })
})

describe('platforms', () => {
  const d = (architecture: string, variant?: string, annotations?: Record<string, string>) => ({
    mediaType: 'x',
    digest: 'sha256:0',
    size: 1,
    platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
    annotations
  })
  it('matches os/arch, arm64 without a variant being v8, and never an attestation', () => {
    expect(matchesPlatform(d('amd64'), [parsePlatform('linux/amd64')])).toBe(true)
    expect(matchesPlatform(d('arm64', 'v8'), [parsePlatform('linux/arm64')])).toBe(true)
    expect(matchesPlatform(d('arm64'), [parsePlatform('linux/arm64/v8')])).toBe(true)
    expect(matchesPlatform(d('arm', 'v7'), [parsePlatform('linux/arm/v6')])).toBe(false)
    expect(isAttestation({ ...d('unknown'), platform: { os: 'unknown', architecture: 'unknown' } })).toBe(true)
    expect(() => parsePlatform('amd64')).toThrow('expected os/arch[/variant]')
  })
})

describe('layout index and push targets', () => {
  const entry = (name: string, digest: string) => ({ mediaType: 'm', digest, size: 1, annotations: { [REF_NAME]: name } })
  it('is the list: its lines in order, entries of this run first, earlier ones for lines that failed now, unlisted ones dropped', () => {
    const existing = [entry('a', 'sha256:1'), entry('b', 'sha256:2'), entry('gone', 'sha256:9')]
    const saved = new Map([['b', entry('b', 'sha256:3')], ['c', entry('c', 'sha256:4')]])
    const index = indexForList(['c', 'b', 'a', 'failed-new'], existing, saved)
    expect(index.map((e) => `${e.annotations?.[REF_NAME]}=${e.digest}`)).toEqual(['c=sha256:4', 'b=sha256:3', 'a=sha256:1'])
  })
  it('renders a Docker list as an OCI index with the same children', () => {
    const child = { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: 'sha256:1', size: 5, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }
    const oci = ociIndexOf({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [child] })
    expect(oci).toEqual({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [child] })
  })
  it('pushes to the registry plus the path without the source registry host', () => {
    const ref = parseReference('quay.io/calico/node:v3.30.5')
    expect(pushTarget('reg.local:5000', ref.repository, ref.tag, undefined)).toBe('reg.local:5000/calico/node:v3.30.5')
    const hub = parseReference('nginx:1.27')
    expect(pushTarget('reg.local:5000', hub.repository, hub.tag, undefined)).toBe('reg.local:5000/library/nginx:1.27')
  })
})

describe('auth challenges', () => {
  it('reads Bearer parameters, commas inside quotes included', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:a/b:pull,push' }
    })
    expect(parseChallenge('Basic realm="x"')?.scheme).toBe('basic')
  })
})
