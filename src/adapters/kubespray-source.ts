/**
 * The Kubespray source of one commit: GitHub's tarball, streamed to disk (hashed as it
 * arrives) and kept as it came, since the far side needs Kubespray itself; and from it the part
 * of the tree the lists are made from, extracted safely. Both are kept by commit in a store
 * (this user's cache directory for the CLI, @actions/tool-cache in the action), so a second
 * build of the same commit, or a self-hosted runner's next job, downloads nothing.
 */
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { extractSafely } from './tar-safe.js'
import { regularFile } from './fs-atomic.js'
import { writeHashed } from './hash-to-file.js'

/** Where a kept source lives: `<dir>/kubespray.tar.gz`, `<dir>/kubespray.tar.gz.sha256`, `<dir>/tree/`. */
export interface SourceStore {
  find(commit: string): Promise<string | undefined>
  /** Keeps a prepared directory and returns where it lives now. */
  keep(commit: string, dir: string): Promise<string>
}

export interface KubespraySource {
  /** The tree the lists read (roles/kubespray[-_]defaults, roles/download, contrib/offline). */
  tree: string
  tarball: string
  sha256: string
  size: number
  /** Whether this run downloaded it (false: from the store). */
  downloaded: boolean
}

/** What of the tree the lists need (and generate_list.sh's own files). */
const NEEDED = /^(roles\/kubespray[-_]defaults|roles\/download|contrib\/offline|roles\/kubernetes-apps\/argocd\/defaults)(\/|$)/
/**
 * The extracted tree's directory, named for what NEEDED takes: a source kept by an earlier
 * version (without the roles that fetch downloads themselves) is extracted again.
 */
const TREE = 'tree-2'

export const TARBALL = 'kubespray.tar.gz'

export async function obtainSource(commit: string, download: () => Promise<Readable>, store: SourceStore): Promise<KubespraySource> {
  const kept = await store.find(commit)
  if (kept) {
    const source = await describe(kept, false)
    if (source) return source
  }
  const scratch = await mkdtemp(join(tmpdir(), 'kubespray-source-'))
  try {
    const tarball = join(scratch, TARBALL)
    const { sha256 } = await writeHashed(await download(), tarball)
    await writeFile(`${tarball}.sha256`, `${sha256}\n`)
    await extractTree(tarball, join(scratch, TREE))
    const source = await describe(await store.keep(commit, scratch), true)
    if (!source) throw new Error(`the source of ${commit} did not arrive whole in its store`)
    return source
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/** The part of a GitHub tarball of Kubespray the lists read, extracted safely into `dir`. */
export async function extractTree(tarball: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await extractSafely({ file: tarball, cwd: dir, strip: 1, include: (path) => NEEDED.test(path) })
}

async function describe(dir: string, downloaded: boolean): Promise<KubespraySource | undefined> {
  const tarball = join(dir, TARBALL)
  const info = await regularFile(tarball)
  const sha256 = (await readFile(`${tarball}.sha256`, 'utf8').catch(() => '')).trim()
  if (!info || !/^[0-9a-f]{64}$/.test(sha256)) return undefined
  if (!(await stat(join(dir, TREE)).catch(() => undefined))?.isDirectory()) return undefined
  return { tree: join(dir, TREE), tarball, sha256, size: info.size, downloaded }
}

/** The CLI's store: $XDG_CACHE_HOME/kubespray-bundle/sources/<commit> (~/.cache/…). */
export class DirectorySourceStore implements SourceStore {
  constructor(readonly root = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubespray-bundle', 'sources')) {}

  async find(commit: string): Promise<string | undefined> {
    const dir = join(this.root, commit)
    return (await regularFile(join(dir, `${TARBALL}.sha256`))) ? dir : undefined
  }

  async keep(commit: string, dir: string): Promise<string> {
    const target = join(this.root, commit)
    await mkdir(this.root, { recursive: true, mode: 0o700 })
    const staging = await mkdtemp(join(this.root, `.${commit}-`))
    await rm(staging, { recursive: true })
    await rename(dir, staging).catch(async () => {
      // Another file system: copy, then move into place.
      const { cp } = await import('node:fs/promises')
      await cp(dir, staging, { recursive: true })
    })
    // Another build of the same commit may have kept it meanwhile (two builds at once share
    // the store): a complete one stays as it is, since that build may be reading it now; only
    // an incomplete one (a layout of an earlier version) is replaced.
    if (await describe(target, false)) {
      await rm(staging, { recursive: true, force: true })
      return target
    }
    await rm(target, { recursive: true, force: true })
    await rename(staging, target).catch(async (e: NodeJS.ErrnoException) => {
      if (!(await describe(target, false))) throw e
      await rm(staging, { recursive: true, force: true })
    })
    return target
  }
}
