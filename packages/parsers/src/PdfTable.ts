/**
 * Finds the table in the text of a PDF. PDFs have no tables, only text drawn at positions,
 * so the table is rebuilt from geometry:
 *
 * 1. Text pieces on the same baseline form a line; a line splits into cells where the gap
 *    between pieces is wider than a word space.
 * 2. Consecutive lines whose cells fall under the same columns form a block. A line breaks
 *    the block when it is far below the previous one, or a cell of it spans two columns.
 * 3. The table is the largest block; blocks on other pages (and further blocks on the same
 *    page) with the same columns continue it.
 * 4. A line with fewer cells than the table, closer below a row than rows are to each other
 *    (or continuing a fragment that ends in "-", "_" or "/"), continues that row's cells.
 * 5. A header row repeated at the top of each page is dropped.
 *
 * Coordinates are PDF points with y growing upwards.
 */

/** One run of text as the PDF draws it. */
export interface TextPiece {
  readonly text: string
  /** left edge */
  readonly x: number
  /** baseline */
  readonly y: number
  readonly width: number
  /** font size */
  readonly size: number
}

interface Cell {
  readonly text: string
  readonly x0: number
  readonly x1: number
}

interface Line {
  readonly y: number
  readonly size: number
  readonly cells: ReadonlyArray<Cell>
}

interface Column {
  x0: number
  x1: number
}

interface Block {
  readonly page: number
  readonly lines: Array<Line>
  /** distances between consecutive lines, sorted */
  readonly gaps: Array<number>
  /** disjoint, left to right */
  readonly columns: Array<Column>
  /** lines with two or more cells */
  rows: number
}

/** Lines on a baseline within this share of the font size are one line. */
const BASELINE_TOLERANCE = 0.45
/** A gap wider than this share of the font size separates two cells. */
const CELL_GAP = 0.5
/** A gap wider than this share of the font size is a word space inside a cell. */
const WORD_GAP = 0.15
/** A line further below than this many font sizes (or 1.8 typical line gaps) starts a new block. */
const BLOCK_GAP = 2.6
/** A line closer than this share of the row pitch below a row continues it. */
const CONTINUATION_GAP = 0.8

const sortedMedian = (sorted: ReadonlyArray<number>): number => {
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const median = (values: ReadonlyArray<number>): number =>
  values.length === 0 ? Number.NaN : sortedMedian([...values].sort((a, b) => a - b))

const insertSorted = (sorted: Array<number>, value: number) => {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >> 1
    if (sorted[middle]! < value) low = middle + 1
    else high = middle
  }
  sorted.splice(low, 0, value)
}

/**
 * Cleans the pieces: drops blank ones, estimates a missing width, splits pieces at runs of
 * three or more spaces (text laid out with spaces).
 */
const splitPieces = (pieces: ReadonlyArray<TextPiece>): Array<TextPiece> => {
  const out: Array<TextPiece> = []
  for (const original of pieces) {
    if (original.text.trim() === "") continue
    const piece = original.width > 0 ? original : { ...original, width: original.text.length * original.size * 0.5 }
    if (!/\S {3,}\S/.test(piece.text)) {
      out.push(piece)
      continue
    }
    const charWidth = piece.width / piece.text.length
    for (const match of piece.text.matchAll(/\S+(?: {1,2}\S+)*/g)) {
      out.push({
        text: match[0],
        x: piece.x + match.index * charWidth,
        y: piece.y,
        width: match[0].length * charWidth,
        size: piece.size,
      })
    }
  }
  return out
}

/** Text drawn twice at almost the same place (a "bold" or shadow effect) is one piece. */
const isEcho = (piece: TextPiece, previous: TextPiece | undefined) =>
  previous !== undefined &&
  piece.text === previous.text &&
  Math.abs(piece.x - previous.x) < 0.25 * piece.size &&
  Math.abs(piece.y - previous.y) < 0.25 * piece.size

/** Groups a page's pieces into lines, top to bottom, each split into cells. */
export const pageLines = (pieces: ReadonlyArray<TextPiece>): Array<Line> => {
  const sorted = splitPieces(pieces).sort((a, b) => b.y - a.y || a.x - b.x)
  const groups: Array<Array<TextPiece>> = []
  let current: Array<TextPiece> = []
  let baseline = Number.NaN
  for (const piece of sorted) {
    const tolerance = BASELINE_TOLERANCE * Math.min(piece.size, current[0]?.size ?? piece.size)
    if (current.length > 0 && Math.abs(baseline - piece.y) <= tolerance) {
      current.push(piece)
    } else {
      if (current.length > 0) groups.push(current)
      current = [piece]
      baseline = piece.y
    }
  }
  if (current.length > 0) groups.push(current)
  return groups.map((pieces) => {
    const sorted = [...pieces].sort((a, b) => a.x - b.x)
    const group = sorted.filter(
      (piece, i) => !sorted.slice(Math.max(0, i - 3), i).some((before) => isEcho(piece, before)),
    )
    const cells: Array<Cell> = []
    let text = ""
    let x0 = 0
    let x1 = 0
    let size = 0
    for (const piece of group) {
      const gap = piece.x - x1
      if (text !== "" && gap <= CELL_GAP * Math.min(size, piece.size)) {
        const space = gap > WORD_GAP * piece.size && !text.endsWith(" ") && !piece.text.startsWith(" ")
        text += (space ? " " : "") + piece.text
        x1 = Math.max(x1, piece.x + piece.width)
      } else {
        if (text !== "") cells.push({ text: text.replace(/\s+/g, " ").trim(), x0, x1 })
        text = piece.text
        x0 = piece.x
        x1 = piece.x + piece.width
      }
      size = piece.size
    }
    if (text !== "") cells.push({ text: text.replace(/\s+/g, " ").trim(), x0, x1 })
    return {
      y: median(group.map((piece) => piece.y)),
      size: Math.max(...group.map((piece) => piece.size)),
      cells,
    }
  })
}

