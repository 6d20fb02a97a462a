/**
 * A packed bundle as one workflow artifact (@actions/artifact): the same self-contained parts a
 * release gets, plus their SHA256SUMS, zipped without recompression (layers and tars gain
 * nothing from it).
 */
import { DefaultArtifactClient } from '@actions/artifact'

export interface ArtifactUploader {
  upload(name: string, files: string[], rootDirectory: string, retentionDays: number | undefined): Promise<{ id: number | undefined; size: number | undefined }>
}

export class ActionsArtifactUploader implements ArtifactUploader {
  async upload(name: string, files: string[], rootDirectory: string, retentionDays: number | undefined): Promise<{ id: number | undefined; size: number | undefined }> {
    const result = await new DefaultArtifactClient().uploadArtifact(name, files, rootDirectory, { retentionDays, compressionLevel: 0 })
    return { id: result.id, size: result.size }
  }
}
