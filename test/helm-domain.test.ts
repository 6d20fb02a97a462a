/**
 * Helm repositories and chart values as Helm reads them (domain/helm): the index's entry at a
 * pinned version, urls resolved as Helm's ResolveReferenceURL does, strings kept as written
 * (Helm's typed structs), the served index of just what is carried, and the images values name.
 */
import jsYaml from 'js-yaml'
import { archiveName, findChart, repositoryPath, resolveAgainstRepository, servedIndex } from '../src/domain/helm/repository.js'
import { digestPinsOff, imagesInValues, mergeValues, parseValues } from '../src/domain/helm/values.js'

const DIGITS = '0123456789'.repeat(7).slice(0, 64)
const INDEX = `apiVersion: v1
entries:
  app:
  - name: app
    version: "1.10"
    digest: ${DIGITS}
    deprecated: true
    urls: [charts/app-1.10.tgz]
  - name: app
    version: v1.2.0
    digest: sha256:${'ab'.repeat(32)}
    urls: ["https://cdn.example/app-1.2.0.tgz"]
  other:
  - name: other
    version: 0.1.0
    urls: []
`

describe('Helm repository index', () => {
  it('finds the pinned version (v forgiven), resolves a relative url against the repository, keeps a digest of digits as text', () => {
    const a = findChart(INDEX, 'https://repo.example/x/?token=s', 'app', '1.10')
    expect(a.url).toBe('https://repo.example/x/charts/app-1.10.tgz?token=s')
    expect(a.sha256).toBe(DIGITS)
    expect(a.version).toBe('1.10')
    const b = findChart(INDEX, 'https://repo.example/x', 'app', '1.2.0')
    expect(b.url).toBe('https://cdn.example/app-1.2.0.tgz')
    expect(b.sha256).toBe('ab'.repeat(32))
  })

  it('names what is missing: the chart, the version (with the versions it has), the urls', () => {
    expect(() => findChart(INDEX, 'https://repo.example/x', 'nope', '1')).toThrow("https://repo.example/x/index.yaml has no chart 'nope' (it has app, other)")
    expect(() => findChart(INDEX, 'https://repo.example/x', 'app', '9.9.9')).toThrow("has no version 9.9.9 of chart 'app' (newest: 1.10, v1.2.0)")
    expect(() => findChart(INDEX, 'https://repo.example/x', 'other', '0.1.0')).toThrow("chart 'other' 0.1.0 has no urls")
    expect(() => findChart('a: [', 'https://repo.example/x', 'app', '1')).toThrow(/index\.yaml: not a Helm repository index/)
    expect(() => findChart('entries: {}\n', 'https://repo.example/x', 'app', '1')).toThrow('not a Helm repository index (no apiVersion and entries)')
  })

  it('serves only what it carries, urls beside the index, Helm types kept (a version string stays a string, deprecated a boolean), no timestamp', () => {
    const text = servedIndex([findChart(INDEX, 'https://repo.example/x', 'app', '1.10')])
    const doc = jsYaml.load(text) as { apiVersion: string; entries: Record<string, Array<Record<string, unknown>>>; generated?: unknown }
    expect(doc.entries).toEqual({ app: [{ name: 'app', version: '1.10', digest: DIGITS, deprecated: true, urls: ['app-1.10.tgz'] }] })
    expect(doc.generated).toBeUndefined()
    expect(servedIndex([findChart(INDEX, 'https://repo.example/x', 'app', '1.10')])).toBe(text)
  })

  it("types Helm's booleans by YAML 1.1 (yes, on, ~), refuses what Helm could not read, and refuses aliases", () => {
    const index = (fields: string): string => `apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.0.0\n    digest: ${'ab'.repeat(32)}\n    urls: [app-1.0.0.tgz]\n${fields}`
    const typed = findChart(index('    deprecated: yes\n    removed: "false"\n    dependencies:\n    - name: sub\n      version: "1.10"\n      enabled: ~\n'), 'https://r', 'app', '1.0.0').entry
    expect(typed).toMatchObject({ deprecated: true, removed: false, dependencies: [{ name: 'sub', version: '1.10' }] })
    expect((typed.dependencies as Array<Record<string, unknown>>)[0]).not.toHaveProperty('enabled')
    expect(() => findChart(index('    deprecated: maybe\n'), 'https://r', 'app', '1.0.0')).toThrow("deprecated is 'maybe', which Helm cannot read as a boolean")
    const laughs = `apiVersion: v1\nx: &a [1, 1]\ny: &b [*a, *a]\nentries:\n  app:\n  - {name: app, version: 1.0.0, digest: ${'ab'.repeat(32)}, urls: [a.tgz], keywords: *b}\n`
    expect(() => findChart(laughs, 'https://r', 'app', '1.0.0')).toThrow('uses YAML aliases')
  })

  it('keeps a signed query on a relative archive url of the same origin only', () => {
    expect(resolveAgainstRepository('https://r.example/x?token=s', 'a.tgz')).toBe('https://r.example/x/a.tgz?token=s')
    expect(resolveAgainstRepository('https://r.example/x?token=s', '//cdn.example/a.tgz')).toBe('https://cdn.example/a.tgz')
    expect(() => findChart(INDEX, 'https://u:pw@repo.example/x?token=s', 'app', '9')).toThrow(/^(?!.*(pw|token=s))/)
  })

  it('stores a repository under charts/<host>/<path>, refuses names that are no file names', () => {
    expect(repositoryPath('https://postfinance.github.io/kubelet-csr-approver/')).toBe('charts/postfinance.github.io/kubelet-csr-approver')
    expect(repositoryPath('http://127.0.0.1:8080/a%2Fb')).toBe('charts/127.0.0.1:8080/a/b')
    expect(() => repositoryPath('https://x.example/a%2F..%2Fb')).toThrow(/'\.\.' or NUL path segments/)
    expect(() => archiveName({ name: '../x', version: '1' })).toThrow(/cannot be a file name/)
    expect(resolveAgainstRepository('https://h/r', '../c.tgz')).toBe('https://h/c.tgz')
  })
})

