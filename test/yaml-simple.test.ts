/**
 * The line-based YAML reader must read exactly what the full parsers read, or decline.
 * Differential: every YAML input under ../shared/conformance, and snippets at the subset's edges.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseSimpleYaml } from '../src/domain/yaml/simple.js'
import { loadYamlDocumentsFull } from '../src/domain/yaml11.js'
import { pyRepr } from '../src/domain/python/values.js'
import { CONFORMANCE_DIR } from './helpers/conformance.js'

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) return yamlFilesUnder(full)
    return /\.ya?ml$/.test(name) ? [full] : []
  })
}

function fullRepr(text: string): string {
  const docs = loadYamlDocumentsFull(text, 't.yml')
  return pyRepr(docs.length ? docs[0] : null)
}

const simpleRepr = (text: string): string | undefined => {
  const value = parseSimpleYaml(text)
  return value === undefined ? undefined : pyRepr(value)
}

describe('line-based YAML reader against the full parsers', () => {
  const files = yamlFilesUnder(CONFORMANCE_DIR)

  it('finds the conformance inputs', () => {
    expect(files.length).toBeGreaterThan(10)
  })

  it.each(files.map((f) => [f.slice(CONFORMANCE_DIR.length + 1), f]))('%s: same value, or declined', (_name, file) => {
    const text = readFileSync(file, 'utf8')
    const simple = simpleRepr(text)
    if (simple !== undefined) expect(simple).toBe(fullRepr(text))
  })

  it("accepts Kubespray's role variable files (the reason it exists is their speed)", () => {
    const roleFiles = files.filter((f) => /roles\/kubespray[-_]defaults\/(defaults|vars)\//.test(f))
    expect(roleFiles.length).toBeGreaterThanOrEqual(6)
    const declined = roleFiles.filter((f) => parseSimpleYaml(readFileSync(f, 'utf8')) === undefined)
    expect(declined).toEqual([])
  })

  const accepted: Array<[string, string]> = [
    ['scalars', "a: yes\nb: 'it''s'\nc: \"x\\ty\\u00e9\"\nd: 1.30\ne: 0755\nf: ~\ng: foo bar  # c\nh: ''\ni:\n"],
    ['key kinds and order', "20231030: a\n'1.31': b\n\"10\": c\n1.5: d\nv1.2.3: e\ntrue: f\na-b/c: g\n"],
    ['duplicates keep the first position, last value', 'a: 1\nb: 2\na: 3\n'],
    ['nested and indentless sequences', 'a:\n  b:\n    - 1\n    - x: 1\n      y: [2, "3", \'4\']\n  c:\n  - p\n  - - q\n    - r\nd: {}\ne: []\n'],
    ['literal and folded block scalars', 'a: |\n  one\n  two\n\nb: >-\n  x\n  y\n\n  z\nc: |+\n  keep\n\nd: >\n  f\ne: 1\n'],
    ['document start and comments', '---\n# top\na: 1 # one\n\n  # indented comment\nb: "#not" # yes\n'],
    ['a top-level list', '- a\n- b: 1\n'],
    ['templates stay text', 'a: "{{ b }}"\nc: x{{ d }}\ne: ndots:{{ n }}\n']
  ]
  it.each(accepted)('reads %s as the full parsers do', (_name, text) => {
    const simple = simpleRepr(text)
    expect(simple).toBeDefined()
    expect(simple).toBe(fullRepr(text))
  })

  const declined: Array<[string, string]> = [
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['merge keys', 'a: {x: 1}\nb:\n  <<: {y: 2}\n'],
    ['tags', 'a: !unsafe "{{ x }}"\n'],
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['multi-line double quotes', 'a: "one\n  two"\n'],
    ['multi-line flow', 'a: [1,\n  2]\n'],
    ['flow mappings', 'a: {b: 1}\n'],
    ['more-indented folded lines', 'a: >\n  x\n    y\n'],
    ['block scalar indentation indicators', 'a: |2\n   x\n'],
    ['tabs', 'a:\t1\n'],
    ['several documents', 'a: 1\n---\nb: 2\n'],
    ['errors', 'a: b: c\n'],
    ['bad indentation', 'a: 1\n  b: 2\n'],
    ['a scalar document', 'just text\n']
  ]
  it.each(declined)('declines %s', (_name, text) => {
    expect(parseSimpleYaml(text)).toBeUndefined()
  })
})
