/**
 * What leaves the building is the bundle and nothing else, with no secret in it: `build` refuses
 * an output directory holding anything that is not a bundle's own (a checkout's `.git` with its
 * token, a `.env`) before downloading a byte; secrets given in a vars file (by variable name, in
 * nested keys, as url userinfo) reach no published byte, no log line and no list; offline-yml
 * says which redacted variables the far side must supply.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { spawnCli, type CliResult } from './helpers/cli.js'
import { tempDir } from './helpers/temp.js'
import { startWorld, type World } from './helpers/world.js'

const TOKEN = 'ghp_trusttoken0123456789'
const REPO = 'example/trust'
const SECRETS = ['Pw-s3cr3t-one', 'Pw-s3cr3t-two', 'Pw-s3cr3t-three', 'ghp_checkoutTOKEN42']
let world: World
let work: string

beforeAll(async () => {
  world = await startWorld()
  work = tempDir('kb-trust-')
  world.github.releases.set(REPO, [])
}, 60_000)

afterAll(async () => {
  await world?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  spawnCli(args, work, { GITHUB_API_URL: world.github.apiUrl, GITHUB_TOKEN: TOKEN, XDG_CACHE_HOME: join(work, 'xdg'), ...env }).done

const build = (out: string, ...extra: string[]): Promise<CliResult> =>
  cli(['build', '--kubespray', '2.30', '--kubespray-api-url', world.github.apiUrl, '--out', out, '--insecure-registry', world.registryHost, ...extra])

/** Every file under a directory, as [relative path, bytes]. */
function everyFile(dir: string): Array<[string, Buffer]> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name)
      return [relative(dir, path), readFileSync(path)] as [string, Buffer]
    })
}

/** The secrets found in some bytes, each with where. */
function leaks(where: string, bytes: Buffer | string): string[] {
  const text = Buffer.isBuffer(bytes) ? bytes.toString('latin1') : bytes
  return SECRETS.filter((s) => text.includes(s) || text.includes(encodeURIComponent(s))).map((s) => `${s} in ${where}`)
}

describe('the bundle is a closed set of paths', () => {
  it('refuses an --out holding a checkout (.git with a token) and a .env before any download, naming them; touches neither', async () => {
    const out = join(work, 'workspace')
    mkdirSync(join(out, '.git'), { recursive: true })
    writeFileSync(join(out, '.git', 'config'), `[http]\n\textraheader = AUTHORIZATION: basic ${SECRETS[3]}\n`)
    writeFileSync(join(out, '.env'), `TOKEN=${SECRETS[3]}\n`)
    const before = world.logLength()
    const r = await build(out)
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('.env, .git')
    expect(r.stderr).toContain('not part of a bundle')
    expect(r.stderr).toContain(`--out ${out}`)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(world.fileGets(before)).toEqual([])
    expect(world.blobGets(before)).toEqual([])
    expect(readdirSync(out).sort()).toEqual(['.env', '.git'])
    expect(readFileSync(join(out, '.git', 'config'), 'utf8')).toContain(SECRETS[3])
  })

  it('a stray file that appears inside a bundle later is in neither SHA256SUMS nor anything published; verify names it', async () => {
    const out = join(work, 'stray')
    const first = await build(out)
    expect(first.status).toBe(0)
    // Put there after the build (a cache restore or a user): a second build must not list it.
    writeFileSync(join(out, 'images', 'notes.txt'), `token ${SECRETS[3]}\n`)
    const second = await build(out)
    expect(second.status).toBe(0)
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8')
    expect(sums).not.toContain('notes.txt')
    const verify = await cli(['verify', '--bundle', out])
    expect(verify.status).not.toBe(0)
    expect(verify.stdout + verify.stderr).toContain('images/notes.txt: not in SHA256SUMS')
    rmSync(join(out, 'images', 'notes.txt'))
    expect((await cli(['verify', '--bundle', out])).status).toBe(0)
  })
})

