/**
 * Inputs a bundle's builder may not have written (a vars file, an inventory, a template in
 * them) are parsed within bounds: YAML aliases have a budget, Jinja sees only a dict's own
 * keys, and version ordering follows SemVer's precedence, not the locale's.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MAX_ALIAS_EXPANSION, YamlError, loadYaml, loadYamlDocumentsFull } from '../src/domain/yaml11.js'
import { literalEval } from '../src/domain/python/literal.js'
import { pyStr, type PyDict, type Value } from '../src/domain/python/values.js'
import { compareSemver, parseSemver, type SemVer } from '../src/domain/version-spec.js'
import { scratchTree } from './helpers/cli.js'
import { REPO_ROOT } from './helpers/conformance.js'
import { render, valueOf } from './helpers/templar.js'

/** The classic "billion laughs": nine levels of nine aliases each, 9^9 strings when expanded. */
function billionLaughs(): string {
  let text = '# nine levels of nine aliases each: 387,420,489 strings once expanded\n'
  text += `lol0: &lol0 [${Array(9).fill('"lol"').join(', ')}]\n`
  for (let level = 1; level < 9; level++) {
    text += `lol${level}: &lol${level} [${Array(9).fill(`*lol${level - 1}`).join(', ')}]\n`
  }
  return text
}

function timed<T>(run: () => T): { ms: number; result: T | Error } {
  const start = performance.now()
  let result: T | Error
  try {
    result = run()
  } catch (e) {
    result = e as Error
  }
  return { ms: performance.now() - start, result }
}

describe('YAML aliases are expanded within a budget', () => {
  const bomb = billionLaughs()

  it('the billion-laughs file fits in a kilobyte', () => {
    expect(bomb.length).toBeLessThanOrEqual(1024)
  })

  it.each([
    ['plain', bomb],
    ['with merge keys', `merged: {<<: {k: v}}\n${bomb}`],
    ['in a second document', `---\nfirst: 1\n---\n${bomb}`]
  ])('a billion-laughs file is refused quickly, naming the file, line and what to do (%s)', (_variant, text) => {
    const { ms, result } = timed(() => loadYamlDocumentsFull(text, 'vars/bomb.yml'))
    expect(result).toBeInstanceOf(YamlError)
    const error = result as YamlError
    expect(error.message).toMatch(/^vars\/bomb\.yml:\d+:\d+: /)
    expect(error.message).toContain('aliases')
    expect(error.message).toContain('write the repeated values out')
    // The alias that crosses the limit is on the line of the last levels.
    expect(text.split('\n')[error.line - 1]).toMatch(/^lol[6-8]: /)
    expect(ms).toBeLessThan(2000)
  })

  it('counts aliases as if expanded: up to the limit loads, one node more is refused', () => {
    // `base` is a list of 999 strings: 1,000 nodes, so each alias to it stands for 1,000.
    const aliases = (n: number): string =>
      `base: &base [${Array(999).fill('x').join(', ')}]\nuses:\n${'  - *base\n'.repeat(n)}`
    const atLimit = MAX_ALIAS_EXPANSION / 1000
    const [loaded] = loadYamlDocumentsFull(aliases(atLimit), 'at.yml') as PyDict[]
    expect((loaded.get('uses') as Value[]).length).toBe(atLimit)
    expect(() => loadYamlDocumentsFull(aliases(atLimit + 1), 'at.yml')).toThrow(/^at\.yml:\d+:\d+: .*aliases in this file stand for more than 1,000,000 nodes/)
  })

  it('bounds aliases to one long string too', () => {
    const long = 'y'.repeat(10_000)
    // Each alias stands for 101 nodes' worth of text: 10,000 of them pass the limit.
    const text = `s: &s "${long}"\nmany:\n${'  - *s\n'.repeat(10_000)}`
    expect(() => loadYaml(text, 'long.yml')).toThrow(/^long\.yml:\d+:\d+: .*aliases/)
    expect((loadYaml(`s: &s "${long}"\nfew:\n${'  - *s\n'.repeat(100)}`, 'long.yml') as PyDict).get('few')).toHaveLength(100)
  })

  it('an inventory merging defaults into each host with <<: *defaults still loads', () => {
    const hosts = Array.from({ length: 1000 }, (_, i) => `        node${i}:\n          <<: *defaults\n          ansible_host: 10.0.${i >> 8}.${i & 255}\n`).join('')
    const text = `all:\n  vars:\n    defaults: &defaults\n      ansible_user: ubuntu\n      ansible_port: 22\n      ip_forward: yes\n  children:\n    kube_node:\n      hosts:\n${hosts}`
    const { ms, result } = timed(() => loadYaml(text, 'inventory/hosts.yml'))
    expect(result).toBeInstanceOf(Map)
    const all = (result as PyDict).get('all') as PyDict
    const nodes = (((all.get('children') as PyDict).get('kube_node') as PyDict).get('hosts') as PyDict)
    expect(nodes.size).toBe(1000)
    expect(pyStr(nodes.get('node999') ?? null)).toBe("{'ansible_user': 'ubuntu', 'ansible_port': 22, 'ip_forward': True, 'ansible_host': '10.0.3.231'}")
    expect(ms).toBeLessThan(2000)
  })

  it('a "*" that is no alias leaves the values as they were', () => {
    const text = 'hosts: ["*.example.com", a*b]\nglob: /opt/*/bin\n'
    expect(pyStr(loadYaml(text, 'star.yml'))).toBe("{'hosts': ['*.example.com', 'a*b'], 'glob': '/opt/*/bin'}")
  })

  it.each([
    ['a list holding itself', 'a: &a\n  - x\n  - *a\n', 3],
    ['a mapping holding itself', 'a: &a\n  b: *a\n', 2],
    ['a flow mapping holding itself', 'a: &a {b: [*a]}\n', 1],
    ['a mapping merging itself', 'a: &a\n  <<: *a\n', 2]
  ])('a recursive alias is refused with its line: %s', (_name, text, line) => {
    const { result } = timed(() => loadYaml(text, 'rec.yml'))
    expect(result).toBeInstanceOf(YamlError)
    expect((result as YamlError).line).toBe(line)
    expect((result as YamlError).message).toMatch(/^rec\.yml:\d+:\d+: .*alias \*a refers to a collection that contains it.*remove the alias/)
  })
})

