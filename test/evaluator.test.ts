/** The Ansible/Jinja evaluation semantics Kubespray's variables rely on. */
import { render, valueOf, templarFor, layer } from './helpers/templar.js'
import { Undefined } from '../src/domain/python/values.js'

describe('variable precedence and laziness', () => {
  it('a later layer replaces a variable, and templates see the final value lazily', () => {
    const defaults = layer('a: "{{ b }}-x"\nb: default', 'defaults')
    const extra = layer('b: extra', 'extra')
    expect(valueOf('a', defaults, extra)).toBe('extra-x')
  })

  it('an undefined variable inside another stays lazy, so default() still applies', () => {
    expect(render("{{ a | default('fallback') }}", 'a: "{{ missing }}"')).toBe('fallback')
  })

  it('an undefined variable names itself in the error', () => {
    expect(() => render('{{ nope }}', 'x: 1')).toThrow(/'nope' is undefined/)
  })

  it('reports a recursive definition', () => {
    expect(() => render('{{ a }}', 'a: "{{ b }}"\nb: "{{ a }}"')).toThrow(/recursive loop detected.*a -> b -> a/)
  })
})

describe('Ansible string conversion', () => {
  it('the string "false" from -e key=value is truthy', () => {
    expect(render("{{ 'static-' if flag }}", layer('flag: "false"'))).toBe('static-')
    expect(render("{{ 'static-' if flag }}", layer('flag: false'))).toBe('')
  })

  it('templated "True"/"False" come back as booleans, numbers stay strings', () => {
    const t = templarFor('t: "{{ 1 == 1 }}"\nn: "{{ 1 + 2 }}"')
    expect(t.resolve('t')).toBe(true)
    expect(t.resolve('n')).toBe('3')
  })

  it('a list printed into a string is read back as a list (literal_eval)', () => {
    const t = templarFor("l: \"{{ ['a', 'b'] }}\"\nm: \"{{ l[1] }}\"")
    expect(t.resolve('m')).toBe('b')
  })

  it('"{{ var }}" alone keeps a number or a bool as is', () => {
    const t = templarFor('n: 3\nb: yes\nref_n: "{{ n }}"\nref_b: "{{ b }}"')
    expect(t.resolve('ref_n')).toBe(3)
    expect(t.resolve('ref_b')).toBe(true)
  })

  it('prints lists and dicts as Python does', () => {
    expect(render('{{ l }} {{ d }} {{ t }}', "l: [a, 1, 1.5, true, null]\nd: {k: v}\nt: yes")).toBe(
      "['a', 1, 1.5, True, None] {'k': 'v'} True"
    )
  })
})

describe('YAML 1.1 scalars as PyYAML reads them', () => {
  it('keeps floats as floats: 1.17 prints 1.17 and 1.10 prints 1.1', () => {
    expect(render('{{ a }} {{ b }} {{ c }}', 'a: 1.17\nb: 1.10\nc: 2.0')).toBe('1.17 1.1 2.0')
  })

  it('reads yes/on as booleans, 1e3 as a string, 0755 as octal', () => {
    expect(render('{{ a }} {{ b }} {{ c }} {{ d }}', 'a: on\nb: 1e3\nc: 0755\nd: 1_000')).toBe('True 1e3 493 1000')
  })

  it('keeps mapping order, integer keys included', () => {
    const vars = 'm:\n  20231030: x\n  20230807: y\n  "10": z\nfirst: "{{ (m | dict2items)[0].key }}"'
    expect(valueOf('first', vars)).toBe('20231030')
    expect(render('{{ m.keys() | list }}', vars)).toBe("[20231030, 20230807, '10']")
  })
})

describe('Jinja details used by Kubespray', () => {
  it('backslashes in {{ }} string literals are taken as written (Ansible doubles them)', () => {
    const vars = "v: \"{{ version | regex_replace('^v([0-9])+\\\\.([0-9]+)\\\\.[0-9]+', 'v\\\\1.\\\\2') }}\"\nversion: v1.29.3"
    expect(valueOf('v', vars)).toBe('v1.29')
  })

  it('version test, also through select, with the v prefix', () => {
    const vars = "vs: ['3.6.1', '3.5.9', '3.5.2']\nold: \"{{ (vs | select('version', '3.6', '<'))[0] }}\""
    expect(valueOf('old', vars)).toBe('3.5.9')
    expect(render("{{ 'v1.28.0' is version('v1.27.9', '>') }}")).toBe('True')
    expect(() => render("{{ 'v1.28.0' is version('1.27.9', '>') }}")).toThrow(/Version comparison failed/)
  })

  it('whitespace control and trim_blocks', () => {
    const t = '{%- if a -%}\n  yes\n{%- else -%}\n  no\n{%- endif -%}\n'
    expect(render(t, 'a: true')).toBe('yes\n')
    expect(render('{% if a %}\nX\n{% endif %}\nY', 'a: true')).toBe('X\nY')
  })

  it('slices, unary minus, in, keys(), split/join, int, bool', () => {
    const vars = "v: 1.34.3\nd: {a: 1, b: 2}"
    expect(render("{{ (v | split('.'))[:-1] | join('.') }}", vars)).toBe('1.34')
    expect(render("{{ ((v | split('.'))[1] | int) + 1 }}", vars)).toBe('35')
    expect(render("{{ 'a' in d }} {{ 'c' not in d.keys() }} {{ -1 }} {{ 'yes' | bool }}", vars)).toBe('True True -1 True')
  })

  it('for loops with loop variables and tuple unpacking', () => {
    expect(render('{% for k, v in d.items() %}{{ loop.index }}{{ k }}={{ v }};{% endfor %}', 'd: {x: 1, y: 2}')).toBe('1x=1;2y=2;')
  })

  it('a missing dict key is an Undefined that default() replaces', () => {
    expect(render("{{ d['1.20'] | default('none') }}", 'd: {"1.34": x}')).toBe('none')
    const t = templarFor('d: {"1.34": x}\nv: "{{ d[\'1.20\'] }}"')
    const v = t.resolve('v')
    expect(v).toBeInstanceOf(Undefined)
    expect(() => render('{{ v }}', 'd: {"1.34": x}\nv: "{{ d[\'1.20\'] }}"')).toThrow(/'v' \(test.yml\): 'dict object' has no attribute '1.20'/)
  })

  it('combine, dict2items, selectattr, map(attribute)', () => {
    const vars = 'a: {x: 1}\nb: {y: 2}\nl: [{n: a, enabled: true}, {n: b, enabled: false}]'
    expect(render("{{ a | combine(b) }} {{ l | selectattr('enabled') | map(attribute='n') | list }}", vars)).toBe("{'x': 1, 'y': 2} ['a']")
  })

  it('lookup(vars) reads a variable by a computed name', () => {
    expect(render("{{ lookup('vars', 'x_' + k) }}", 'k: one\nx_one: found')).toBe('found')
  })
})
