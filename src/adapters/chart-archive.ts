/**
 * Reads a Helm chart archive's own Chart.yaml and values.yaml (`<chart>/Chart.yaml`,
 * `<chart>/values.yaml`) without unpacking it: nothing is written, and each text is capped, so
 * a hostile archive costs at most its own streaming.
 */
import { t as list, type ReadEntry } from 'tar'

/** Far above any chart's values (Cilium's are ~150 KiB). */
const MAX_TEXT_BYTES = 4 << 20

export interface ChartTexts {
  chartYaml?: string
  valuesYaml?: string
}

export async function readChartTexts(archive: string, chartName: string): Promise<ChartTexts> {
  const wanted: Record<string, keyof ChartTexts> = { [`${chartName}/Chart.yaml`]: 'chartYaml', [`${chartName}/values.yaml`]: 'valuesYaml' }
  const out: ChartTexts = {}
  const reads: Array<Promise<void>> = []
  let tooLarge: string | undefined
  await list({
    file: archive,
    onReadEntry: (entry: ReadEntry) => {
      const key = entry.type === 'File' ? wanted[entry.path.replace(/^\.\//, '')] : undefined
      if (!key) return entry.resume()
      if ((entry.size ?? 0) > MAX_TEXT_BYTES) {
        tooLarge = entry.path
        return entry.resume()
      }
      const chunks: Buffer[] = []
      entry.on('data', (c: Buffer) => chunks.push(c))
      reads.push(new Promise<void>((done) => entry.on('end', () => {
        out[key] = Buffer.concat(chunks).toString('utf8')
        done()
      })))
    }
  })
  await Promise.all(reads)
  if (tooLarge) throw new Error(`${archive}: ${tooLarge} is larger than ${MAX_TEXT_BYTES >> 20} MiB; not a chart Kubespray installs`)
  return out
}
