/**
 * Assertions on a run's step log that work under any test framework (vitest, node:test,
 * a plain script): they throw an AssertionError-like error whose message says what was
 * expected and what the run did.
 */
import type { PipelineResult, StepLog, StepStatus } from "@batchops/core"

/** A failed expectation about a run (`code` is "ERR_ASSERTION", as node's assertions have it). */
export class StepAssertionError extends Error {
  readonly code = "ERR_ASSERTION"
  readonly actual: unknown
  readonly expected: unknown
  constructor(message: string, actual: unknown, expected: unknown) {
    super(message)
    this.name = "AssertionError"
    this.actual = actual
    this.expected = expected
  }
}

/** A pipeline result, or anything that holds one (a plugin run, a stage outcome). */
export type HasResult = PipelineResult | { readonly result: PipelineResult }

const resultOf = (run: HasResult): PipelineResult => ("result" in run ? run.result : run)

const show = (value: unknown): string =>
  value === undefined ? "undefined" : typeof value === "bigint" ? `${value}n` : JSON.stringify(value)

/** The step log entry of a stage; throws, listing the stages that ran, when there is none. */
export const stepOf = (run: HasResult, name: string): StepLog => {
  const result = resultOf(run)
  const found = result.stages.find((step) => step.name === name)
  if (found === undefined) {
    const steps = result.stages.map((step) => `${step.name} (${step.status})`).join(", ")
    throw new StepAssertionError(`no step "${name}" in the run; its steps: ${steps || "none"}`, undefined, name)
  }
  return found
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Where `actual` differs from the partial `expected` (objects: only the keys expected), or undefined. */
const difference = (actual: unknown, expected: unknown, path: string): string | undefined => {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return `${path} is ${show(actual)}, expected an object like ${show(expected)}`
    for (const key of Object.keys(expected)) {
      const found = difference(actual[key], expected[key], `${path}.${key}`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return `${path} is ${show(actual)}, expected ${show(expected)}`
    }
    for (let i = 0; i < expected.length; i++) {
      const found = difference(actual[i], expected[i], `${path}[${i}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  return Object.is(actual, expected) ? undefined : `${path} is ${show(actual)}, expected ${show(expected)}`
}

/** What a step is expected to be: its status, and facts its log holds (a partial match, nested). */
export interface StepExpectation {
  readonly status?: StepStatus
  readonly log?: Readonly<Record<string, unknown>>
}

/**
 * Check a stage's step: its status and the facts of its log (keys not named are ignored;
 * nested objects match partially too, arrays exactly). Returns the step; throws a
 * StepAssertionError naming the first difference.
 */
export const expectStep = (run: HasResult, name: string, expected: StepExpectation): StepLog => {
  const step = stepOf(run, name)
  if (expected.status !== undefined && step.status !== expected.status) {
    const incident = resultOf(run).incident
    const why = incident !== null ? ` (the run failed in ${incident.stage}: ${incident.error})` : ""
    throw new StepAssertionError(
      `step "${name}" is ${step.status}, expected ${expected.status}${why}`,
      step.status,
      expected.status,
    )
  }
  if (expected.log !== undefined) {
    const found = difference(step.log, expected.log, "log")
    if (found !== undefined) {
      throw new StepAssertionError(`step "${name}": ${found}; its log: ${show(step.log)}`, step.log, expected.log)
    }
  }
  return step
}