const overlaps = (cell: Cell, column: Column) => cell.x0 < column.x1 && cell.x1 > column.x0

/**
 * The column of `columns` each cell falls under (-1 for a cell in a gap between columns), or
 * undefined when a cell spans two columns or two cells fall under one.
 */
const mapCells = (columns: ReadonlyArray<Column>, cells: ReadonlyArray<Cell>): Array<number> | undefined => {
  const used = new Set<number>()
  const mapping: Array<number> = []
  for (const cell of cells) {
    let found = -1
    for (let c = 0; c < columns.length; c++) {
      if (!overlaps(cell, columns[c]!)) continue
      if (found >= 0) return undefined
      found = c
    }
    if (found >= 0) {
      if (used.has(found)) return undefined
      used.add(found)
    }
    mapping.push(found)
  }
  return mapping
}

/** Adds a line to a block when its cells fall under the block's columns, widening and adding columns. */
const extend = (block: Block, line: Line): boolean => {
  const previous = block.lines[block.lines.length - 1]!
  const gap = previous.y - line.y
  const typical = block.gaps.length > 0 ? sortedMedian(block.gaps) : 0
  const limit = Math.max(BLOCK_GAP * Math.max(previous.size, line.size), 1.8 * typical)
  if (gap > limit) return false
  const mapping = mapCells(block.columns, line.cells)
  if (mapping === undefined) return false
  const matched = mapping.filter((c) => c >= 0).length
  // A line may open new columns only when it also lines up with existing ones.
  if (matched < mapping.length && (line.cells.length < 2 || matched < 2)) return false
  line.cells.forEach((cell, i) => {
    const c = mapping[i]!
    if (c >= 0) {
      const column = block.columns[c]!
      column.x0 = Math.min(column.x0, cell.x0)
      column.x1 = Math.max(column.x1, cell.x1)
    } else {
      block.columns.push({ x0: cell.x0, x1: cell.x1 })
    }
  })
  block.columns.sort((a, b) => a.x0 - b.x0)
  block.lines.push(line)
  insertSorted(block.gaps, gap)
  if (line.cells.length >= 2) block.rows++
  return true
}

/** Splits a page's lines into blocks of column-aligned lines. A block starts at a line with two or more cells. */
const pageBlocks = (page: number, lines: ReadonlyArray<Line>): Array<Block> => {
  const blocks: Array<Block> = []
  let block: Block | undefined
  for (const line of lines) {
    if (block !== undefined && extend(block, line)) continue
    if (block !== undefined) blocks.push(block)
    block =
      line.cells.length >= 2
        ? { page, lines: [line], gaps: [], columns: line.cells.map((cell) => ({ x0: cell.x0, x1: cell.x1 })), rows: 1 }
        : undefined
  }
  if (block !== undefined) blocks.push(block)
  return blocks
}

/**
 * For each of the block's columns, the table column it falls under (-1 for one in a gap
 * between the table's columns); undefined when a block column spans two table columns or
 * two fall under one.
 */
const columnMap = (table: ReadonlyArray<Column>, block: Block): Array<number> | undefined => {
  const map: Array<number> = []
  const used = new Set<number>()
  for (const column of block.columns) {
    const matches: Array<number> = []
    table.forEach((candidate, c) => {
      if (column.x0 < candidate.x1 && column.x1 > candidate.x0) matches.push(c)
    })
    if (matches.length > 1) return undefined
    const match = matches[0] ?? -1
    if (match >= 0 && used.has(match)) return undefined
    used.add(match)
    map.push(match)
  }
  return map
}

