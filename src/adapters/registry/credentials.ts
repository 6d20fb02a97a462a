/**
 * Registry credentials from the files docker, podman and skopeo write: REGISTRY_AUTH_FILE,
 * $DOCKER_CONFIG/config.json, ~/.docker/config.json, $XDG_RUNTIME_DIR/containers/auth.json.
 * Only inline `auths` entries are read (credential helpers are not run). Credentials never
 * leave this module except as an Authorization header value; nothing here is logged.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { DOCKER_HUB } from '../../domain/images/reference.js'

export interface Credentials {
  username: string
  password: string
}

export type CredentialLookup = (registry: string) => Credentials | undefined

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>
}

export function authFilePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const paths: string[] = []
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE)
  if (env.DOCKER_CONFIG) paths.push(join(env.DOCKER_CONFIG, 'config.json'))
  paths.push(join(env.HOME ?? homedir(), '.docker', 'config.json'))
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'))
  return paths
}

/** The keys a file may use for a registry: the host, with a scheme, and Docker Hub's legacy index url. */
function keysFor(registry: string): string[] {
  const keys = [registry, `https://${registry}`, `http://${registry}`]
  if (registry === DOCKER_HUB) keys.push('https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io')
  return keys
}

function decode(entry: { auth?: string; username?: string; password?: string }): Credentials | undefined {
  if (entry.username && entry.password) return { username: entry.username, password: entry.password }
  if (!entry.auth) return undefined
  const plain = Buffer.from(entry.auth, 'base64').toString('utf8')
  const colon = plain.indexOf(':')
  return colon > 0 ? { username: plain.slice(0, colon), password: plain.slice(colon + 1) } : undefined
}

export function credentialsFromAuthFiles(paths: string[] = authFilePaths()): CredentialLookup {
  const files: AuthFile[] = []
  for (const path of paths) {
    try {
      files.push(JSON.parse(readFileSync(path, 'utf8')) as AuthFile)
    } catch {
      // A missing or unreadable file has no credentials for us.
    }
  }
  return (registry) => {
    for (const file of files) {
      for (const key of keysFor(registry)) {
        const entry = file.auths?.[key]
        const found = entry && decode(entry)
        if (found) return found
      }
    }
    return undefined
  }
}
