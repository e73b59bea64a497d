// The code shown in docs/*.md and the packages' READMEs between `<!-- snippet: name.ts -->` and
// `<!-- /snippet -->` is the file docs/snippets/name.ts, which the test suite runs. This copies
// each file into the pages that show it; `--check` only reports pages that differ from their
// files (exit 1).
//
//   node scripts/snippets.mjs [--check]
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const docs = fileURLToPath(new URL("../docs/", import.meta.url))
const block = /<!-- snippet: ([\w.-]+) -->\n[\s\S]*?<!-- \/snippet -->/g

/** The page's text with every snippet block holding its file's current text. */
export const withSnippets = (page) =>
  page.replace(block, (_, name) => {
    const code = readFileSync(`${docs}snippets/${name}`, "utf8").trimEnd()
    return `<!-- snippet: ${name} -->\n\`\`\`${name.endsWith(".mjs") ? "js" : "ts"}\n${code}\n\`\`\`\n<!-- /snippet -->`
  })

/**
 * The TypeScript and JavaScript blocks a page shows outside snippet blocks (shorter examples
 * that are checked where they are, not run).
 */
export const codeBlocks = (page) =>
  [...page.replace(block, "").matchAll(/```(?:ts|js|mjs)\n([\s\S]*?)```/g)].map((match) => match[1])

/** The names of the snippets a page shows. */
export const snippetNames = (page) => [...page.matchAll(block)].map((match) => match[1])

const root = fileURLToPath(new URL("../", import.meta.url))

/** The pages that may show snippets, relative to the repository: docs/*.md and packages/<name>/README.md. */
export const snippetPages = () => [
  ...readdirSync(docs)
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
  ...readdirSync(`${root}packages`)
    .map((name) => `packages/${name}/README.md`)
    .filter((page) => existsSync(`${root}${page}`)),
]

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check")
  const stale = []
  for (const name of snippetPages()) {
    const page = readFileSync(`${root}${name}`, "utf8")
    const updated = withSnippets(page)
    if (updated === page) continue
    stale.push(name)
    if (!check) writeFileSync(`${root}${name}`, updated)
  }
  if (check && stale.length > 0) {
    console.error(`these pages show stale snippets (run node scripts/snippets.mjs): ${stale.join(", ")}`)
    process.exit(1)
  }
  console.log(check ? "snippets: every page matches its files" : `snippets: updated ${stale.length} page(s)`)
}
