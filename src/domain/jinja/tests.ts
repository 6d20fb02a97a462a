/** Jinja2's built-in tests and Ansible's core tests (`version`, `match`, `subset`, ...). */
import {
  DictView,
  PyCallable,
  PyFloat,
  PyTuple,
  Undefined,
  failIfUndefined,
  iterate,
  numericValue,
  pyCompare,
  pyContains,
  pyEquals,
  pyStr,
  truthy,
  type Value
} from '../python/values.js'
import { compilePyRegex } from '../python/regex.js'
import { versionCompare } from '../ansible/version.js'
import { argument, toBool } from './filters.js'
import type { TestFn } from './render.js'

function text(v: Value): string {
  return pyStr(failIfUndefined(v))
}

function compare(op: '<' | '<=' | '>' | '>='): TestFn {
  return (value, args) => {
    const c = pyEquals(value, args[0]) ? 0 : pyCompare(value, args[0], op)
    return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0
  }
}

function regexTest(kind: 'match' | 'search' | 'fullmatch'): TestFn {
  return (value, args, kwargs) => {
    const pattern = text(args[0])
    const anchored = kind === 'match' ? `^(?:${pattern})` : kind === 'fullmatch' ? `^(?:${pattern})$` : pattern
    const re = compilePyRegex(anchored, {
      ignorecase: truthy(argument(args, kwargs, 1, 'ignorecase', false)),
      multiline: truthy(argument(args, kwargs, 2, 'multiline', false))
    }, false)
    return re.test(text(value))
  }
}

const isSequenceLike = (v: Value): boolean =>
  typeof v === 'string' || Array.isArray(v) || v instanceof PyTuple || v instanceof Map || v instanceof DictView

export const TESTS: Record<string, TestFn> = {
  defined: (value) => !(value instanceof Undefined),
  undefined: (value) => value instanceof Undefined,
  none: (value) => value === null,
  boolean: (value) => typeof value === 'boolean',
  true: (value) => value === true,
  false: (value) => value === false,
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number' || value instanceof PyFloat || typeof value === 'boolean',
  integer: (value) => typeof value === 'number',
  float: (value) => value instanceof PyFloat,
  mapping: (value) => value instanceof Map,
  sequence: (value) => isSequenceLike(value),
  iterable: (value) => isSequenceLike(value),
  callable: (value) => value instanceof PyCallable,
  lower: (value) => text(value) === text(value).toLowerCase(),
  upper: (value) => text(value) === text(value).toUpperCase(),
  eq: (value, args) => pyEquals(value, args[0]),
  ne: (value, args) => !pyEquals(value, args[0]),
  lt: compare('<'),
  le: compare('<='),
  gt: compare('>'),
  ge: compare('>='),
  in: (value, args) => pyContains(args[0], value),
  contains: (value, args) => pyContains(value, args[0]),
  sameas: (value, args) => value === args[0],
  divisibleby: (value, args) => numericValue(failIfUndefined(value) as number) % numericValue(args[0] as number) === 0,
  even: (value) => numericValue(failIfUndefined(value) as number) % 2 === 0,
  odd: (value) => Math.abs(numericValue(failIfUndefined(value) as number) % 2) === 1,
  truthy: (value, args, kwargs) => truthy(truthy(argument(args, kwargs, 0, 'convert_bool', false)) ? toBool(value) : value),
  falsy: (value, args, kwargs) => !truthy(truthy(argument(args, kwargs, 0, 'convert_bool', false)) ? toBool(value) : value),
  match: regexTest('match'),
  search: regexTest('search'),
  regex: (value, args, kwargs) => {
    const type = text(argument(args, kwargs, 3, 'match_type', 'search'))
    return regexTest(type === 'match' ? 'match' : type === 'fullmatch' ? 'fullmatch' : 'search')(value, args, kwargs, undefined as never)
  },
  subset: (value, args) => iterate(failIfUndefined(value)).every((x) => pyContains(args[0], x)),
  superset: (value, args) => iterate(failIfUndefined(args[0])).every((x) => pyContains(value, x)),
  any: (value) => iterate(failIfUndefined(value)).some(truthy),
  all: (value) => iterate(failIfUndefined(value)).every(truthy),
  version: (value, args, kwargs) => {
    const strict = argument(args, kwargs, 2, 'strict', null)
    const versionType = argument(args, kwargs, 3, 'version_type', null)
    return versionCompare(
      text(value),
      text(argument(args, kwargs, 0, 'version', '')),
      text(argument(args, kwargs, 1, 'operator', 'eq')),
      strict === null ? null : truthy(strict),
      versionType === null ? null : text(versionType)
    )
  }
}
TESTS['=='] = TESTS.equalto = TESTS.eq
TESTS['!='] = TESTS.ne
TESTS['<'] = TESTS.lessthan = TESTS.lt
TESTS['<='] = TESTS.le
TESTS['>'] = TESTS.greaterthan = TESTS.gt
TESTS['>='] = TESTS.ge
TESTS.version_compare = TESTS.version
