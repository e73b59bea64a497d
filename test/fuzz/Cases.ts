/**
 * The fuzzer's cases: case `index` of campaign `seed` is a seed file of one of the four
 * formats (in turn, so every format gets a quarter of any campaign) with mutations drawn
 * from the case's own random stream. The same seed and index make the same bytes on any
 * machine.
 */
import { mutate } from "./Mutations.js"
import { caseRandom } from "./Random.js"
import { SEED_FORMATS, type SeedFormat, seedFile } from "./SeedFiles.js"

export interface FuzzCase {
  readonly index: number
  readonly format: SeedFormat
  /** `<seed>-<index>.<format>`: the name the pipeline is given, and the kept file's */
  readonly name: string
  /** what was done to the seed file, e.g. "zip:remove-entry(xl/styles.xml) + bit-flips(3)" */
  readonly mutations: string
  readonly bytes: Uint8Array
}

export const fuzzCase = async (seed: number, index: number): Promise<FuzzCase> => {
  const format = SEED_FORMATS[index % SEED_FORMATS.length]!
  const random = caseRandom(seed, index)
  const { bytes, label } = mutate(random, format, await seedFile(random, format))
  return { index, format, name: `${seed}-${index}.${format}`, mutations: label, bytes }
}