describe('YAML aliases through the CLI', () => {
  /** Runs `lists` offline and reports the child's peak RSS, which Node prints as it exits. */
  function listsMeasured(tree: string, ...extra: string[]) {
    const reportPeak = "process.on('exit',()=>process.stderr.write('peak-rss-kb='+process.resourceUsage().maxRSS+'\\n'))"
    const start = performance.now()
    const r = spawnSync(
      process.execPath,
      [`--import=data:text/javascript,${encodeURIComponent(reportPeak)}`, join(REPO_ROOT, 'dist/cli.js'), 'lists', '--kubespray-dir', '.', '--out', 'out', ...extra],
      { cwd: tree, encoding: 'utf8', timeout: 60_000 }
    )
    const ms = performance.now() - start
    const peak = /peak-rss-kb=(\d+)/.exec(r.stderr)
    const stderr = r.stderr.replace(/peak-rss-kb=\d+\n/, '')
    return { status: r.status, stderr, ms, peakMb: peak ? Number(peak[1]) / 1024 : NaN }
  }

  it('lists -e @bomb.yml exits 1 with one line naming the file, in bounded time and memory', () => {
    const tree = scratchTree()
    writeFileSync(join(tree, 'bomb.yml'), billionLaughs())
    const r = listsMeasured(tree, '-e', '@bomb.yml')
    expect(r.status).toBe(1)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^kubespray-bundle lists: error: bomb\.yml:\d+:\d+: .*aliases.*write the repeated values out/)
    // Before the budget this file took 40 s and died at a 4 GB heap. Alone it peaks near 62 MB;
    // on a loaded CI machine (the download-role test beside it) once at 363 MB: the bound is an
    // order of magnitude below the old failure, not a measurement of a quiet machine.
    expect(r.ms).toBeLessThan(5000)
    expect(r.peakMb).toBeLessThan(512)
  })

  it('an inventory with anchors and merge keys feeds the lists', () => {
    const tree = scratchTree()
    writeFileSync(
      join(tree, 'hosts.yml'),
      'all:\n  vars:\n    <<: &mirror\n      kube_image_repo: registry.local:5000\n  children:\n    kube_node:\n      hosts:\n        n1:\n          <<: *mirror\n        n2: *mirror\n'
    )
    const r = listsMeasured(tree, '-i', 'hosts.yml')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const images = readFileSync(join(tree, 'out/images.list'), 'utf8').split('\n')
    expect(images.filter((ref) => ref.startsWith('registry.local:5000/kube-apiserver:'))).toHaveLength(1)
  })
})

