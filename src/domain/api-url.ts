/**
 * Where Kubespray is resolved and which token may go there. On GitHub Enterprise Server the
 * workflow's API (GITHUB_API_URL) and token belong to GHES while Kubespray lives on github.com:
 * the workflow's token must not be sent to another host than its own.
 */

export const GITHUB_COM_API_URL = 'https://api.github.com'

/** An http(s) url, or undefined for anything else (a bare host, another scheme, no host). */
export function parseApiUrl(text: string): URL | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname ? url : undefined
}

/**
 * The same API when only a trailing slash or the case of the scheme and host differ (URL
 * lowercases both and drops a default port); the path is compared as is (GHES's /api/v3).
 */
export function sameApiUrl(a: string, b: string): boolean {
  const key = (text: string): string | undefined => {
    const url = parseApiUrl(text)
    return url && `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
  }
  const ka = key(a)
  return ka !== undefined && ka === key(b)
}

export interface KubesprayTokenChoice {
  kubesprayApiUrl: string
  /** GITHUB_API_URL: where the workflow's token is valid. */
  workflowApiUrl: string
  workflowToken?: string
  /** Given for the Kubespray API on purpose (kubespray-token, KUBESPRAY_TOKEN). */
  kubesprayToken?: string
}

/**
 * A token given for Kubespray's API; else the workflow's, only when that API is the workflow's
 * own; else none (anonymous: public repositories need none, at a lower rate limit).
 */
export function kubesprayTokenFor(choice: KubesprayTokenChoice): string | undefined {
  if (choice.kubesprayToken) return choice.kubesprayToken
  return sameApiUrl(choice.kubesprayApiUrl, choice.workflowApiUrl) ? choice.workflowToken || undefined : undefined
}
