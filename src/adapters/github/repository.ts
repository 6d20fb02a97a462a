/** One repository's refs and source tarball over the REST API. */
import type { Readable } from 'node:stream'
import type { Release } from '../../domain/version-spec.js'
import { GitHubClient } from './client.js'

export interface TagRef {
  name: string
  commit: string
}

/** What version resolution needs of a repository (tests give it a fake). */
export interface RepositoryRefs {
  readonly fullName: string
  releases(): Promise<Release[]>
  tags(): Promise<TagRef[]>
  /** The full sha of a branch, tag or (short) commit; undefined when there is none. */
  commitOf(ref: string): Promise<string | undefined>
}

export class GitHubRepository implements RepositoryRefs {
  private tagList: Promise<TagRef[]> | undefined

  constructor(
    readonly client: GitHubClient,
    readonly fullName: string
  ) {}

  async releases(): Promise<Release[]> {
    const raw = await this.client.paginate<{ tag_name: string; prerelease: boolean; draft: boolean }>(`repos/${this.fullName}/releases`)
    return raw.map((r) => ({ tag: r.tag_name, prerelease: r.prerelease, draft: r.draft }))
  }

  /** Fetched once per run: most resolutions need it. */
  tags(): Promise<TagRef[]> {
    this.tagList ??= this.client
      .paginate<{ name: string; commit: { sha: string } }>(`repos/${this.fullName}/tags`)
      .then((raw) => raw.map((t) => ({ name: t.name, commit: t.commit.sha })))
    return this.tagList
  }

  async commitOf(ref: string): Promise<string | undefined> {
    const commit = await this.client.jsonOrMissing<{ sha: string }>(`repos/${this.fullName}/commits/${encodeURIComponent(ref)}`)
    return commit?.sha
  }

  /** The source of one commit as GitHub builds it (a gzipped tar with one top directory). */
  tarball(commit: string): Promise<Readable> {
    return this.client.stream(`repos/${this.fullName}/tarball/${commit}`)
  }
}
