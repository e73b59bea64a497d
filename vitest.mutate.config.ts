import { defineConfig } from "vitest/config"
import base from "./vitest.config.js"

/**
 * The tests `npm run mutate` runs against each mutant: the unit tests of the modules that state
 * the product's rules (no database, no browser), so a mutant is judged in seconds.
 */
export const MUTATION_TESTS = [
  "packages/core/test/Coerce.test.ts",
  // coercion is stated through the stages that apply it
  "packages/core/test/Normalize.test.ts",
  "packages/core/test/ValidateResults.test.ts",
  "packages/core/test/TransformGradebook.test.ts",
  "packages/core/test/RealWorldText.test.ts",
  "packages/core/test/Statistics.test.ts",
  "packages/core/test/GenerateSummary.test.ts",
  "packages/core/test/MassChangeGuard.test.ts",
  "packages/core/test/KnownError.test.ts",
  "packages/core/test/KnownErrorTrial.test.ts",
  "packages/core/test/Schedule.test.ts",
  "packages/parsers/test/CsvParser.test.ts",
  "packages/reports/test/CsvFormat.test.ts",
  "packages/accounts/test/SignInLimits.test.ts",
  "packages/server/test/api/Access.test.ts",
]

// the base config with its own test list (merging would add to the base's list, not replace it)
export default defineConfig({
  ...base,
  test: { ...base.test, include: MUTATION_TESTS, reporters: ["default"], outputFile: {} },
})
