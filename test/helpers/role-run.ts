/**
 * One run of Kubespray's download role from a bundle, offline (test/fixtures/role-offline-run.sh
 * inside `unshare -n`), and what it left: the playbook's status and log, serve's request log,
 * the files in local_release_dir and the images in containerd.
 */
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { REPO_ROOT } from './conformance.js'
import { fileSha256 } from './role-world.js'
import { tempDir } from './temp.js'

/** serve's ports inside the namespace (its defaults; every namespace has its own loopback). */
export const FILES_PORT = 8080
export const REGISTRY_PORT = 35000

export interface RoleRunRequest {
  name: string
  bundle: string
  /** offline.yml, as offline-yml wrote it for FILES_PORT and REGISTRY_PORT. */
  offlineYml: string
  /** The variable set, as the inventory of a user of that bundle would hold it. */
  vars: Record<string, unknown>
  /** host:port of every upstream server: each must be unreachable inside the namespace. */
  upstream: string[]
  timeoutMs: number
}

export interface RoleRun {
  name: string
  status: number | null
  seconds: number
  work: string
  ansibleLog: string
  /** serve's stderr: one line per request. */
  serveLog: string
  /** `ctr -n k8s.io images ls`: reference → digest. */
  images: Map<string, string>
  /** `ctr images check -q`: the references fully downloaded and unpacked. */
  unpacked: Set<string>
  /** What the role asked the nerdctl shim to pull, in order. */
  pulls: string[]
  /** sha256 of every regular file under local_release_dir. */
  releaseHashes: Set<string>
  /** Paths (under serve's files/) the role fetched, answered 200. */
  fetched: string[]
  /** serve's log lines answered 404. */
  notFound: string[]
}

/** The nerdctl shim over ctr (see its header); `sock`, `hosts` and `pulls` baked in. */
function nerdctlShim(sock: string, hosts: string, pulls: string): string {
  return `#!/bin/sh
# nerdctl stand-in (kubespray-bundle's download-role test). nerdctl is not packaged for Debian 12
# and the container-engine role, which would install it from the bundle's nerdctl tarball, is
# not part of --tags download; this thin shim over ctr answers the two calls Kubespray's
# download role makes with container_manager containerd:
#   nerdctl -n k8s.io images --format '{{ .Repository }}:{{ .Tag }}'   (image_info_command)
#   nerdctl -n k8s.io pull --quiet REF                                  (image_pull_command)
# Pulls go through the served registry's hosts.toml (plain http) and are unpacked, as nerdctl's are.
set -eu
ns=default
if [ "$1" = -n ]; then ns=$2; shift 2; fi
case "$1" in
  images) exec ctr --address ${sock} -n "$ns" images ls -q ;;
  pull)
    shift
    [ "$1" = --quiet ] && shift
    echo "$1" >>${pulls}
    exec ctr --address ${sock} -n "$ns" images pull --hosts-dir ${hosts} --platform linux/amd64 "$1" >/dev/null ;;
  *) echo "nerdctl stand-in: not a call the download role makes: $*" >&2; exit 2 ;;
esac
`
}