describe('chart values', () => {
  // `tag: 1.0` is a number to Helm too, which prints it as 1: the chart pulls :1, and so do we.
  it("names each image block's reference (empty tag: appVersion; registry; digest unless useDigest is false) and image strings", () => {
    const values = parseValues(
      [
        'image: {repository: ghcr.io/a/b, tag: ""}',
        'sidecar:',
        '  image: {registry: quay.io, repository: c/d, tag: 1.0, digest: "sha256:' + 'c'.repeat(64) + '", useDigest: false}',
        'pinned:',
        '  image: {repository: e/f, tag: v2, digest: "sha256:' + 'd'.repeat(64) + '", useDigest: true}',
        'plain:',
        '  image: docker.io/library/busybox:1.36',
        'notAnImage: {repository: https://charts.example}'
      ].join('\n'),
      'values.yaml'
    )
    expect(imagesInValues(values, 'v1.1.0', 'x')).toEqual({
      images: ['docker.io/library/busybox:1.36', `e/f:v2@sha256:${'d'.repeat(64)}`, 'ghcr.io/a/b:v1.1.0', 'quay.io/c/d:1'].sort(),
      skipped: []
    })
    expect(imagesInValues({ image: { repository: 'a/b', tag: '' } }, undefined, 'chart x').skipped).toEqual(['chart x: image names a/b with no tag, and the chart has no appVersion'])
  })

  it('expands aliases in values only up to a bound (a billion laughs is refused), and takes no plain word for an image', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`)
    expect(() => parseValues(levels.join('\n'), 'values.yaml')).toThrow(/expands to more than \d+ nodes/)
    expect(parseValues('base: &b {repository: a/b, tag: "1"}\nimage: *b\n', 'v').image).toEqual({ repository: 'a/b', tag: '1' })
    expect(imagesInValues({ image: 'Always', other: { image: 'quay.io/x/y:1' } }, undefined, 'v').images).toEqual(['quay.io/x/y:1'])
  })

  it("turns Cilium's per-variant operator digests off too", () => {
    const cilium = {
      image: { repository: 'quay.io/cilium/cilium', tag: 'v1.19.3', digest: 'sha256:1', useDigest: true },
      operator: { image: { repository: 'quay.io/cilium/operator', suffix: '', genericDigest: 'sha256:2', awsDigest: 'sha256:3', useDigest: true } },
      hubble: { relay: { image: { repository: 'quay.io/cilium/hubble-relay', digest: '', useDigest: true } } }
    }
    expect(digestPinsOff(cilium)).toEqual({ image: { useDigest: false }, operator: { image: { useDigest: false } } })
  })

  it("merges Kubespray's values over the chart's as Helm does (maps merge, null deletes), and turns only real pins off", () => {
    expect(mergeValues({ image: { repository: 'a', tag: '1' }, keep: 1, drop: 2 }, { image: { tag: '2' }, drop: null })).toEqual({ image: { repository: 'a', tag: '2' }, keep: 1 })
    const values = { image: { repository: 'a', digest: 'sha256:x', useDigest: true }, operator: { image: { repository: 'b', digest: '', useDigest: true } }, other: { useDigest: true } }
    expect(digestPinsOff(values)).toEqual({ image: { useDigest: false } })
  })
})
