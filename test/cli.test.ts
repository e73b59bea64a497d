import { readFile, writeFile } from "node:fs/promises"
import { isAbsolute, join } from "node:path"
import PDFDocument from "pdfkit"
import { beforeAll, describe, expect, it } from "vitest"
import * as XLSX from "xlsx"
import { batchops, hasStackTrace, tempDir } from "./helpers.js"

let dir: string

const write = async (name: string, data: string | Uint8Array) => {
  const path = join(dir, name)
  await writeFile(path, data)
  return path
}

const pdf = (draw: (doc: PDFKit.PDFDocument) => void, options: PDFKit.PDFDocumentOptions = {}) =>
  new Promise<Buffer>((resolve) => {
    const doc = new PDFDocument(options)
    const parts: Array<Buffer> = []
    doc.on("data", (part: Buffer) => parts.push(part))
    doc.on("end", () => resolve(Buffer.concat(parts)))
    draw(doc)
    doc.end()
  })

const processJson = async (args: ReadonlyArray<string>) => {
  const result = await batchops(["process", ...args, "--json", "--out", join(dir, "out")])
  expect(hasStackTrace(result.stdout + result.stderr)).toBe(false)
  return { ...result, json: JSON.parse(result.stdout) }
}

beforeAll(async () => {
  dir = await tempDir()
})

describe("batchops process (published)", () => {
  it("processes the sample gradebook into the JSON contract and real reports", async () => {
    const out = await tempDir()
    const result = await batchops(["process", "examples/data/gradebook.csv", "--out", out, "--json"])
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout)
    expect(Object.keys(json)).toEqual([
      "status",
      "file",
      "format",
      "profile",
      "rows",
      "columns",
      "stages",
      "reports",
      "incident",
    ])
    expect(json).toMatchObject({
      status: "published",
      file: "gradebook.csv",
      format: "csv",
      profile: "gradebook",
      rows: 120,
      incident: null,
    })
    expect(json.columns).toEqual([
      "student_id",
      "first_name",
      "last_name",
      "class",
      "math",
      "english",
      "science",
      "attendance",
    ])
    expect(json.stages.map((s: { name: string }) => s.name)).toEqual([
      "standardize_results",
      "validate_results",
      "transform_gradebook",
      "generate_summary",
      "publish_results",
    ])
    for (const stage of json.stages) {
      expect(stage.status).toBe("ok")
      expect(typeof stage.durationMs).toBe("number")
      expect(typeof stage.log).toBe("object")
    }
    expect(json.reports.csv).toBe(join(out, "gradebook.summary.csv"))
    const csv = await readFile(json.reports.csv, "utf8")
    expect(csv.startsWith("\uFEFFcolumn,count,missing,mean,std,min,p25,median,p75,max\r\n")).toBe(true)
    expect(csv.split("\r\n").map((line) => line.split(",")[0])).toEqual([
      "\uFEFFcolumn",
      "math",
      "english",
      "science",
      "attendance",
      "",
    ])
    const pdfBytes = await readFile(json.reports.pdf)
    expect(pdfBytes.subarray(0, 5).toString()).toBe("%PDF-")
    // Progress for people goes to stderr only.
    expect(result.stderr).toContain("standardize_results")
  })

  it("writes report paths relative to the working directory when --out is relative", async () => {
    const cwd = await tempDir()
    await writeFile(join(cwd, "grades.csv"), "Student ID,Score\nS1,80\nS2,90\n")
    const result = await batchops(["process", "grades.csv", "--out", "reports", "--json"], cwd)
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout)
    expect(json.reports.csv).toBe(join("reports", "grades.summary.csv"))
    expect(isAbsolute(json.reports.pdf)).toBe(false)
    expect(await readFile(join(cwd, json.reports.csv), "utf8")).toContain("score,2,0,85,")
  })

  it("publishes the processed dataset for a delete plan read from a config file", async () => {
    const file = await write("delete.csv", 'Student ID,Class,Score\nS1,9A,87%\nS2,9B,"1,234.5"\nS3,9A, 70 \n')
    await writeFile(join(dir, "rules.json"), JSON.stringify({ rules: [{ column: "Class", value: " 9b " }] }))
    const { code, json } = await processJson([file, "--plan", "delete", "--config", `@${join(dir, "rules.json")}`])
    expect(code).toBe(0)
    expect(json.rows).toBe(2)
    const csv = await readFile(json.reports.csv, "utf8")
    expect(csv).toBe("\uFEFFstudent_id,class,score\r\nS1,9A,87\r\nS3,9A,70\r\n")
  })

  it("prints a readable result without --json", async () => {
    const result = await batchops(["process", "examples/data/gradebook.csv", "--out", join(dir, "plain")])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("published gradebook.csv: 120 rows")
    expect(result.stdout).toContain("gradebook.summary.pdf")
  })
})

