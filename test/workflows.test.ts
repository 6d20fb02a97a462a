/**
 * action.yml and the workflows, checked with GitHub's own parser (@actions/workflow-parser):
 * schema errors, and the inputs the workflows pass being inputs action.yml declares.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
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

  it('the reusable workflow takes base-tag and hands it to the action', () => {
    type Workflow = { on: { workflow_call: { inputs: Record<string, { type: string }> } }; jobs: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, string> }> }> }
    const workflow = load(readFileSync(join(dir, 'bundle.yml'), 'utf8')) as Workflow
    expect(workflow.on.workflow_call.inputs['base-tag']?.type).toBe('string')
    const step = Object.values(workflow.jobs).flatMap((j) => j.steps ?? []).find((s) => s.uses?.includes('kubespray-bundle@'))
    expect(step?.with?.['base-tag']).toBe('${{ inputs.base-tag }}')
  })

  describe('nightly.yml: a full bundle when the Kubespray tag changes or once a week, else a delta against the last full one', () => {
    type Job = { needs?: string; uses?: string; with?: Record<string, string>; outputs?: Record<string, string>; steps?: Array<{ id?: string; run?: string; env?: Record<string, string> }> }
    const nightly = load(readFileSync(join(dir, 'nightly.yml'), 'utf8')) as { jobs: Record<string, Job> }
    const step = nightly.jobs.plan.steps?.find((s) => s.id === 'plan')
    let bin: string

    beforeAll(() => {
      bin = mkdtempSync(join(tmpdir(), 'kb-nightly-'))
      // gh as the step calls it: the newest Kubespray release, and this repository's release tags.
      writeFileSync(
        join(bin, 'gh'),
        '#!/bin/sh\ncase "$1 $2" in\n  "api repos/kubernetes-sigs/kubespray/releases/latest") echo "$STUB_LATEST" ;;\n  "release list") if [ -n "$STUB_FAIL" ]; then echo "HTTP 502: Bad Gateway" >&2; exit 1; fi; for t in $STUB_TAGS; do echo "$t"; done ;;\n  *) echo "unexpected: gh $*" >&2; exit 3 ;;\nesac\n'
      )
      chmodSync(join(bin, 'gh'), 0o755)
    })
    afterAll(() => rmSync(bin, { recursive: true, force: true }))

    /** Runs the plan step as the runner would, with the env it declares; returns its outputs. */
    function plan(tags: string[], options: { today: string; latest?: string; spec?: string; full?: boolean; ghFails?: boolean }): Record<string, string> {
      const output = join(bin, 'output')
      writeFileSync(output, '')
      execFileSync('bash', ['-e', '-c', step?.run ?? ''], {
        env: {
          PATH: `${bin}:${process.env.PATH ?? ''}`,
          GITHUB_OUTPUT: output,
          GH_REPO: 'example/nightly',
          SPEC: options.spec ?? 'latest',
          FORCE_FULL: String(options.full ?? false),
          FULL_EVERY_DAYS: String(step?.env?.FULL_EVERY_DAYS),
          TODAY: options.today,
          STUB_LATEST: options.latest ?? 'v2.31.0',
          STUB_TAGS: tags.join(' '),
          STUB_FAIL: options.ghFails ? '1' : ''
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      })
      return Object.fromEntries(readFileSync(output, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    }

    it('the bundle job builds the tag the plan resolved, into the tag it chose, against the base it chose', () => {
      const { plan: planJob, bundle } = nightly.jobs
      expect(planJob.outputs).toEqual({ kubespray: '${{ steps.plan.outputs.kubespray }}', 'release-tag': '${{ steps.plan.outputs.release-tag }}', 'base-tag': '${{ steps.plan.outputs.base-tag }}' })
      expect(bundle.needs).toBe('plan')
      expect(bundle.uses).toMatch(/\/\.github\/workflows\/bundle\.yml@v1$/)
      expect(bundle.with).toMatchObject({ 'kubespray-version': '${{ needs.plan.outputs.kubespray }}', publish: 'release', 'release-tag': '${{ needs.plan.outputs.release-tag }}', 'base-tag': '${{ needs.plan.outputs.base-tag }}' })
      expect(step?.env?.FULL_EVERY_DAYS).toBe(7)
    })

    it('no full bundle yet: full', () => {
      expect(plan(['kubespray-v2.30.0'], { today: '20261207' })).toEqual({ 'release-tag': 'nightly-full-20261207-v2.31.0', 'base-tag': '', kubespray: 'v2.31.0' })
    })

    it('the last full is of this Kubespray tag and younger than a week: a delta against the newest full one', () => {
      const tags = ['nightly-full-20261125-v2.31.0', 'nightly-full-20261202-v2.31.0', 'nightly-20261203-v2.31.0', 'nightly-20261206-v2.31.0']
      expect(plan(tags, { today: '20261207' })).toEqual({ 'release-tag': 'nightly-20261207-v2.31.0', 'base-tag': 'nightly-full-20261202-v2.31.0', kubespray: 'v2.31.0' })
      expect(plan(tags, { today: '20261208' })['base-tag']).toBe('nightly-full-20261202-v2.31.0')
    })

    it('a week after the last full: full again', () => {
      expect(plan(['nightly-full-20261130-v2.31.0'], { today: '20261207' })).toEqual({ 'release-tag': 'nightly-full-20261207-v2.31.0', 'base-tag': '', kubespray: 'v2.31.0' })
    })

    it('the Kubespray tag changed since the last full: full', () => {
      expect(plan(['nightly-full-20261206-v2.31.0'], { today: '20261207', latest: 'v2.31.1' })).toEqual({ 'release-tag': 'nightly-full-20261207-v2.31.1', 'base-tag': '', kubespray: 'v2.31.1' })
    })

    it('asked for (full: true), or a re-run on the night of a full: full, into the same tag', () => {
      expect(plan(['nightly-full-20261206-v2.31.0'], { today: '20261207', full: true })['base-tag']).toBe('')
      expect(plan(['nightly-full-20261207-v2.31.0'], { today: '20261207' })).toEqual({ 'release-tag': 'nightly-full-20261207-v2.31.0', 'base-tag': '', kubespray: 'v2.31.0' })
    })

    it('the last full of this Kubespray tag is the base, however newer a full of another tag is', () => {
      const tags = ['nightly-full-20261203-v2.31.0', 'nightly-full-20261205-2.30', 'nightly-full-20261206-v2.31.0-rc1', 'nightly-full-20261206-v2x31x0']
      expect(plan(tags, { today: '20261207' })).toEqual({ 'release-tag': 'nightly-20261207-v2.31.0', 'base-tag': 'nightly-full-20261203-v2.31.0', kubespray: 'v2.31.0' })
      expect(plan(tags, { today: '20261207', spec: '2.30' })).toEqual({ 'release-tag': 'nightly-20261207-2.30', 'base-tag': 'nightly-full-20261205-2.30', kubespray: '2.30' })
    })

    it('gh failing to list the releases fails the plan (not taken for "no full bundle yet", which would publish a full one)', () => {
      expect(() => plan(['nightly-full-20261206-v2.31.0'], { today: '20261207', ghFails: true })).toThrow(/HTTP 502/)
    })

    it('a full dated after the night planned (a re-run of a past night) is no base: full', () => {
      expect(plan(['nightly-full-20261206-v2.31.0'], { today: '20261204' })).toEqual({ 'release-tag': 'nightly-full-20261204-v2.31.0', 'base-tag': '', kubespray: 'v2.31.0' })
    })

    it('a pinned spec is the tag as given (no lookup), its label made tag-safe', () => {
      expect(plan(['nightly-full-20261206-2.30'], { today: '20261207', spec: '2.30', latest: 'unused' })).toEqual({ 'release-tag': 'nightly-20261207-2.30', 'base-tag': 'nightly-full-20261206-2.30', kubespray: '2.30' })
    })
  })
})
