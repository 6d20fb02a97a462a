/** The GitHub API client of a CLI run, from GITHUB_API_URL (GHES) and GITHUB_TOKEN. */
import { GitHubClient } from '../adapters/github/client.js'
import type { HttpClient } from '../adapters/http/client.js'
import { USER_AGENT } from '../version.js'
import { UsageError } from './usage-error.js'

/**
 * `writeFor` names what needs a token that may write the repository's contents (publish,
 * merge); without it the token is optional (public repositories, a higher rate limit).
 */
export function githubFromEnv(http: HttpClient, writeFor?: string): GitHubClient {
  const token = process.env.GITHUB_TOKEN || undefined
  if (writeFor && !token) throw new UsageError(`GITHUB_TOKEN is required to ${writeFor} (a token that may write the repository's contents)`)
  return new GitHubClient({ http, apiUrl: process.env.GITHUB_API_URL || 'https://api.github.com', token, userAgent: USER_AGENT })
}
