/** PyYAML-compatible loading: types, key order and errors, on both loading paths. */
import { loadYaml, YamlError } from '../src/domain/yaml11.js'
import { PyFloat, pyStr, type PyDict } from '../src/domain/python/values.js'

const keys = (yaml: string): string => pyStr([...(loadYaml(yaml, 't.yml') as PyDict).keys()])

describe('YAML 1.1 as PyYAML reads it', () => {
  it('resolves plain scalars with PyYAML rules and leaves quoted ones strings', () => {
    const d = loadYaml("a: yes\nb: 'yes'\nc: 1.0\nd: 1e3\ne: 0x1F\nf: ~\ng: 1:30\nh: .inf\n", 't.yml') as PyDict
    expect(d.get('a')).toBe(true)
    expect(d.get('b')).toBe('yes')
    expect(d.get('c')).toEqual(new PyFloat(1))
    expect(d.get('d')).toBe('1e3')
    expect(d.get('e')).toBe(31)
    expect(d.get('f')).toBeNull()
    expect(d.get('g')).toBe(90)
    expect(pyStr(d.get('h') ?? null)).toBe('inf')
  })

  it('keeps integer keys as integers, in file order', () => {
    expect(keys('20231030: a\n20230807: b\n1.5: c\ntrue: d\n')).toBe('[20231030, 20230807, 1.5, True]')
  })

  it('keeps file order for quoted integer-like keys too (exact path)', () => {
    expect(keys("b: 1\n'10': 2\n'2': 3\n")).toBe("['b', '10', '2']")
  })

  it('puts merged keys first and lets own keys override, as PyYAML does (exact path)', () => {
    const d = loadYaml('base: &b {x: 1, y: 2}\nitem:\n  y: 9\n  <<: *b\n  z: 3\n', 't.yml') as PyDict
    expect(pyStr(d.get('item') ?? null)).toBe("{'x': 1, 'y': 9, 'z': 3}")
  })

  it('lets a duplicate key override, keeping its first position', () => {
    expect(pyStr(loadYaml('a: 1\nb: 2\na: 3\n', 't.yml'))).toBe("{'a': 3, 'b': 2}")
  })

  it('keeps !unsafe text literal through templating', () => {
    expect(loadYaml("a: !unsafe '{{ x }}'\n", 't.yml')).toEqual(new Map([['a', '{% raw %}{{ x }}{% endraw %}']]))
  })

  it('names the file, line and column of a syntax error', () => {
    expect(() => loadYaml('a: 1\nb: [1, 2\nc: 3\n', 'roles/x/defaults/main.yml')).toThrow(YamlError)
    expect(() => loadYaml('a: 1\nb: [1, 2\nc: 3\n', 'roles/x/defaults/main.yml')).toThrow(/^roles\/x\/defaults\/main\.yml:\d+:\d+: YAML error/)
  })
})
