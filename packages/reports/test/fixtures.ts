import type { Problem, PublishRequest, PublishResult, Row, Summary } from "@batchops/core"
import type { ReportDocument } from "@batchops/reports"

export const gradebookSummary: Summary = {
  rows: 3,
  columns: 4,
  numeric: [
    {
      column: "score",
      count: 3,
      missing: 0,
      mean: 87.5,
      std: 2.1213203435596424,
      min: 85,
      p25: 86.25,
      median: 87.5,
      p75: 88.75,
      max: 90,
    },
    {
      column: "absences",
      count: 1,
      missing: 2,
      mean: 3,
      std: undefined,
      min: 3,
      p25: 3,
      median: 3,
      p75: 3,
      max: 3,
    },
  ],
}

export const request = (overrides: Partial<PublishRequest> = {}): PublishRequest => ({
  fileName: "gradebook.csv",
  format: "csv",
  profile: "gradebook",
  plan: { mode: "transform", config: {} },
  output: "summary",
  columns: ["student_id", "name", "score", "absences"],
  startedAt: new Date("2024-05-01T09:00:00.000Z"),
  ...overrides,
})

export const result = (overrides: Partial<PublishResult> = {}): PublishResult => ({
  summary: gradebookSummary,
  preview: [],
  datasetRows: 3,
  problems: [],
  problemCount: 0,
  note: undefined,
  finishedAt: new Date("2024-05-01T09:00:02.500Z"),
  ...overrides,
})

export const report = (req: Partial<PublishRequest> = {}, res: Partial<PublishResult> = {}): ReportDocument => ({
  ...request(req),
  ...result(res),
})

const NAMES = ["José", "Nguyễn Văn An", "李华", "Amélie Dubois", "Ørjan Øvrebø", "Zoë Smith"]

export const studentRows = (count: number, from = 2): Array<Row> =>
  Array.from({ length: count }, (_, i) => ({
    number: from + i,
    cells: [
      `S${String(i + 1).padStart(5, "0")}`,
      NAMES[i % NAMES.length],
      60 + ((i * 7) % 41),
      i % 5 === 0 ? undefined : i % 4,
    ],
  }))

export const problem = (overrides: Partial<Problem> = {}): Problem => ({
  stage: "validate_data",
  plugin: "batchops",
  rule: "numeric",
  message: "'abc' is not a number",
  ...overrides,
})