/** Lays out the run directory, then runs the role offline; resolves when it is over. */
export async function runRoleOffline(request: RoleRunRequest): Promise<RoleRun> {
  const work = tempDir(`kb-role-${request.name}-`)
  const tree = join(work, 'kubespray')
  mkdirSync(tree)
  // The bundle's OWN Kubespray: what the far side has, not the world's copy.
  const tarball = readdirSync(request.bundle).find((n) => /^kubespray-.+\.tar\.gz$/.test(n))
  if (!tarball) throw new Error(`${request.bundle} has no kubespray-*.tar.gz`)
  await new Promise<void>((ok, fail) =>
    spawn('tar', ['-xzf', join(request.bundle, tarball), '-C', tree, '--strip-components=1'], { stdio: 'inherit' }).on('close', (c) => (c === 0 ? ok() : fail(new Error(`tar ${tarball}: exit ${c}`))))
  )
  const sock = join(work, 'containerd.sock')
  const hosts = join(work, 'certs.d')
  const pulls = join(work, 'pulls.txt')
  const releases = join(work, 'releases')
  for (const d of ['bin', 'kube', 'home/tmp', 'cache']) mkdirSync(join(work, d), { recursive: true })
  writeFileSync(join(work, 'bin/nerdctl'), nerdctlShim(sock, hosts, pulls))
  chmodSync(join(work, 'bin/nerdctl'), 0o755)
  writeFileSync(pulls, '')
  // containerd of its own: own root, state and socket; the CRI plugin off (no kubelet here).
  writeFileSync(
    join(work, 'containerd.toml'),
    `version = 2\nroot = "${work}/containerd/root"\nstate = "${work}/containerd/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${sock}"\n`
  )
  // The registry config: the containerd_registries_mirrors entry a user puts in group_vars for
  // serve's plain-http registry; the run script renders Kubespray's own hosts.toml.j2 with it.
  const registry = `127.0.0.1:${REGISTRY_PORT}`
  mkdirSync(join(hosts, registry), { recursive: true })
  const mirror = { prefix: registry, server: `http://${registry}`, mirrors: [{ host: `http://${registry}`, capabilities: ['pull', 'resolve'], skip_verify: true }] }
  writeFileSync(join(work, 'containerd-mirror.json'), JSON.stringify({ item: mirror }))
  writeFileSync(
    join(work, 'inventory.ini'),
    [
      'node1 ansible_connection=local ansible_python_interpreter=/usr/bin/python3 ip=127.0.0.1 access_ip=127.0.0.1',
      '[kube_control_plane]',
      'node1',
      '[etcd]',
      'node1',
      '[kube_node]',
      'node1',
      '[k8s_cluster:children]',
      'kube_control_plane',
      'kube_node',
      ''
    ].join('\n')
  )
  // What the node would have from the roles --tags download skips, and settings for a test run
  // (/work/shared/kubespray/README.md): JSON is YAML.
  const local = {
    kube_config_dir: join(work, 'kube'),
    bin_dir: join(work, 'bin'),
    local_release_dir: releases,
    download_cache_dir: join(work, 'cache'),
    download_retries: 1,
    retry_stagger: 1,
    unsafe_show_logs: true,
    ...request.vars
  }
  writeFileSync(join(work, 'local.yml'), Object.entries(local).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n') + '\n')
  writeFileSync(join(work, 'offline.yml'), readFileSync(request.offlineYml))

  const started = Date.now()
  const status = await new Promise<number | null>((done) => {
    const seconds = Math.ceil(request.timeoutMs / 1000)
    const child = spawn('timeout', ['--kill-after=10', String(seconds), 'unshare', '-n', 'bash', resolve(REPO_ROOT, 'test/fixtures/role-offline-run.sh')], {
      env: {
        ...process.env,
        WORK: work,
        TREE: tree,
        BUNDLE: request.bundle,
        NODE: process.execPath,
        CLI: join(REPO_ROOT, 'dist/cli.js'),
        FILES_PORT: String(FILES_PORT),
        REGISTRY_PORT: String(REGISTRY_PORT),
        UPSTREAM: request.upstream.join(' ')
      },
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => {
      if (stderr) writeFileSync(join(work, 'run.stderr'), stderr)
      done(code)
    })
  })
  const read = (name: string): string => (existsSync(join(work, name)) ? readFileSync(join(work, name), 'utf8') : '')
  const serveLog = read('serve.log')
  const requests = serveLog.split('\n').map((l) => /^\S+ (GET|HEAD) (\S+) (\d{3}) /.exec(l)).filter((m): m is RegExpExecArray => m !== null)
  return {
    name: request.name,
    status,
    seconds: (Date.now() - started) / 1000,
    work,
    ansibleLog: read('ansible.log') + read('run.stderr'),
    serveLog,
    images: parseCtrImages(read('images.txt')),
    unpacked: new Set(read('unpacked.txt').split('\n').filter(Boolean)),
    pulls: read('pulls.txt').split('\n').filter(Boolean),
    releaseHashes: new Set(regularFiles(releases).map(fileSha256)),
    fetched: requests.filter((m) => m[1] === 'GET' && m[3] === '200' && !m[2].startsWith('/v2/')).map((m) => decodeURIComponent(m[2].slice(1))),
    notFound: requests.filter((m) => m[3] === '404').map((m) => m[0])
  }
}

/** `ctr images ls`: REF TYPE DIGEST SIZE PLATFORMS LABELS, a header line first. */
function parseCtrImages(text: string): Map<string, string> {
  const images = new Map<string, string>()
  for (const line of text.split('\n').slice(1)) {
    const [ref, , digest] = line.split(/\s+/)
    if (ref && digest?.startsWith('sha256:')) images.set(ref, digest)
  }
  return images
}

function regularFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => join(dir, p))
    .filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false)
}
