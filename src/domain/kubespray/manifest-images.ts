/**
 * Images that Kubernetes manifests Kubespray downloads and applies will make the cluster pull:
 * Argo CD's install.yaml (downloads.argocd_install, applied by roles/kubernetes-apps/argocd)
 * names its own images, which no list of Kubespray's does. Pure: the manifest's text in, image
 * references out (every `image:` of a container, init container or ephemeral container).
 */
import { loadYamlDocumentsFull } from '../yaml11.js'
import { pyStr, type Value } from '../python/values.js'
import type { WantedBy } from './downloads.js'

/** The downloads whose file is a manifest with images, and the role that applies it. */
export const MANIFESTS_WITH_IMAGES: Readonly<Record<string, WantedBy>> = {
  argocd_install: { role: 'kubernetes-apps/argocd', variable: 'argocd_install_url' }
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers'])

export function imagesInManifest(text: string, origin: string): string[] {
  const found = new Set<string>()
  const walk = (v: Value, inContainerList: boolean): void => {
    if (Array.isArray(v)) for (const x of v) walk(x, inContainerList)
    else if (v instanceof Map) {
      for (const [k, x] of v) {
        const key = pyStr(k as Value)
        if (inContainerList && key === 'image' && typeof x === 'string' && x.trim()) found.add(x.trim())
        else walk(x, CONTAINER_LISTS.has(key))
      }
    }
  }
  for (const doc of loadYamlDocumentsFull(text, origin)) walk(doc, false)
  return [...found].sort()
}