describe('Jinja sees only a value’s own keys and Python’s methods', () => {
  const vars = 'd: {a: 1}\nl: [1, 2]\ns: text\n'
  const jsBuiltins = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__']

  it.each(jsBuiltins)('%s is undefined on a dict, a list and a string, by attribute and by subscript', (name) => {
    const probes = [`d.${name}`, `d['${name}']`, `l.${name}`, `l['${name}']`, `s.${name}`, `'x'['${name}']`, `'x'.${name}`]
    const template = probes.map((p) => `{{ ${p} is defined }}`).join(' ')
    expect(render(template, vars)).toBe(probes.map(() => 'False').join(' '))
  })

  it.each(jsBuiltins)('printing d.%s fails naming the variable and the attribute', (name) => {
    expect(() => render(`{{ d.${name} }}`, vars)).toThrow(`'dict object' has no attribute '${name}'`)
    expect(() => valueOf('x', `${vars}x: "{{ l.${name} }}"`)).toThrow(`'x' (test.yml): 'list object' has no attribute '${name}'`)
  })

  it('a dict’s own key of that name is found, by attribute and by subscript', () => {
    expect(render("{{ d.constructor }} {{ d['__proto__'] }} {{ d.toString }}", 'd: {constructor: c, __proto__: p, toString: t}')).toBe('c p t')
  })

  it('Python’s own methods still work', () => {
    expect(render("{{ d.get('a') }} {{ d.items() | list }} {{ s.upper() }} {{ l.index(2) }}", vars)).toBe("1 [('a', 1)] TEXT 1")
  })

  it.each(jsBuiltins)('no global, constant, filter or test is named %s', (name) => {
    expect(render(`{{ ${name} is defined }}`, vars)).toBe('False')
    expect(() => render(`{{ ${name} }}`, vars)).toThrow(`'${name}' is undefined`)
    expect(() => render(`{{ d | ${name} }}`, vars)).toThrow(`no filter named '${name}'`)
    expect(() => render(`{{ d is ${name} }}`, vars)).toThrow(`no test named '${name}'`)
    expect(() => render(`{{ l | map('${name}') | list }}`, vars)).toThrow(`no filter named '${name}'`)
    expect(() => render(`{{ l | select('${name}') | list }}`, vars)).toThrow(`no test named '${name}'`)
  })

  it('literal_eval takes only Python’s names', () => {
    expect(literalEval('[True, None]')).toEqual([true, null])
    for (const name of jsBuiltins) expect(literalEval(`[${name}]`)).toBeUndefined()
  })

  it.each(jsBuiltins)('version() refuses %s as an operator or a version type, and lookup(env) does not find it', (name) => {
    expect(() => render(`{{ '1.0' is version('1.1', '${name}') }}`, vars)).toThrow(`Invalid operator type (${name})`)
    expect(() => render(`{{ '1.0' is version('1.1', 'lt', version_type='${name}') }}`, vars)).toThrow(`Invalid version type (${name})`)
    expect(render(`{{ lookup('env', '${name}') }}|{{ lookup('env', '${name}', default='none') }}`, vars)).toBe('|none')
  })

  it('regex_replace refuses a group name the pattern lacks, built-in or not', () => {
    expect(render("{{ 'ab' | regex_replace('(?P<x>a)', '\\\\g<x>-') }}", vars)).toBe('a-b')
    for (const name of ['constructor', 'toString', 'nope']) {
      expect(() => render(`{{ 'ab' | regex_replace('a', '\\\\g<${name}>') }}`, vars)).toThrow(`unknown group name '${name}'`)
    }
  })
})

describe('version ordering is SemVer 2.0.0 precedence (§11)', () => {
  const v = (text: string): SemVer => {
    const parsed = parseSemver(text)
    if (!parsed) throw new Error(`test setup: ${text} is not a version`)
    return parsed
  }

  it('orders the specification’s example chain', () => {
    const chain = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']
    for (let i = 0; i < chain.length; i++) {
      for (let j = 0; j < chain.length; j++) {
        expect([chain[i], chain[j], Math.sign(compareSemver(v(chain[i]), v(chain[j])))]).toEqual([chain[i], chain[j], Math.sign(i - j)])
      }
    }
    const shuffled = [3, 7, 0, 5, 1, 6, 2, 4].map((i) => chain[i])
    expect(shuffled.sort((a, b) => compareSemver(v(a), v(b)))).toEqual(chain)
  })

  it('compares alphanumeric identifiers in ASCII order, not the locale’s', () => {
    // localeCompare puts 'rc' before 'RC' and 'a' before 'Z'; ASCII does the opposite.
    expect('rc'.localeCompare('RC')).toBeLessThan(0)
    expect(compareSemver(v('2.0.0-RC'), v('2.0.0-rc'))).toBeLessThan(0)
    expect('a'.localeCompare('Z')).toBeLessThan(0)
    expect(compareSemver(v('2.0.0-Z'), v('2.0.0-a'))).toBeLessThan(0)
    expect(compareSemver(v('2.0.0-beta-2'), v('2.0.0-beta.2'))).toBeGreaterThan(0)
  })

  it('numeric identifiers are below alphanumeric ones and compare by value, however long', () => {
    expect(compareSemver(v('1.0.0-999'), v('1.0.0-a'))).toBeLessThan(0)
    expect(compareSemver(v('1.0.0-1a'), v('1.0.0-2'))).toBeGreaterThan(0)
    expect(compareSemver(v('1.0.0-rc.10'), v('1.0.0-rc.9'))).toBeGreaterThan(0)
    expect(compareSemver(v('1.0.0-rc.18446744073709551617'), v('1.0.0-rc.18446744073709551616'))).toBeGreaterThan(0)
  })
})
