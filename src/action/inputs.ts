/**
 * Every input of the action, read once into one typed, validated object. A bad input throws
 * an InputError naming the input and what it takes; nothing is read from the environment
 * anywhere else.
 */
import { isAbsolute, join, resolve } from 'node:path'
import { InputError } from '../domain/errors.js'
import { LAYOUTS, type Layout } from '../domain/files/layout.js'
import { EXTRAS_POLICIES, type ExtrasPolicy } from '../domain/kubespray/downloads.js'
import { parseMirror, type Mirror } from '../domain/files/mirror.js'
import type { ImageArch } from '../domain/kubespray/facts.js'
import { loadYaml } from '../domain/yaml11.js'
import { GITHUB_COM_API_URL, kubesprayTokenFor, parseApiUrl } from '../domain/api-url.js'
import { redactUrl } from '../domain/redact.js'
import { DEFAULT_PART_SIZE } from '../domain/parts.js'

export interface ActionInputs {
  kubesprayVersion: string
  kubesprayRepository: string
  /** The GitHub API Kubespray is resolved at (github.com's, even on GHES). */
  kubesprayApiUrl: string
  /**
   * The token sent there: kubespray-token, else github-token only when that API is the
   * workflow's own (GITHUB_API_URL), else none. Never a GHES token to github.com.
   */
  kubesprayToken: string | undefined
  prerelease: boolean
  arches: ImageArch[]
  /** A YAML mapping given inline (the `vars` input), or undefined. */
  vars: string | undefined
  varsFiles: string[]
  inventories: string[]
  /** Absolute. */
  outputDir: string
  /** As given (relative to the workspace): the cache's paths must not change from run to run. */
  outputDirInput: string
  files: boolean
  images: boolean
  layout: Layout
  extras: ExtrasPolicy
  kubesprayImage: boolean
  insecureRegistries: string[]
  mirrors: Mirror[]
  concurrency: number
  cache: boolean
  githubToken: string | undefined
  workspace: string
  /** GITHUB_API_URL: where github-token is valid and where releases are published. */
  apiUrl: string
  publish: 'none' | 'release' | 'artifact'
  /** Empty: derived from the resolved Kubespray version (kubespray-v2.31.1). */
  releaseTag: string
  /** A delta: the tag of the release (same repository) whose bundle it is published against; empty: in full. */
  baseTag: string
  partSize: number
  retentionDays: number | undefined
  /** OWNER/NAME of the workflow's repository (GITHUB_REPOSITORY): where releases go. */
  repository: string | undefined
}

/** What @actions/core gives: the reader is injected, so inputs are testable without a runner. */
export interface InputReader {
  getInput(name: string): string
}

export const INPUT_NAMES = [
  'kubespray-version',
  'kubespray-repository',
  'kubespray-api-url',
  'kubespray-token',
  'prerelease',
  'arch',
  'vars',
  'vars-files',
  'inventory',
  'output-dir',
  'files',
  'images',
  'layout',
  'extras',
  'kubespray-image',
  'insecure-registries',
  'mirrors',
  'concurrency',
  'cache',
  'github-token',
  'publish',
  'release-tag',
  'base-tag',
  'part-size',
  'retention-days'
] as const
type InputName = (typeof INPUT_NAMES)[number]