describe("batchops process --max-change (the mass-change guard)", () => {
  const rules = JSON.stringify({ rules: [{ column: "Class", value: "9A" }] })
  const file = () => write("guard.csv", "Student ID,Class,Score\nS1,9A,87\nS2,9B,90\nS3,9A,70\nS4,9C,65\nS5,9B,80\n")

  it("holds a delete that removes more than the share: exit 3, counts and rows shown, nothing published", async () => {
    const out = join(dir, "held")
    const result = await batchops([
      "process",
      await file(),
      "--plan",
      "delete",
      "--config",
      rules,
      "--max-change",
      "20%",
      "--json",
      "--out",
      out,
    ])
    expect(result.code).toBe(3)
    const json = JSON.parse(result.stdout)
    expect(json.status).toBe("awaiting_approval")
    expect(json.reports).toBeNull()
    expect(json.incident).toBeNull()
    expect(json.approval).toMatchObject({ plan: "delete", inputRows: 5, deleted: 2, appended: 0, maxShare: 0.2 })
    expect(json.approval.message).toBe(
      "the delete plan would remove 2 of 5 rows (40%), more than the 20% allowed without approval",
    )
    expect(json.approval.preview).toEqual([
      { change: "deleted", number: 2, cells: ["S1", "9A", 87] },
      { change: "deleted", number: 4, cells: ["S3", "9A", 70] },
    ])
    await expect(readFile(join(out, "guard.csv"))).rejects.toThrow()
    const plain = await batchops([
      "process",
      await file(),
      "--plan",
      "delete",
      "--config",
      rules,
      "--max-change",
      "0.2",
      "--out",
      out,
    ])
    expect(plain.code).toBe(3)
    expect(plain.stdout).toContain("held guard.csv: the delete plan would remove 2 of 5 rows (40%)")
    expect(plain.stdout).toContain("  - row 2: S1, 9A, 87")
  })

  it("publishes when the change is within the share, and without --max-change", async () => {
    const within = await processJson([await file(), "--plan", "delete", "--config", rules, "--max-change", "0.5"])
    expect(within.code).toBe(0)
    expect(within.json.rows).toBe(3)
    const unguarded = await processJson([await file(), "--plan", "delete", "--config", rules])
    expect(unguarded.code).toBe(0)
    expect(unguarded.json.approval).toBeUndefined()
  })
})

describe("batchops process (usage errors: exit 2, one JSON object)", () => {
  const cases: Array<[string, Array<string>, RegExp]> = [
    ["an unknown flag", ["examples/data/gradebook.csv", "--colour"], /colour/],
    ["a missing path", ["no/such/file.csv"], /no such file|cannot read/],
    [
      "config that is not JSON",
      ["examples/data/gradebook.csv", "--plan", "delete", "--config", "{rules:"],
      /not valid JSON/,
    ],
    [
      "an unreadable config file",
      ["examples/data/gradebook.csv", "--config", "@/no/such.json"],
      /cannot read the config file/,
    ],
    ["an unknown plan", ["examples/data/gradebook.csv", "--plan", "shred"], /unknown plan "shred"/],
    ["an unknown profile", ["examples/data/gradebook.csv", "--profile", "payroll"], /unknown profile "payroll"/],
    ["no file at all", [], /missing the file/],
    [
      "a share that is not one",
      ["examples/data/gradebook.csv", "--max-change", "lots"],
      /--max-change must be a share/,
    ],
    [
      "a share above 100%",
      ["examples/data/gradebook.csv", "--max-change", "150%"],
      /between 0 and 1 \(or 0% and 100%\), got "150%"/,
    ],
  ]
  it.each(cases)("%s", async (_name, args, message) => {
    const result = await batchops(["process", ...args, "--json"])
    expect(result.code).toBe(2)
    const json = JSON.parse(result.stdout)
    expect(json.status).toBe("error")
    expect(json.error).toMatch(message)
    expect(hasStackTrace(result.stdout + result.stderr)).toBe(false)
  })

  it.each(["migrate", "worker", "serve", "backup"])(
    "batchops %s --help shows the usage and does nothing",
    async (command) => {
      const result = await batchops([command, "--help"])
      expect(result.code).toBe(0)
      expect(result.stderr).toBe("")
      expect(result.stdout).toContain(`batchops ${command}`)
    },
  )

  it("batchops --version answers the version of @batchops/server's package.json", async () => {
    const manifest = JSON.parse(await readFile(new URL("../packages/server/package.json", import.meta.url), "utf8"))
    const result = await batchops(["--version"])
    expect(result).toMatchObject({ code: 0, stdout: `${manifest.version}\n`, stderr: "" })
  })

  it("an unknown command is a usage error without --json too", async () => {
    const result = await batchops(["frobnicate"])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown command "frobnicate"')
  })
})

