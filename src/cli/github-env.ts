/** The GitHub API clients of a CLI run, from GITHUB_API_URL (GHES) and GITHUB_TOKEN. */
import { GitHubClient } from '../adapters/github/client.js'
import type { HttpClient } from '../adapters/http/client.js'
import { GITHUB_COM_API_URL, kubesprayTokenFor } from '../domain/api-url.js'
import { USER_AGENT } from '../version.js'
import { UsageError } from './usage-error.js'

const workflowApiUrl = (): string => process.env.GITHUB_API_URL || GITHUB_COM_API_URL

/**
 * `writeFor` names what needs a token that may write the repository's contents (publish,
 * merge); without it the token is optional (public repositories, a higher rate limit).
 */
export function githubFromEnv(http: HttpClient, writeFor?: string): GitHubClient {
  const token = process.env.GITHUB_TOKEN || undefined
  if (writeFor && !token) throw new UsageError(`GITHUB_TOKEN is required to ${writeFor} (a token that may write the repository's contents)`)
  return new GitHubClient({ http, apiUrl: workflowApiUrl(), token, userAgent: USER_AGENT })
}

/**
 * The client that resolves Kubespray (tags, releases, tarball) at `apiUrl`. GITHUB_TOKEN is
 * GITHUB_API_URL's (a GHES token on GHES), so it goes along only when that is the same API;
 * elsewhere KUBESPRAY_TOKEN, or no token.
 */
export function kubesprayGithubFromEnv(http: HttpClient, apiUrl: string): GitHubClient {
  const token = kubesprayTokenFor({
    kubesprayApiUrl: apiUrl,
    workflowApiUrl: workflowApiUrl(),
    workflowToken: process.env.GITHUB_TOKEN || undefined,
    kubesprayToken: process.env.KUBESPRAY_TOKEN || undefined
  })
  return new GitHubClient({ http, apiUrl, token, userAgent: USER_AGENT, settings: { url: '--kubespray-api-url or KUBESPRAY_API_URL', token: 'KUBESPRAY_TOKEN' } })
}
