#!/usr/bin/env node
// The README's tables of the action's inputs and outputs, generated from action.yml, between
// the markers <!-- action-inputs --> … <!-- /action-inputs --> (and action-outputs), so they
// cannot drift from what the action reads. `--check` only compares and exits 1 when stale
// (test/readme.test.ts runs it).
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import yaml from 'js-yaml'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const action = yaml.load(readFileSync(join(root, 'action.yml'), 'utf8'))
const cell = (text) => String(text ?? '').replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|')
const code = (text) => (text === '' || text === undefined ? '' : `\`${text}\``)

const inputs = [
  '| input | default | meaning |',
  '| --- | --- | --- |',
  ...Object.entries(action.inputs).map(([name, i]) => `| \`${name}\` | ${code(i.default)} | ${cell(i.description)} |`)
].join('\n')
const outputs = ['| output | meaning |', '| --- | --- |', ...Object.entries(action.outputs).map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`)].join('\n')

const readmePath = join(root, 'README.md')
const readme = readFileSync(readmePath, 'utf8')
const replaced = [['action-inputs', inputs], ['action-outputs', outputs]].reduce((text, [marker, table]) => {
  const pattern = new RegExp(`(<!-- ${marker} -->\\n)[\\s\\S]*?(<!-- /${marker} -->)`)
  if (!pattern.test(text)) throw new Error(`README.md has no <!-- ${marker} --> … <!-- /${marker} --> markers`)
  return text.replace(pattern, `$1${table}\n$2`)
}, readme)

if (process.argv.includes('--check')) {
  if (replaced !== readme) {
    console.error("README.md's action tables differ from action.yml: run node scripts/readme-action-tables.mjs")
    process.exit(1)
  }
} else if (replaced !== readme) writeFileSync(readmePath, replaced)
