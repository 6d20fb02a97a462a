/**
 * The list templates, scraped from the *text* of download.yml exactly as
 * contrib/offline/generate_list.sh does with grep, sed and tr (never parsed as YAML:
 * commented lines count, quotes vanish, spaces inside image expressions vanish).
 */

/** The kube-* images kubeadm pulls itself, which download.yml does not list. */
export const KUBE_IMAGES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']

/** How the script writes a kube-* image line; `$i` is the image name. */
export const KUBE_IMAGE_LINE_V_PREFIXED = '{{ kube_image_repo }}/$i:v{{ kube_version }}'
export const KUBE_IMAGE_LINE_PLAIN = '{{ kube_image_repo }}/$i:{{ kube_version }}'

function lines(text: string): string[] {
  const all = text.split('\n')
  if (all[all.length - 1] === '') all.pop()
  return all
}

const joinLines = (ls: string[]): string => ls.map((l) => `${l}\n`).join('')

/** One line of a list template and the Kubespray component it belongs to. */
export interface TemplateLine {
  template: string
  component: string
}

/** grep 'download_url:' | sed 's/^.*_url: //g;s/\"//g' */
export function scrapeFileLines(downloadYml: string): TemplateLine[] {
  return lines(downloadYml)
    .filter((l) => l.includes('download_url:'))
    .map((l) => {
      const cut = l.lastIndexOf('_url: ')
      return {
        template: (cut >= 0 ? l.slice(cut + '_url: '.length) : l).replace(/"/g, ''),
        component: /([A-Za-z0-9_]+)_download_url:/.exec(l)?.[1] ?? 'file'
      }
    })
}

/** sed -n '/^downloads:/,/download_defaults:/p' */
function downloadsRange(all: string[]): string[] {
  const picked: string[] = []
  let inRange = false
  for (const line of all) {
    if (!inRange) {
      if (/^downloads:/.test(line)) {
        inRange = true
        picked.push(line)
      }
    } else {
      picked.push(line)
      if (line.includes('download_defaults:')) inRange = false
    }
  }
  return picked
}

/**
 * sed -n "s/repo: //p;s/tag: //p" | tr -d ' ' | sed 'N;s#\n# #g' | tr ' ' ':' | sed 's/\"//g',
 * then the kube-* lines the script appends.
 */
export function scrapeImageLines(downloadYml: string, kubeImageLine: string, kubeImages = KUBE_IMAGES): TemplateLine[] {
  const printed: string[] = []
  for (let line of downloadsRange(lines(downloadYml))) {
    if (line.includes('repo: ')) {
      line = line.replace('repo: ', '')
      printed.push(line)
    }
    if (line.includes('tag: ')) {
      line = line.replace('tag: ', '')
      printed.push(line)
    }
  }
  const squeezed = printed.map((l) => l.replace(/ /g, ''))
  const paired: string[] = []
  for (let i = 0; i < squeezed.length; i += 2) {
    paired.push(i + 1 < squeezed.length ? `${squeezed[i]}:${squeezed[i + 1]}` : squeezed[i])
  }
  const images = paired.map((l) => ({
    template: l.replace(/"/g, ''),
    component: /\{\{'?([A-Za-z0-9_]+?)_image_repo/.exec(l)?.[1] ?? /\{\{([A-Za-z0-9_]+)/.exec(l)?.[1] ?? 'image'
  }))
  const kube = kubeImages.map((name) => ({ template: kubeImageLine.replace('$i', name), component: name }))
  return [...images, ...kube]
}

/** The template file text: one line each, newline-terminated. */
export function templateText(templateLines: readonly TemplateLine[]): string {
  return joinLines(templateLines.map((l) => l.template))
}

/** Reads the kube-* image line and the download.yml path from a tree's generate_list.sh. */
export function readGenerateListScript(script: string): { kubeImageLine?: string; downloadYml?: string; kubeImages?: string[] } {
  const echo = /echo\s+"(\{\{\s*kube_image_repo\s*\}\}\/\$i:[^"]*)"/.exec(script)
  const downloadYml = /\$\{DOWNLOAD_YML:="([^"]+)"\}/.exec(script)
  const kubeImages = /^KUBE_IMAGES="([^"]*)"/m.exec(script)
  return {
    kubeImageLine: echo?.[1],
    downloadYml: downloadYml?.[1],
    kubeImages: kubeImages?.[1].split(/\s+/).filter(Boolean)
  }
}