export function readInputs(core: InputReader, env: NodeJS.ProcessEnv): ActionInputs {
  const get = (name: InputName): string => core.getInput(name).trim()
  const lines = (name: InputName): string[] =>
    core
      .getInput(name)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
  const bool = (name: InputName, fallback: boolean): boolean => {
    const v = get(name)
    if (v === '') return fallback
    if (['true', 'True', 'TRUE'].includes(v)) return true
    if (['false', 'False', 'FALSE'].includes(v)) return false
    throw new InputError(`input ${name}: '${v}' is not a boolean (true or false)`)
  }
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  const outputDirInput = get('output-dir') || 'kubespray-bundle'
  const arches = (get('arch') || 'amd64').split(',').map((a) => a.trim())
  for (const a of arches) if (a !== 'amd64' && a !== 'arm64') throw new InputError(`input arch: '${a}' is not amd64 or arm64 (give amd64, arm64 or amd64,arm64)`)
  const layout = get('layout') || 'original-host'
  if (!(LAYOUTS as readonly string[]).includes(layout)) throw new InputError(`input layout: '${layout}' is not ${LAYOUTS.join(' or ')}`)
  const extras = get('extras') || 'enabled'
  if (!(EXTRAS_POLICIES as readonly string[]).includes(extras)) throw new InputError(`input extras: '${extras}' is not ${EXTRAS_POLICIES.join(', ')}`)
  const concurrencyText = get('concurrency') || '16'
  if (!/^\d+$/.test(concurrencyText) || Number(concurrencyText) < 1) throw new InputError(`input concurrency: '${concurrencyText}' is not a whole number of at least 1`)
  const mirrors = lines('mirrors').map((m) => {
    try {
      return parseMirror(m)
    } catch (e) {
      throw new InputError(`input mirrors: ${(e as Error).message}`)
    }
  })
  for (const r of lines('insecure-registries')) if (!/^[\w.-]+(:\d+)?$/.test(r)) throw new InputError(`input insecure-registries: '${r}' is not HOST or HOST:PORT`)
  const vars = core.getInput('vars').trim() ? core.getInput('vars') : undefined
  if (vars !== undefined) checkVarsMapping(vars)
  const at = (p: string): string => (isAbsolute(p) ? p : join(workspace, p))
  const publish = get('publish') || 'none'
  if (publish !== 'none' && publish !== 'release' && publish !== 'artifact') throw new InputError(`input publish: '${publish}' is not none, release or artifact`)
  const partSizeText = get('part-size')
  const partSize = partSizeText ? parsePartSize(partSizeText) : DEFAULT_PART_SIZE
  const retentionText = get('retention-days')
  if (retentionText && !/^\d+$/.test(retentionText)) throw new InputError(`input retention-days: '${retentionText}' is not a whole number of days`)
  const releaseTag = get('release-tag')
  if (releaseTag && !/^[\w.+/-]+$/.test(releaseTag)) throw new InputError(`input release-tag: '${releaseTag}' is not a valid tag name`)
  const baseTag = get('base-tag')
  if (baseTag && !/^[\w.+/-]+$/.test(baseTag)) throw new InputError(`input base-tag: '${baseTag}' is not a valid tag name`)
  if (baseTag && publish !== 'release') throw new InputError(`input base-tag: a delta is published to a release, against another release's bundle; set publish: release (publish is ${publish})`)
  const apiUrl = env.GITHUB_API_URL || GITHUB_COM_API_URL
  const githubToken = get('github-token') || undefined
  const kubesprayApiUrl = checkApiUrl(get('kubespray-api-url') || GITHUB_COM_API_URL)
  if (publish === 'release' && !env.GITHUB_REPOSITORY) throw new InputError('input publish: release needs GITHUB_REPOSITORY (the runner sets it)')
  return {
    kubesprayVersion: get('kubespray-version') || 'latest',
    kubesprayRepository: checkRepository(get('kubespray-repository') || 'kubernetes-sigs/kubespray'),
    kubesprayApiUrl,
    kubesprayToken: kubesprayTokenFor({ kubesprayApiUrl, workflowApiUrl: apiUrl, workflowToken: githubToken, kubesprayToken: get('kubespray-token') || undefined }),
    prerelease: bool('prerelease', false),
    arches: [...new Set(arches)] as ImageArch[],
    vars,
    varsFiles: lines('vars-files').map(at),
    inventories: lines('inventory').map(at),
    outputDir: resolve(workspace, outputDirInput),
    outputDirInput,
    files: bool('files', true),
    images: bool('images', true),
    layout: layout as Layout,
    extras: extras as ExtrasPolicy,
    kubesprayImage: bool('kubespray-image', false),
    insecureRegistries: lines('insecure-registries'),
    mirrors,
    concurrency: Number(concurrencyText),
    cache: bool('cache', true),
    githubToken,
    workspace,
    apiUrl,
    publish,
    releaseTag,
    baseTag,
    partSize,
    retentionDays: retentionText ? Number(retentionText) : undefined,
    repository: env.GITHUB_REPOSITORY || undefined
  }
}

/** Bytes, or with a binary K/M/G suffix; at least 1 MiB, below GitHub's 2 GiB. */
function parsePartSize(text: string): number {
  const m = /^(\d+)\s*([KMG]i?B?)?$/i.exec(text)
  const unit = m ? ({ K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? '').charAt(0).toUpperCase() as 'K' | 'M' | 'G'] ?? 1) : 0
  const bytes = m ? Number(m[1]) * unit : NaN
  if (!(bytes >= 1024 ** 2 && bytes < 2 * 1024 ** 3)) throw new InputError(`input part-size: '${text}' is not a size from 1M to just under 2G (bytes, or with K, M, G)`)
  return bytes
}

function checkRepository(repo: string): string {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new InputError(`input kubespray-repository: '${repo}' is not OWNER/NAME`)
  return repo
}

function checkApiUrl(url: string): string {
  if (!parseApiUrl(url)) throw new InputError(`input kubespray-api-url: '${redactUrl(url)}' is not an http(s) url of a GitHub API (such as ${GITHUB_COM_API_URL})`)
  return url
}

function checkVarsMapping(text: string): void {
  let value: unknown
  try {
    value = loadYaml(text, 'input vars')
  } catch (e) {
    throw new InputError(`input vars: ${(e as Error).message}`)
  }
  if (!(value instanceof Map)) throw new InputError('input vars: expected a YAML mapping of variables (key: value lines)')
}
