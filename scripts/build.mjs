// Bundles the CLI into self-contained files under dist/, so that `node dist/cli.js` runs on a
// fresh clone with no `npm install`. Shaped for a quick cold start, which is most of a
// `lists` run (docs/decisions.md §4):
//   dist/cli.js             the entry: argument dispatch and error handling only
//   dist/commands/NAME.cjs  one bundle per command, loaded with a V8 code cache
//   dist/vendor/NAME.cjs    the fallback YAML parsers and undici, loaded only when needed
import { build } from 'esbuild'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'

// `node scripts/build.mjs OUTDIR` builds elsewhere: the dist freshness test compares the two.
const outdir = process.argv[2] ?? 'dist'
// preserveSymlinks: a checkout whose node_modules is a link (a release test's clone) bundles byte for byte the same.
const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'linked', logLevel: 'warning', preserveSymlinks: true }

// The entry loads commands from dist/commands through the code cache, not from src.
const bundledCommandLoader = {
  name: 'bundled-command-loader',
  setup(b) {
    b.onResolve({ filter: /\/load-command\.js$/ }, () => ({ path: resolve('src/cli/load-command.bundled.ts') }))
  }
}

// CommonJS throughout: Node starts a CommonJS entry a little quicker than an ES module, and
// dist/package.json says so (the repository itself is "type": "module").
// vendorDir: dist/vendor as seen from the bundle's own directory (lazy-require.ts resolves it
// against the bundle's URL): './vendor' from dist/, '../vendor' from dist/commands/.
const cjsIn = (vendorDir) => ({
  format: 'cjs',
  // Sources are ESM; in these CommonJS bundles import.meta.url is the file's own URL.
  banner: { js: "const __kbFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: {
    'import.meta.url': '__kbFileUrl',
    __KB_VENDOR_DIR__: JSON.stringify(vendorDir),
    __KB_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version)
  }
})
// Bundles and legal notices a source change no longer produces must not linger.
for (const dir of ['commands', 'vendor']) rmSync(`${outdir}/${dir}`, { recursive: true, force: true })
mkdirSync(outdir, { recursive: true })
writeFileSync(`${outdir}/package.json`, '{ "type": "commonjs" }\n')

await build({ ...common, ...cjsIn('./vendor'), entryPoints: { cli: 'src/cli/main.ts' }, outdir, plugins: [bundledCommandLoader] })

const commands = readdirSync('src/cli/commands').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
await build({
  ...common,
  entryPoints: Object.fromEntries(commands.map((name) => [name, `src/cli/commands/${name}.ts`])),
  outdir: `${outdir}/commands`,
  outExtension: { '.js': '.cjs' },
  ...cjsIn('../vendor')
})

// The action (action.yml: runs.using node24, main dist/index.js): one CommonJS file with
// @actions/* inside. The define above turns the Azure SDK's createRequire(import.meta.url)
// into this file's own URL, which esbuild's ESM-to-CommonJS conversion would leave undefined.
await build({ ...common, ...cjsIn('./vendor'), entryPoints: { index: 'src/action/index.ts' }, outdir })

// The fallback YAML parsers and undici, each a CommonJS file that lazy-require.ts can require()
// on demand.
for (const name of ['yaml', 'js-yaml', 'undici']) {
  await build({
    ...common,
    stdin: { contents: `module.exports = require(${JSON.stringify(name)})`, resolveDir: process.cwd(), loader: 'js' },
    outfile: `${outdir}/vendor/${name}.cjs`,
    format: 'cjs'
  })
}