describe("batchops process (bad input: exit 1, an incident naming the stage)", () => {
  const expectIncident = async (args: ReadonlyArray<string>, stage: string, message: RegExp, knownError?: string) => {
    const { code, json } = await processJson(args)
    expect(code).toBe(1)
    expect(json.status).toBe("failed")
    expect(json.reports).toBeNull()
    expect(json.incident.stage).toBe(stage)
    expect(json.incident.error).toMatch(message)
    if (knownError) expect(json.incident.knownError).toBe(knownError)
    const failed = json.stages.findIndex((s: { status: string }) => s.status === "failed")
    expect(json.stages[failed].name).toBe(stage)
    for (const later of json.stages.slice(failed + 1)) expect(later.status).toBe("skipped")
    return json
  }

  it("an empty file", async () => {
    await expectIncident([await write("empty.csv", "")], "standardize_results", /empty/, "empty-file")
  })

  it("an image renamed .csv", async () => {
    const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex")
    await expectIncident([await write("photo.csv", png)], "standardize_results", /PNG image/, "unsupported-format")
  })

  it("a truncated XLSX", async () => {
    const wb = XLSX.utils.book_new()
    XLSX.utils.book_append_sheet(
      wb,
      XLSX.utils.aoa_to_sheet([["Student ID", "Score"], ...Array.from({ length: 500 }, (_, i) => [`S${i}`, i])]),
      "Grades",
    )
    const bytes: Buffer = XLSX.write(wb, { type: "buffer", bookType: "xlsx" })
    const file = await write("cut.xlsx", bytes.subarray(0, Math.floor(bytes.length / 2)))
    await expectIncident([file], "standardize_results", /damaged|truncated|could not be read/i)
  })

  it("a PDF with no table", async () => {
    const bytes = await pdf((doc) =>
      doc.fontSize(12).text("Dear parents, the school trip is on Friday. Please bring lunch."),
    )
    await expectIncident([await write("letter.pdf", bytes)], "standardize_results", /no table|no text/i, "pdf-no-table")
  })

  it("an encrypted PDF", async () => {
    const bytes = await pdf((doc) => doc.text("Student ID   Score"), { userPassword: "secret", ownerPassword: "owner" })
    await expectIncident([await write("locked.pdf", bytes)], "standardize_results", /password/i, "pdf-encrypted")
  })

  it("a header-only CSV", async () => {
    await expectIncident(
      [await write("header.csv", "Student ID,Score\r\n")],
      "standardize_results",
      /no data rows/,
      "header-only",
    )
  })

  it("ragged rows", async () => {
    const file = await write("ragged.csv", "Student ID,Name,Score\nS1,Ann,80\nS2,Smith, John,75\nS3,Bo,60\n")
    await expectIncident([file], "standardize_results", /more cells than the header.*row 3/, "ragged-rows")
  })

  it("a 10 MB single cell", async () => {
    const file = await write("huge.csv", `Student ID,Notes,Score\nS1,"${"x".repeat(10 * 1024 * 1024)}",80\n`)
    await expectIncident([file], "standardize_results", /row 2, column notes/, "oversized-cell")
  })

  it("a delete plan whose rules are not a list", async () => {
    const args = ["examples/data/gradebook.csv", "--plan", "delete", "--config", '{"rules":"class=9A"}']
    await expectIncident(args, "transform_gradebook", /process_config\.rules/, "invalid-plan")
  })

  it("an append record with an unknown column", async () => {
    const args = [
      "examples/data/gradebook.csv",
      "--plan",
      "append",
      "--config",
      '{"records":[{"Student ID":"S9","Shoe size":"42"}]}',
    ]
    await expectIncident(args, "transform_gradebook", /records\[0\].*"Shoe size" is not a column/, "invalid-plan")
  })

  it("a gradebook without student ids in some rows", async () => {
    const file = await write("noid.csv", "Student ID,Score\nS1,80\n,75\nN/A,60\n")
    await expectIncident(
      [file],
      "validate_results",
      /student_id is missing in 2 rows \(row 3, 4\)/,
      "missing-student-id",
    )
  })
})
