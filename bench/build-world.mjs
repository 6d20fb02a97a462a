// The Kubespray side of bench/build.sh: a Kubespray-shaped tree whose lists name the local
// world (every file of WORK/files.json with its real sha256, every image of WORK/images.list,
// the kube-* images through kube_image_repo as generate_list.sh appends them), GitHub's
// tarball of it, and a GitHub REST stand-in serving tags, commits and that tarball.
// Usage: node bench/build-world.mjs WORK KUBE_VERSION KUBE_IMAGE_REPO
// Prints the API url, then serves until killed.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { writeDefaultsRole } from './fixtures.mjs'

const [work, kubeVersion, kubeImageRepo] = process.argv.slice(2)
const files = JSON.parse(readFileSync(join(work, 'files.json'), 'utf8')).files
const images = readFileSync(join(work, 'images.list'), 'utf8').split('\n').filter((l) => l && !l.includes('/k8s/kube-'))
const commit = createHash('sha1').update(`bench-${Date.now()}`).digest('hex')
const top = `kubernetes-sigs-kubespray-${commit.slice(0, 7)}`
writeDefaultsRole(join(work, 'src', top, 'roles/kubespray_defaults'), { kubeVersion, kubeImageRepo, files, images })
const tarball = join(work, 'kubespray.tar.gz')
execFileSync('tar', ['-czf', tarball, '-C', join(work, 'src'), top])
const bytes = readFileSync(tarball)

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  const json = (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  if (url.pathname.endsWith('/tags')) return json([{ name: 'v2.30.0', commit: { sha: commit } }])
  if (url.pathname.endsWith('/releases')) return json([{ tag_name: 'v2.30.0', prerelease: false, draft: false }])
  if (/\/commits\//.test(url.pathname)) return json({ sha: commit })
  if (/\/tarball\//.test(url.pathname)) return res.writeHead(200, { 'content-length': bytes.length }).end(bytes)
  res.writeHead(404).end('{}')
})
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`))
