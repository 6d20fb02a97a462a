/**
 * The README's action tables are generated from action.yml (scripts/readme-action-tables.mjs)
 * and must be current; action.yml's inputs are exactly the ones the action reads. The README and
 * docs/ link only to files and headings that exist, and the README's test command is CI's.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
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

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')
}

function anchorsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '')
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1])))
}

describe('README and docs/', () => {
  const documents = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

  it('every relative link points at a file that exists, and at a heading it has', () => {
    const broken: string[] = []
    for (const doc of documents) {
      const text = readFileSync(join(REPO_ROOT, doc), 'utf8').replace(/```[\s\S]*?```/g, '')
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue
        const [path, anchor] = target.split('#')
        const file = path === '' ? join(REPO_ROOT, doc) : join(REPO_ROOT, dirname(doc), path)
        if (!existsSync(file)) broken.push(`${doc}: ${target} (no such file)`)
        else if (anchor && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${doc}: ${target} (no such heading)`)
      }
    }
    expect(broken).toEqual([])
  })

  it("the README's test command is the one CI runs (.ci/run)", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
    const ciRun = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8')
    const command = /^bash scripts\/test\.sh .+$/m.exec(readme)?.[0]
    expect(command).toBeDefined()
    expect(ciRun.split('\n')).toContain(command)
  })
})
