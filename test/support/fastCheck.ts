/**
 * Every property test runs from a fixed seed, so a run is the same run on every machine and a
 * failure in CI is the failure you get at your desk. `BATCHOPS_FC_SEED=<n>` explores another
 * seed (`BATCHOPS_FC_SEED=random` a fresh one each run); when that finds a counterexample,
 * keep it as a regression case: add it to the property's `examples` (fast-check runs those
 * first, every time) and fix the rule.
 */
import fc from "fast-check"

const FIXED_SEED = 20_261_207

const chosen = process.env.BATCHOPS_FC_SEED
const seed = chosen === undefined || chosen === "" ? FIXED_SEED : chosen === "random" ? undefined : Number(chosen)
if (seed !== undefined && !Number.isInteger(seed)) {
  throw new Error(`BATCHOPS_FC_SEED must be an integer or "random", got "${chosen}"`)
}
if (seed !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed })
