/**
 * Reads a Helm chart archive's own Chart.yaml and values.yaml (`<top>/Chart.yaml`,
 * `<top>/values.yaml`, whatever the top directory is called, as Helm reads it) without unpacking
 * it: nothing is written, each text is capped, reading stops once both are found, and an archive
 * that expands past a bound is refused, so a hostile archive (a gzip bomb whose digest its own
 * repository vouches for) costs little.
 */
import { createReadStream } from 'node:fs'
import { Parser, type ReadEntry } from 'tar'

/** Far above any chart's values (Cilium's are ~150 KiB). */
const MAX_TEXT_BYTES = 4 << 20
/** Far above any chart (Cilium's expands to ~2 MiB). */
const MAX_EXPANDED_BYTES = 256 << 20

export interface ChartTexts {
  chartYaml?: string
  valuesYaml?: string
}

export function readChartTexts(archive: string): Promise<ChartTexts> {
  return new Promise<ChartTexts>((resolve, reject) => {
    const out: ChartTexts = {}
    let expanded = 0
    let settled = false
    const input = createReadStream(archive)
    const finish = (error?: Error): void => {
      if (settled) return
      settled = true
      input.destroy()
      if (error) reject(error)
      else resolve(out)
    }
    const parser = new Parser({
      onReadEntry: (entry: ReadEntry) => {
        expanded += entry.size ?? 0
        if (expanded > MAX_EXPANDED_BYTES) return finish(new Error(`expands past ${MAX_EXPANDED_BYTES >> 20} MiB; not a chart Kubespray installs`))
        const parts = entry.path.replace(/^\.\//, '').split('/')
        const key = entry.type === 'File' && parts.length === 2 ? ({ 'Chart.yaml': 'chartYaml', 'values.yaml': 'valuesYaml' } as const)[parts[1]] : undefined
        if (!key || out[key] !== undefined) return entry.resume()
        if ((entry.size ?? 0) > MAX_TEXT_BYTES) return finish(new Error(`${entry.path} is larger than ${MAX_TEXT_BYTES >> 20} MiB; not a chart Kubespray installs`))
        const chunks: Buffer[] = []
        entry.on('data', (c: Buffer) => chunks.push(c))
        entry.on('end', () => {
          out[key] = Buffer.concat(chunks).toString('utf8')
          if (out.chartYaml !== undefined && out.valuesYaml !== undefined) finish()
        })
      }
    })
    parser.on('error', (e: Error) => finish(e))
    parser.on('end', () => finish())
    input.on('error', (e) => finish(e))
    input.pipe(parser)
  })
}
