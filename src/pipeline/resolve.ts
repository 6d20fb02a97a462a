/** A Kubespray version spec → an exact tag (if any) and full commit, over a repository's refs. */
import { InputError } from '../domain/errors.js'
import { chooseExact, chooseLatestRelease, chooseMinor, nearestTags, parseVersionSpec, type ResolvedVersion } from '../domain/version-spec.js'
import type { RepositoryRefs, TagRef } from '../adapters/github/repository.js'

export async function resolveVersion(repo: RepositoryRefs, specText: string, prerelease = false): Promise<ResolvedVersion> {
  const spec = parseVersionSpec(specText, prerelease)
  const byTag = async (tag: string | undefined): Promise<ResolvedVersion> => {
    const tags = await repo.tags()
    const found = tags.find((t) => t.name === tag)
    if (!tag || !found) throw await notFound(repo, specText, tags)
    return { spec: specText, tag: found.name, commit: found.commit }
  }
  switch (spec.kind) {
    case 'latest': {
      const tag = chooseLatestRelease(await repo.releases(), spec.prerelease)
      if (!tag) throw new InputError(`${repo.fullName} has no ${spec.prerelease ? '' : 'non-pre-'}release to call latest; name a tag, branch or commit`)
      return byTag(tag)
    }
    case 'minor':
      return byTag(chooseMinor((await repo.tags()).map((t) => t.name), spec.major, spec.minor))
    case 'exact':
      return byTag(chooseExact((await repo.tags()).map((t) => t.name), spec.version))
    case 'commit':
    case 'ref': {
      const ref = spec.kind === 'commit' ? spec.sha : spec.name
      const commit = await repo.commitOf(ref)
      const tags = await repo.tags()
      if (!commit) throw await notFound(repo, specText, tags)
      const tag = tags.find((t) => t.name === ref)?.name ?? tags.find((t) => t.commit === commit)?.name
      return { spec: specText, tag, commit }
    }
  }
}

async function notFound(repo: RepositoryRefs, spec: string, tags: TagRef[]): Promise<InputError> {
  const near = nearestTags(tags.map((t) => t.name), spec)
  return new InputError(
    `Kubespray version '${spec}' is not in ${repo.fullName}: no such release, tag, branch or commit` +
      (near.length ? `; nearest tags: ${near.join(', ')}` : '') +
      ' (give latest, a minor like 2.30, a tag like v2.30.0, a branch or a commit)'
  )
}
