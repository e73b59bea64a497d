import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { batchopsPlugin, createRegistry, type PurgeableUpload, UploadFiles } from "@batchops/core"
import { Effect, Layer } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { checkpointDir } from "../src/Checkpoints.js"
import { uploadFilesLayer } from "../src/UploadFiles.js"
import { uploadExportDir } from "../src/UploadRunner.js"
import { UploadSettings } from "../src/UploadSettings.js"
import { originalPath } from "../src/UploadStore.js"

const root = mkdtempSync(join(tmpdir(), "batchops-upload-files-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const uploadsDir = join(root, "uploads")
const exportDir = join(root, "exports")

const withFiles = <A, E>(effect: (files: UploadFiles["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const registry = yield* Effect.orDie(createRegistry([batchopsPlugin]))
      const settings = Layer.succeed(UploadSettings, UploadSettings.of({ uploadsDir, exportDir, registry }))
      return yield* Effect.gen(function* () {
        return yield* effect(yield* UploadFiles)
      }).pipe(Effect.provide(uploadFilesLayer.pipe(Layer.provide(settings))))
    }),
  )

/** An upload with an original, two reports, a checkpoint and a report kept in an older folder. */
const stored = (id: string): PurgeableUpload & { readonly paths: ReadonlyArray<string> } => {
  const older = join(root, "old-exports", `${id}.pdf`)
  const upload = { id, sha256: "ab".repeat(32), fileName: "term 1.csv", reportCsvPath: null, reportPdfPath: older }
  const reports = uploadExportDir(exportDir, id)
  const checkpoints = checkpointDir(uploadsDir, id)
  const paths = [originalPath(uploadsDir, upload), join(reports, "report.csv"), join(checkpoints, "0.json"), older]
  for (const file of paths) {
    mkdirSync(join(file, ".."), { recursive: true })
    writeFileSync(file, "x")
  }
  // a link whose target is gone is a file like any other: counted, removed
  symlinkSync(join(root, "nowhere"), join(reports, "report.pdf"))
  return { ...upload, paths }
}

describe("an upload's files in the uploads folder", () => {
  it("counts and removes the original, the reports, the checkpoints and a report kept elsewhere", async () => {
    const upload = stored("u1")
    expect(await withFiles((files) => files.count(upload))).toBe(5)
    expect(await withFiles((files) => files.remove(upload))).toBe(5)
    for (const file of upload.paths) expect(existsSync(file), file).toBe(false)
    expect(existsSync(uploadExportDir(exportDir, "u1"))).toBe(false)
    // removing again finds nothing, and is not an error
    expect(await withFiles((files) => files.remove(upload))).toBe(0)
  })

  it("removes every file it can when one cannot be removed, then says which and why", async () => {
    const upload = stored("u2")
    // a report recorded under a path that cannot exist (its folder is a file): that target
    // fails, the other files still go, and the failure names it
    const notAFolder = join(root, "not-a-folder")
    writeFileSync(notAFolder, "x")
    const blocked = join(notAFolder, "report.pdf")
    // the blocked report comes before the older one kept elsewhere, which still goes
    const exit = await withFiles((files) => Effect.exit(files.remove({ ...upload, reportCsvPath: blocked })))
    expect(exit._tag).toBe("Failure")
    const message = exit._tag === "Failure" ? String(exit.cause) : ""
    expect(message).toContain(`cannot remove the files of upload u2: ${blocked}: ENOTDIR`)
    for (const file of upload.paths) expect(existsSync(file), file).toBe(false)
  })
})
