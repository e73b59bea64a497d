/** Turn a Schema decoding failure into one line that names the field: `rules[0].column: Expected string`. */
export const schemaMessage = (error: unknown, root: string): string => {
  const text = error instanceof Error ? error.message : String(error)
  const lines = text.split("\n")
  const parts: Array<string> = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line.startsWith("at ")) continue
    const at = lines[i + 1]?.trim()
    const path = at?.startsWith("at ")
      ? at
          .slice(3)
          .replace(/\["([^"\]]*)"\]/g, ".$1")
          .replace(/^\./, "")
      : ""
    parts.push(`${path ? `${root}.${path}` : root}: ${line.charAt(0).toLowerCase()}${line.slice(1)}`)
  }
  return parts.join("; ")
}
