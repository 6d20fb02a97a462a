// Bundles the entry points into self-contained ESM files under dist/, so that
// `node dist/cli.js` runs on a fresh clone with no `npm install`.
import { build } from 'esbuild'

const entryPoints = { cli: 'src/cli/main.ts' }
// `node scripts/build.mjs OUTDIR` builds elsewhere: the dist freshness test compares the two.
const outdir = process.argv[2] ?? 'dist'

await build({
  entryPoints,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'linked',
  // Bundled CommonJS dependencies may call require() for Node built-ins; ESM has no
  // require, so give them one. Aliased so it cannot collide with a bundled binding.
  banner: {
    js: "import { createRequire as __kbCreateRequire } from 'node:module'; const require = __kbCreateRequire(import.meta.url);"
  },
  logLevel: 'warning'
})
