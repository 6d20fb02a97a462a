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

  it('split arches: the jobs publish at once, then merge runs the CLI on the tag the action reports', () => {
    type Job = { needs?: string; if?: string; strategy?: { 'max-parallel'?: number }; outputs?: Record<string, string>; steps?: Array<{ id?: string; uses?: string; run?: string; env?: Record<string, string> }> }
    const workflow = load(readFileSync(join(dir, 'bundle.yml'), 'utf8')) as { jobs: Record<string, Job> }
    const action = load(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as { outputs: Record<string, unknown> }
    const { bundle, merge } = workflow.jobs
    expect(bundle.strategy?.['max-parallel']).toBeUndefined()
    expect(bundle.outputs?.['release-tag']).toBe('${{ steps.build.outputs.release-tag }}')
    expect(Object.keys(action.outputs)).toContain('release-tag')
    expect(merge.needs).toBe('bundle')
    expect(merge.if).toBe("inputs.split-arches && inputs.publish == 'release'")
    const run = merge.steps?.find((s) => s.run)
    expect(run?.run).toBe('node kubespray-bundle/dist/cli.js merge --repo "$GITHUB_REPOSITORY" --tag "$TAG"')
    expect(run?.env?.TAG).toBe('${{ needs.bundle.outputs.release-tag }}')
  })
})
