/**
 * Kubespray sources kept by commit in the runner's tool cache (@actions/tool-cache), so a
 * self-hosted runner's next job reuses them. The tool cache wants a semver: 0.0.0-<commit>.
 */
import * as tc from '@actions/tool-cache'
import type { SourceStore } from '../kubespray-source.js'

const TOOL = 'kubespray-source'
const versionOf = (commit: string): string => `0.0.0-${commit}`

export class ToolCacheSourceStore implements SourceStore {
  async find(commit: string): Promise<string | undefined> {
    return tc.find(TOOL, versionOf(commit)) || undefined
  }

  async keep(commit: string, dir: string): Promise<string> {
    return tc.cacheDir(dir, TOOL, versionOf(commit))
  }
}
