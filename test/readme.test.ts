/**
 * The README's action tables are generated from action.yml (scripts/readme-action-tables.mjs)
 * and must be current; action.yml's inputs are exactly the ones the action reads.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import yaml from 'js-yaml'
import { REPO_ROOT } from './helpers/conformance.js'
import { INPUT_NAMES } from '../src/action/inputs.js'

describe('README', () => {
  it("its action tables are action.yml's (node scripts/readme-action-tables.mjs --check)", () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/readme-action-tables.mjs'), '--check'], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  it('action.yml declares exactly the inputs the action reads, and the README names each input and output', () => {
    const action = yaml.load(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> }
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort())
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
    for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) expect([name, readme.includes(`| \`${name}\` |`)]).toEqual([name, true])
  })
})
