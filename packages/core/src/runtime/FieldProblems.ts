/**
 * A schema's refusal as the fields at fault: each with its path (`a.b.0`) and what is wrong,
 * for an answer that names them (a 400's `fields`, a job's `params.<field>`).
 */
import { Schema, SchemaIssue } from "effect"

/** One refused field: its path (empty for the value itself) and the problem. */
export interface FieldProblem {
  readonly path: string
  readonly message: string
}

/** Field problems as a schema, for an error that carries them. */
export const FieldProblems = Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))

/** Every field problem of a schema failure; a problem with the value itself gets `root` as its path, when given. */
export const schemaProblems = (error: Schema.SchemaError, root?: string): ReadonlyArray<FieldProblem> =>
  SchemaIssue.makeFormatterStandardSchemaV1()(error.issue).issues.map((issue) => {
    const path = (issue.path ?? []).map((p) => String(typeof p === "object" && p !== null ? p.key : p)).join(".")
    return { path: root === undefined ? path : path === "" ? root : path, message: issue.message }
  })
