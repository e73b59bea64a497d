/** The messages between the fuzz campaign and its case runners (child processes, over IPC). */
import type { Verdict } from "./Outcome.js"

/** Run case `index` of campaign `seed`, or a kept file. */
export type RunnerRequest =
  | { readonly type: "case"; readonly seed: number; readonly index: number }
  | { readonly type: "file"; readonly file: string }

export type RunnerMessage =
  | { readonly type: "ready" }
  /** the case's file is written at `file` and is being run */
  | { readonly type: "started"; readonly file: string; readonly format: string; readonly mutations: string }
  | { readonly type: "finished"; readonly verdict: Verdict }
  /** the runner is about to exit: a crash or an unhandled rejection while running the case */
  | { readonly type: "crashed"; readonly reason: string }
