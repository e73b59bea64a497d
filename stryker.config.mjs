// @ts-check
/**
 * Mutation testing of the modules that state BatchOps' rules: each one-line change Stryker makes
 * to them must make a test fail, or be listed in test/mutation/survivors.json with why it
 * changes nothing (or why it is accepted). `npm run mutate` tests every mutant and keeps the
 * results in test/mutation/stryker-incremental.json; `npm test` then tests only the mutants whose
 * code or tests changed since (`npm run mutate:changed`). The scores are in docs/testing.md.
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts" },
  coverageAnalysis: "perTest",
  mutate: [
    "packages/core/src/pipeline/Coerce.ts",
    "packages/core/src/pipeline/Statistics.ts",
    "packages/core/src/pipeline/MassChangeGuard.ts",
    "packages/core/src/known-errors/KnownError.ts",
    "packages/core/src/schedules/Schedule.ts",
    // the delimiter choice of the CSV parser
    "packages/parsers/src/CsvParser.ts:170-240",
    "packages/reports/src/CsvFormat.ts",
    "packages/accounts/src/SignInLimits.ts",
    // the role check every route goes through
    "packages/server/src/api/Api.ts:23-34",
  ],
  ignorePatterns: ["/test-artifacts", "/.vitest", "/reports", "/docs", "/bench", "/.batchops*"],
  // no tsconfig to rewrite in the sandbox: the tests reach the sources through vitest's aliases
  // (and the TypeScript installed here is the native compiler, without the JS API Stryker
  // would read a tsconfig with)
  tsconfigFile: "tsconfig.none.json",
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  thresholds: { high: 90, low: 85, break: null },
  concurrency: 2,
  // a mutant that loops (a schedule that never advances) is a timeout, counted as caught: 5 s is
  // far beyond any test here, and keeps a run of them short
  timeoutMS: 5_000,
  tempDirName: ".stryker-tmp",
  // the results of the last full run, kept in the repository: a later run reuses the result of
  // every mutant whose code and covering tests did not change
  incremental: true,
  incrementalFile: "test/mutation/stryker-incremental.json",
  cleanTempDir: "always",
}