describe('no secret in anything published', () => {
  let bundle: string
  let built: CliResult

  beforeAll(async () => {
    // The world's files_base with userinfo: nginx ignores it, so the downloads still work.
    const filesBase = world.nginx.url('/files').replace('http://', `http://bob:${SECRETS[2]}@`)
    writeFileSync(
      join(work, 'secret-vars.yml'),
      [
        `registry_password: "${SECRETS[0]}"`,
        'containerd_registry_auth:',
        '  - registry: "reg.example:5000"',
        '    username: "bob"',
        `    password: "${SECRETS[1]}"`,
        `files_base: "${filesBase}"`,
        'kube_token_auth: false',
        ''
      ].join('\n')
    )
    bundle = join(work, 'secret-bundle')
    built = await build(bundle, '-e', '@secret-vars.yml')
    if (built.status !== 0) throw new Error(built.stderr)
  }, 60_000)

  it('build: no secret in the bundle directory, its logs or its lists; bundle.json says what was redacted', () => {
    const found = [...leaks('build output', built.stdout + built.stderr)]
    for (const [path, bytes] of everyFile(bundle)) found.push(...leaks(path, bytes))
    expect(found).toEqual([])
    const manifest = JSON.parse(readFileSync(join(bundle, 'bundle.json'), 'utf8')) as { extraVars: Record<string, unknown>; redacted: string[]; files: Array<{ url: string }> }
    expect(manifest.redacted).toEqual(['registry_password', 'containerd_registry_auth'])
    expect(manifest.extraVars.registry_password).toBe('***')
    expect(manifest.extraVars.kube_token_auth).toBe(false)
    expect(manifest.extraVars.files_base).toBe(world.nginx.url('/files').replace('http://', 'http://***@'))
    // The urls keep their host and path (the far side needs them), not the userinfo.
    expect(manifest.files.map((f) => f.url)).toContain(`${world.nginx.url('/files').replace('http://', 'http://***@')}/release/v1.33.1/bin/linux/amd64/kubelet`)
    expect(readFileSync(join(bundle, 'lists', 'amd64', 'files.list'), 'utf8')).toContain('http://***@127.0.0.1:')
  })

  it('publish: no secret in any asset or in the release', async () => {
    const r = await cli(['publish', '--bundle', bundle, '--repo', REPO, '--tag', 'secret-test'])
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    const release = world.github.releases.get(REPO)?.find((x) => x.tag_name === 'secret-test')
    expect(release?.assets.length).toBeGreaterThan(1)
    const found = [...leaks('publish output', r.stdout + r.stderr), ...leaks('release', JSON.stringify(release))]
    for (const asset of release?.assets ?? []) found.push(...leaks(asset.name, readFileSync(asset.path)))
    expect(found).toEqual([])
  })

  it('offline-yml: writes no redacted placeholder and names each variable the far side must supply', async () => {
    const out = join(work, 'offline.yml')
    const r = await cli(['offline-yml', '--bundle', bundle, '--files-url', 'http://192.0.2.10:8080', '--registry', '192.0.2.10:35000', '--out', out])
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    const text = readFileSync(out, 'utf8')
    expect(text).not.toContain('***')
    expect(text).toMatch(/set containerd_registry_auth, files_base, registry_password yourself/)
    expect(r.stderr).toContain('registry_password: redacted in the bundle')
    expect(leaks('offline.yml', text)).toEqual([])
  })

  it('the bundle itself still verifies, and nothing under the tool state is in SHA256SUMS', async () => {
    expect((await cli(['verify', '--bundle', bundle])).status).toBe(0)
    expect(readFileSync(join(bundle, 'SHA256SUMS'), 'utf8')).not.toContain('.kubespray-bundle')
    expect(existsSync(join(bundle, '.kubespray-bundle'))).toBe(true)
    expect(statSync(join(bundle, 'bundle.json')).size).toBeGreaterThan(0)
  })
})

describe('a secret copied where it cannot be redacted stops the build', () => {
  it('a password a template put into a url path (the file\'s path in the bundle): refused before any download, naming both', async () => {
    writeFileSync(join(work, 'path-secret.yml'), `registry_password: "S3cretPassOne"\nfiles_base: "${world.nginx.url('/files')}/{{ registry_password }}"\n`)
    const before = world.logLength()
    const r = await build(join(work, 'path-secret'), '-e', '@path-secret.yml')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('the value of registry_password is in the url of kubelet')
    expect(r.stderr).not.toContain('S3cretPassOne')
    expect(world.fileGets(before)).toEqual([])
    expect(existsSync(join(work, 'path-secret', 'bundle.json'))).toBe(false)
  })

  it('the same from the inventory (-i group_vars), where no -e names it', async () => {
    mkdirSync(join(work, 'inv/group_vars/all'), { recursive: true })
    writeFileSync(join(work, 'inv/hosts.yml'), 'all:\n  hosts:\n    node1:\n')
    writeFileSync(join(work, 'inv/group_vars/all/all.yml'), `registry_password: "InvSecret77"\nfiles_base: "${world.nginx.url('/files')}/{{ registry_password }}"\n`)
    const r = await build(join(work, 'inv-secret'), '-i', 'inv')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('the value of registry_password is in the url of kubelet')
    expect(r.stderr).not.toContain('InvSecret77')
  })

  it('a secret value inside another -e variable (recorded in bundle.json): refused, naming both', async () => {
    const r = await build(join(work, 'var-secret'), '-e', 'registry_password=WarnSecret2', '-e', '{"my_note": "uses WarnSecret2"}', '--no-files', '--no-images')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('the value of registry_password is in the value of my_note')
    expect(r.stderr).not.toContain('WarnSecret2')
  })

  it('private, API and access keys and passphrases are secrets too; a short common value garbles nothing', async () => {
    const keys = ['ssh_private_key', 'cloudflare_api_key', 'apiKey', 'aws_access_key', 'privateKey', 'registry_passphrase', 'tls_key']
    const vars = keys.map((k, i) => `${k}: "KeyMaterial${i}xyz"`).join('\n')
    writeFileSync(join(work, 'keys.yml'), `${vars}\nregistry_password: release\n`)
    const out = join(work, 'keys')
    const r = await build(out, '-e', '@keys.yml')
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    const manifest = JSON.parse(readFileSync(join(out, 'bundle.json'), 'utf8')) as { redacted: string[] }
    expect(manifest.redacted.sort()).toEqual([...keys, 'registry_password'].sort())
    for (const [path, bytes] of everyFile(out)) expect([path, bytes.toString('latin1').includes('KeyMaterial')]).toEqual([path, false])
    // 'release' is a path component of every url here: it is in the lists as it is, not as ***.
    expect(readFileSync(join(out, 'lists/amd64/files.list'), 'utf8')).toContain('/release/v1.33.1/bin/linux/amd64/kubelet')
  })
})