const JOINS_NEXT = /[-_/]$/
const JOINS_PREVIOUS = /^[-_/]/
const IDENTIFIER_PART = /^[\p{L}\p{N}][\p{L}\p{N}._\-/#]*$/u

const identifierPart = (text: string) => IDENTIFIER_PART.test(text) && /\p{N}/u.test(text)

/** Joins a cell's fragments from consecutive lines: no space inside identifiers ("STU-2024-" + "0017"). */
export const joinFragments = (before: string, after: string): string => {
  if (before === "") return after
  if (after === "") return before
  if (JOINS_NEXT.test(before) || JOINS_PREVIOUS.test(after) || (identifierPart(before) && identifierPart(after))) {
    return before + after
  }
  return `${before} ${after}`
}

interface Row {
  readonly cells: Array<string>
  /** distance from the line above (within the block) */
  readonly gap: number
}

const filled = (cells: ReadonlyArray<string>) => cells.filter((cell) => cell !== "").length

/** Turns a block into rows of the table's width, joining continuation lines into the row above. */
const blockRows = (block: Block, map: ReadonlyArray<number>, width: number, pitch: number): Array<Row> => {
  const rows: Array<Row> = []
  let previous: Line | undefined
  for (const line of block.lines) {
    const cells: Array<string> = new Array(width).fill("")
    for (const cell of line.cells) {
      let best = -1
      let bestOverlap = -1
      block.columns.forEach((column, c) => {
        const overlap = Math.min(cell.x1, column.x1) - Math.max(cell.x0, column.x0)
        if (overlap > bestOverlap) {
          bestOverlap = overlap
          best = c
        }
      })
      const target = map[best]!
      cells[target] = cells[target] === "" ? cell.text : `${cells[target]} ${cell.text}`
    }
    const gap = previous === undefined ? Number.POSITIVE_INFINITY : previous.y - line.y
    previous = line
    const row = rows[rows.length - 1]
    if (row !== undefined && line.cells.length < width && continues(row, cells, gap, pitch)) {
      cells.forEach((text, c) => {
        if (text !== "") row.cells[c] = joinFragments(row.cells[c]!, text)
      })
    } else {
      rows.push({ cells, gap })
    }
  }
  // Stray lines with few cells before the first row or after the last one, set apart, are not the table's.
  while (rows.length > 0 && filled(rows[0]!.cells) * 2 <= width) rows.shift()
  while (
    rows.length > 0 &&
    filled(rows[rows.length - 1]!.cells) * 2 <= width &&
    rows[rows.length - 1]!.gap > 1.3 * pitch
  )
    rows.pop()
  return rows
}

/** A line continues the row above when it sits closer than rows do, or every piece finishes a fragment ending in - _ /. */
const continues = (row: Row, cells: ReadonlyArray<string>, gap: number, pitch: number): boolean => {
  if (gap < CONTINUATION_GAP * pitch) return true
  return cells.every((text, c) => text === "" || JOINS_NEXT.test(row.cells[c]!))
}

const sameRow = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((cell, i) => cell.replace(/\s+/g, "") === b[i]!.replace(/\s+/g, ""))

/**
 * The table in the pages' text, header first, as rows of equal length; undefined when no
 * block of at least two column-aligned lines with two or more cells exists.
 */
export const extractTable = (pages: ReadonlyArray<ReadonlyArray<TextPiece>>): Array<Array<string>> | undefined => {
  const blocks = pages.flatMap((pieces, page) => pageBlocks(page, pageLines(pieces)))
  let main: Block | undefined
  for (const block of blocks) {
    if (block.rows >= 2 && (main === undefined || block.rows > main.rows)) main = block
  }
  if (main === undefined) return undefined

  // Blocks that may continue the table: any with two or more rows, or the largest on its page.
  const largestOnPage = new Map<number, Block>()
  for (const block of blocks) {
    const largest = largestOnPage.get(block.page)
    if (largest === undefined || block.rows > largest.rows) largestOnPage.set(block.page, block)
  }
  const candidates = blocks.filter((block) => block.rows >= 2 || largestOnPage.get(block.page) === block)

  // The table's columns: the largest block's, plus columns another fragment of two or more
  // rows has in a gap between them (a column left empty on the largest block's page).
  const table: Array<Column> = main.columns.map((column) => ({ ...column }))
  for (const block of candidates) {
    const map = block === main || block.rows < 2 ? undefined : columnMap(table, block)
    if (map === undefined || map.filter((c) => c >= 0).length < 2) continue
    block.columns.forEach((column, i) => {
      if (map[i] === -1) table.push({ ...column })
    })
    table.sort((a, b) => a.x0 - b.x0)
  }
  const width = table.length

  const parts: Array<{ block: Block; map: Array<number> }> = []
  for (const block of candidates) {
    const map = columnMap(table, block)
    if (map === undefined || map.some((c) => c < 0)) continue
    parts.push({ block, map })
  }

  // The row pitch: the usual distance between consecutive lines that both have two or more cells.
  const gaps: Array<number> = []
  for (const { block } of parts) {
    for (let i = 1; i < block.lines.length; i++) {
      const [above, below] = [block.lines[i - 1]!, block.lines[i]!]
      if (above.cells.length >= 2 && below.cells.length >= 2) gaps.push(above.y - below.y)
    }
  }
  const pitch = gaps.length > 0 ? median(gaps) : Number.POSITIVE_INFINITY

  const rows: Array<Array<string>> = []
  let header: Array<string> | undefined
  for (const { block, map } of parts) {
    const blockRowsList = blockRows(block, map, width, pitch)
    if (header !== undefined && blockRowsList.length > 0 && sameRow(blockRowsList[0]!.cells, header))
      blockRowsList.shift()
    for (const row of blockRowsList) {
      if (header === undefined) header = row.cells
      rows.push(row.cells)
    }
  }
  return rows.length >= 2 ? rows : undefined
}
