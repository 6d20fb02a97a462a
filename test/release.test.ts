/**
 * scripts/release.sh on a clone of this repository: a current dist/ and package.json's version
 * give vX.Y.Z and the major tag vX on the same commit; a wrong version, a stale dist/ or an
 * existing tag are refused, naming what to do.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './helpers/conformance.js'
import { tempDir } from './helpers/temp.js'

let clone: string
const version = (JSON.parse(execFileSync('git', ['show', 'HEAD:package.json'], { cwd: REPO_ROOT, encoding: 'utf8' })) as { version: string }).version
const git = (...args: string[]): string => execFileSync('git', args, { cwd: clone, encoding: 'utf8' }).trim()
const release = (...args: string[]) => spawnSync('bash', ['scripts/release.sh', ...args], { cwd: clone, encoding: 'utf8' })

beforeAll(() => {
  const dir = tempDir('kb-release-')
  clone = join(dir, 'repo')
  execFileSync('git', ['clone', '-q', REPO_ROOT, clone])
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'))
  // A link is not the node_modules/ directory .gitignore names: keep the tree clean for the script.
  appendFileSync(join(clone, '.git/info/exclude'), '/node_modules\n')
  git('config', 'user.email', 'test@example.invalid')
  git('config', 'user.name', 'release test')
  // The clone has no tags of ours to collide with (the origin's are not the test's business).
  for (const t of git('tag', '--list').split('\n').filter(Boolean)) git('tag', '-d', t)
}, 60_000)
afterAll(() => rmSync(join(clone, '..'), { recursive: true, force: true }))

describe('scripts/release.sh', () => {
  it('refuses a version package.json does not carry, and a bad one', () => {
    const wrong = release('9.9.9')
    expect(wrong.status).toBe(1)
    expect(wrong.stderr).toContain(`package.json says version ${version}, not 9.9.9`)
    expect(release('v1').status).toBe(2)
  })

  it('tags vX.Y.Z and moves vX to the same commit; a second run is refused', () => {
    const r = release(version)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const major = `v${version.split('.')[0]}`
    expect(git('rev-parse', `v${version}^{commit}`)).toBe(git('rev-parse', 'HEAD'))
    expect(git('rev-parse', `${major}^{commit}`)).toBe(git('rev-parse', 'HEAD'))
    const again = release(version)
    expect(again.status).toBe(1)
    expect(again.stderr).toContain(`v${version} exists already`)
  }, 60_000)

  it('refuses a commit whose dist/ is stale', () => {
    appendFileSync(join(clone, 'dist/index.js'), '\n// changed by hand\n')
    git('commit', '-qam', 'a stale dist')
    for (const t of git('tag', '--list').split('\n').filter(Boolean)) git('tag', '-d', t)
    const r = release(version)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('dist/ is stale for this commit')
  }, 60_000)
})
