import { existsSync } from "node:fs"
import { Fonts } from "@batchops/reports"
import { describe, expect, it } from "vitest"

const face = (name: string, covers: (cp: number) => boolean): Fonts.Face => ({
  name,
  coverage: { hasGlyphForCodePoint: covers },
})

const latin = face("latin", (cp) => cp < 0x2e80)
const cjk = face("cjk", (cp) => cp >= 0x2e80 || cp === 0x20)

describe("Fonts", () => {
  it("finds the font files in the installed font package", () => {
    const files = Fonts.fontFiles()
    expect(files.regular).toMatch(/NotoSansHans-Regular\.otf$/)
    expect(files.bold).toMatch(/NotoSansHans-Bold\.otf$/)
    expect(existsSync(files.regular) && existsSync(files.bold)).toBe(true)
    expect(Fonts.fontData("regular").subarray(0, 4).toString("latin1")).toBe("OTTO")
  })

  it("picks the first face that has the glyphs, run by run", () => {
    expect(Fonts.splitRuns("José 李华 An", [latin, cjk])).toEqual([
      { face: "latin", text: "José " },
      { face: "cjk", text: "李华" },
      { face: "latin", text: " An" },
    ])
  })

  it("keeps combining marks with their letter and uncovered characters in the current run", () => {
    const noMarks = face("latin", (cp) => cp < 0x300)
    expect(Fonts.splitRuns("Nguye\u0302\u0303n", [noMarks, cjk])).toEqual([
      { face: "latin", text: "Nguye\u0302\u0303n" },
    ])
    const none = face("none", () => false)
    expect(Fonts.splitRuns("\u{1F600}ab", [latin, none])).toEqual([{ face: "latin", text: "\u{1F600}ab" }])
  })

  it("makes one run with a single face and none for an empty text", () => {
    expect(Fonts.splitRuns("李华 and José", [cjk])).toEqual([{ face: "cjk", text: "李华 and José" }])
    expect(Fonts.splitRuns("", [latin, cjk])).toEqual([])
  })
})
