/**
 * action.yml and the workflows, checked with GitHub's own parser (@actions/workflow-parser):
 * schema errors, and the inputs the workflows pass being inputs action.yml declares.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { load } from 'js-yaml'
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/action-parser'
import { REPO_ROOT } from './helpers/conformance.js'
import { INPUT_NAMES } from '../src/action/inputs.js'

const errorsOf = (result: { context: { errors: { getErrors(): Array<{ message: string }> } } }): string[] => result.context.errors.getErrors().map((e) => e.message)

describe('action.yml and workflows', () => {
  it('action.yml parses as an action, runs node24 dist/index.js, and declares exactly the inputs the action reads', () => {
    const content = readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')
    expect(errorsOf(parseAction({ name: 'action.yml', content }, new NoOperationTraceWriter()))).toEqual([])
    const action = load(content) as { inputs: Record<string, unknown>; runs: { using: string; main: string } }
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort())
  })

  const dir = join(REPO_ROOT, '.github/workflows')
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yml'))) {
    it(`${name} parses with GitHub's workflow parser`, () => {
      const content = readFileSync(join(dir, name), 'utf8')
      expect(errorsOf(parseWorkflow({ name, content }, new NoOperationTraceWriter()))).toEqual([])
    })
  }

  it('the reusable workflow passes only inputs action.yml has', () => {
    const workflow = load(readFileSync(join(dir, 'bundle.yml'), 'utf8')) as { jobs: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, string> }> }> }
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps ?? []).filter((s) => s.uses?.includes('kubespray-bundle@'))
    expect(steps).toHaveLength(1)
    for (const key of Object.keys(steps[0].with ?? {})) expect(INPUT_NAMES).toContain(key)
  })
})
