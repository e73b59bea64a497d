/**
 * The rows of a sheet SheetJS has read whole (legacy .xls, at most 65,536 rows, and binary
 * .xlsb), with the same cell rules as the streamed formats (WorkbookCells).
 */
import type * as SheetJS from "xlsx"
import type { SheetRow, SheetRows } from "./SheetXml.js"
import { ERROR_VALUES, formatKind, isoDateText, numberText } from "./WorkbookCells.js"

/** A cell as the record's text, null when empty, "error" for an error value. */
const cellValue = (cell: SheetJS.CellObject | undefined | null, date1904: boolean): string | null | "error" => {
  if (cell === undefined || cell === null || cell.v === undefined || cell.v === null) return null
  switch (cell.t) {
    case "n":
      return typeof cell.v === "number" ? numberText(cell.v, formatKind(String(cell.z ?? "General")), date1904) : null
    case "b":
      return cell.v ? "TRUE" : "FALSE"
    case "e":
      return "error"
    case "d":
      return cell.v instanceof Date ? isoDateText(cell.v.toISOString()) : isoDateText(String(cell.v))
    case "s": {
      const text = String(cell.v)
      return cell.f !== undefined && ERROR_VALUES.has(text.trim()) ? "error" : text
    }
    default:
      return null
  }
}

/** The rows of a dense SheetJS sheet, from A1 to its last row. */
export const sheetJSRows = (sheet: SheetJS.WorkSheet, date1904: boolean): SheetRows => {
  const data = sheet["!data"] ?? []
  let index = 0
  return {
    nextRow: (): SheetRow | undefined => {
      while (index < data.length) {
        const row = data[index]
        index += 1
        if (row === undefined || row === null) continue
        const cells: Array<string | null> = []
        let errors = 0
        for (let c = 0; c < row.length; c++) {
          const value = cellValue(row[c], date1904)
          if (value === "error") errors += 1
          cells.push(value === "error" ? null : value)
        }
        return { index: index - 1, cells, errors }
      }
      return undefined
    },
  }
}
