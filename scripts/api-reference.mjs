// Writes the API reference into docs/reference/: one Markdown page per published entry point,
// read from the built declarations (dist/**/*.d.ts), and the server's OpenAPI document. tsc's
// declaration output is regular (one declaration per statement, its JSDoc just before), so a
// small reader of statements is enough; no compiler API is needed.
//
//   node scripts/api-reference.mjs [--build] [--out <dir>]
//
// `npm run docs:api` writes docs/reference; `npm run docs:api -- --build` first builds the packages'
// code and declarations (tsup, then npm run build:types), so one command brings it up to date.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

/** The pages: each published entry point, the package it belongs to and its declarations. */
/** core's concept folders: its subpath exports (`./pipeline` ...), as its package.json lists them. */
const CORE_CONCEPTS = Object.keys(
  JSON.parse(readFileSync(new URL("../packages/core/package.json", import.meta.url), "utf8")).exports,
)
  .filter((key) => key !== "." && key !== "./package.json")
  .map((key) => key.slice(2))
const ENTRY_POINTS = [
  // core's root page is an index by concept: each name links to its concept's page
  { page: "core", name: "@batchops/core", pkg: "core", entry: "dist/index.d.ts", byConcept: true },
  ...CORE_CONCEPTS.map((concept) => ({
    page: `core-${concept}`,
    name: `@batchops/core/${concept}`,
    pkg: "core",
    entry: `dist/${concept}/index.d.ts`,
    concept,
  })),
  { page: "parsers", name: "@batchops/parsers", pkg: "parsers", entry: "dist/index.d.ts" },
  { page: "automations", name: "@batchops/automations", pkg: "automations", entry: "dist/index.d.ts" },
  { page: "accounts", name: "@batchops/accounts", pkg: "accounts", entry: "dist/index.d.ts" },
  { page: "reports", name: "@batchops/reports", pkg: "reports", entry: "dist/index.d.ts" },
  { page: "store-sql", name: "@batchops/store-sql", pkg: "store-sql", entry: "dist/index.d.ts" },
  { page: "queue-bullmq", name: "@batchops/queue-bullmq", pkg: "queue-bullmq", entry: "dist/index.d.ts" },
  { page: "mailer-smtp", name: "@batchops/mailer-smtp", pkg: "mailer-smtp", entry: "dist/index.d.ts" },
  { page: "runner-node", name: "@batchops/runner-node", pkg: "runner-node", entry: "dist/index.d.ts" },
  { page: "server", name: "@batchops/server", pkg: "server", entry: "dist/index.d.ts" },
]

// ---------------------------------------------------------------------------------------------
// Reading statements

/** Index just past the string or comment starting at `i`, or `i` when none starts there. */
const skipLiteral = (source, i) => {
  const ch = source[i]
  if (ch === '"' || ch === "'") {
    let j = i + 1
    while (j < source.length && source[j] !== ch) j += source[j] === "\\" ? 2 : 1
    return j + 1
  }
  if (ch === "`") {
    let j = i + 1
    while (j < source.length && source[j] !== "`") {
      if (source[j] === "\\") j += 2
      else if (source.startsWith("${", j)) j = scanTo(source, j + 2, "}") + 1
      else j += 1
    }
    return j + 1
  }
  if (source.startsWith("/*", i)) {
    const end = source.indexOf("*/", i + 2)
    return end === -1 ? source.length : end + 2
  }
  if (source.startsWith("//", i)) {
    const end = source.indexOf("\n", i)
    return end === -1 ? source.length : end + 1
  }
  return i
}

const OPENERS = { "(": ")", "[": "]", "{": "}" }

/**
 * The index of `closer` at bracket depth 0 from `i` (strings, templates and comments skipped),
 * or, when `blockEnds`, of the `}` that closes the first block; the source's length when absent.
 */
const scanTo = (source, i, closer, blockEnds = false) => {
  let depth = 0
  let j = i
  while (j < source.length) {
    const next = skipLiteral(source, j)
    if (next !== j) {
      j = next
      continue
    }
    const ch = source[j]
    if (depth === 0 && ch === closer) return j
    if (ch in OPENERS) depth += 1
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth -= 1
      if (depth === 0 && ch === "}" && blockEnds) return j
    }
    j += 1
  }
  return source.length
}

/** Statements whose body is a block and that end with it, with no `;` after. */
const BLOCK_STATEMENT =
  /^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:const\s+enum|interface|class|namespace|module|enum|global)\b/

/** The text of a JSDoc comment without its delimiters and leading stars. */
const docText = (comment) =>
  comment
    .replace(/^\/\*\*/, "")
    .replace(/\*\/$/, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, "").trimEnd())
    .join("\n")
    .trim()

/** The top-level statements of a declaration file, each with the JSDoc right before it. */
export const readStatements = (source) => {
  const statements = []
  let doc
  let i = 0
  while (i < source.length) {
    if (/\s/.test(source[i])) {
      i += 1
    } else if (source.startsWith("/**", i) && !source.startsWith("/**/", i)) {
      const end = skipLiteral(source, i)
      doc = docText(source.slice(i, end))
      i = end
    } else if (source.startsWith("//", i) || source.startsWith("/*", i)) {
      i = skipLiteral(source, i)
    } else {
      const blockEnds = BLOCK_STATEMENT.test(source.slice(i, i + 200))
      const end = Math.min(scanTo(source, i, ";", blockEnds) + 1, source.length)
      statements.push({ doc, text: source.slice(i, end).replace(/;$/, "").trim() })
      doc = undefined
      i = end
    }
  }
  return statements
}

const DECLARATION =
  /^(export\s+)?(?:declare\s+)?(?:abstract\s+)?(const\s+enum|const|let|var|function|class|interface|type|namespace|module|enum)\s+([\w$]+)/
const FROM = String.raw`\s+from\s+["']([^"']+)["']`
const EXPORT_ALL = new RegExp(String.raw`^export\s+(?:type\s+)?\*${FROM}$`)
const EXPORT_NAMESPACE = new RegExp(String.raw`^export\s+(?:type\s+)?\*\s+as\s+([\w$]+)${FROM}$`)
const EXPORT_LIST = new RegExp(String.raw`^export\s+(?:type\s+)?\{([^}]*)\}(?:${FROM})?$`)
const IMPORT_LIST = new RegExp(
  String.raw`^import\s+(?:type\s+)?(?:([\w$]+)\s*,?\s*)?(?:\{([^}]*)\}|\*\s+as\s+([\w$]+))?${FROM}$`,
)

/** `a, type B, c as d` as [{ name, as }] */
const specifiers = (list) =>
  list
    .split(",")
    .map((item) => item.trim().replace(/^type\s+/, ""))
    .filter((item) => item !== "")
    .map((item) => {
      const [name, as = name] = item.split(/\s+as\s+/)
      return { name, as }
    })

const declare = (module, [, exported, kind, name], doc, text) => {
  const list = module.declarations.get(name) ?? []
  list.push({ kind: kind.replace(/\s+/, " "), name, exported: exported !== undefined, doc, text })
  module.declarations.set(name, list)
}

/** What each kind of statement adds to its module; a statement no pattern reads is an error. */
const STATEMENTS = [
  [
    IMPORT_LIST,
    (module, [, defaultName, list, namespace, from]) => {
      if (defaultName) module.imports.set(defaultName, { from, name: "default" })
      if (namespace) module.imports.set(namespace, { from, namespace: true })
      for (const { name, as } of specifiers(list ?? "")) module.imports.set(as, { from, name })
    },
  ],
  [/^import\s+["']/, () => {}],
  [EXPORT_NAMESPACE, (module, [, as, from]) => module.reexports.push({ kind: "namespace", as, from })],
  [EXPORT_ALL, (module, [, from]) => module.reexports.push({ kind: "all", from })],
  [
    EXPORT_LIST,
    (module, [, list, from]) => {
      for (const item of specifiers(list)) module.reexports.push({ kind: "named", ...item, from })
    },
  ],
  [
    /^export\s+default\s+([\w$]+)$/,
    (module, [, name]) => module.reexports.push({ kind: "named", name, as: "default" }),
  ],
  [DECLARATION, declare],
]

/**
 * One declaration file: its module comment, its declarations by name (exported or not), what
 * it imports, and what it re-exports.
 */
export const readModule = (source) => {
  const module = { doc: undefined, declarations: new Map(), imports: new Map(), reexports: [] }
  readStatements(source).forEach((statement, index) => {
    const { text } = statement
    // the file's opening comment documents the module, not the import or re-export after it
    const opensModule = index === 0 && /^(import|export\s+(type\s+)?[*{])/.test(text)
    if (opensModule) module.doc = statement.doc
    const rule = STATEMENTS.find(([pattern]) => pattern.test(text))
    if (rule === undefined) throw new Error(`cannot read the statement "${text.slice(0, 80)}"`)
    const [pattern, read] = rule
    read(module, pattern.exec(text), opensModule ? undefined : statement.doc, text)
  })
  return module
}

// ---------------------------------------------------------------------------------------------
// Following exports

/**
 * The exported names of `entry` (a .d.ts path), following re-exports: a map from name to
 * `{ name, declarations, file, module }` or, for `export * as N`, `{ name, namespace, file, module }`.
 * `resolvePackage` maps a bare specifier (`@batchops/core`) to its declaration file.
 */
export const collectExports = (entry, resolvePackage) => {
  const modules = new Map()
  const exportsCache = new Map()
  const load = (file) => {
    if (!modules.has(file)) {
      if (!existsSync(file))
        throw new Error(`missing declaration file ${file}: build the packages first (npm run build)`)
      try {
        modules.set(file, readModule(readFileSync(file, "utf8")))
      } catch (error) {
        throw new Error(`${file}: ${error.message}`)
      }
    }
    return modules.get(file)
  }
  const resolveFrom = (file, specifier) => {
    if (!specifier.startsWith(".")) {
      const target = resolvePackage(specifier)
      if (target === undefined) throw new Error(`${file}: cannot follow the re-export from "${specifier}"`)
      return target
    }
    const base = resolve(dirname(file), specifier.replace(/\.(c|m)?js$/, ""))
    if (existsSync(`${base}.d.ts`)) return `${base}.d.ts`
    if (existsSync(base) && statSync(base).isDirectory()) return join(base, "index.d.ts")
    throw new Error(`${file}: no declarations for "${specifier}"`)
  }
  // a name taken from another entry point (`@batchops/core`) says so on the page
  const entryOf = (specifier) => (specifier.startsWith(".") ? {} : { entryPoint: specifier })
  const lookup = (file, name, as, specifier) => {
    const found = exportsOf(resolveFrom(file, specifier)).get(name)
    if (found === undefined) throw new Error(`${file}: "${specifier}" does not export "${name}"`)
    return { entryPoint: undefined, ...found, name: as, ...entryOf(specifier) }
  }
  const exportsOf = (file) => {
    const cached = exportsCache.get(file)
    if (cached) return cached
    const module = load(file)
    const names = new Map()
    exportsCache.set(file, names)
    for (const [name, declarations] of module.declarations) {
      const exported = declarations.filter((declaration) => declaration.exported)
      if (exported.length > 0) names.set(name, { name, declarations: exported, file, module })
    }
    // named re-exports and namespaces first: `export *` never overrides a name given explicitly
    for (const item of module.reexports) {
      if (item.kind === "namespace") {
        const target = resolveFrom(file, item.from)
        names.set(item.as, { name: item.as, namespace: exportsOf(target), file: target, module: load(target) })
      } else if (item.kind === "named" && item.from !== undefined) {
        names.set(item.as, lookup(file, item.name, item.as, item.from))
      } else if (item.kind === "named") {
        const imported = module.imports.get(item.name)
        const local = module.declarations.get(item.name)
        if (local) names.set(item.as, { name: item.as, declarations: local, file, module })
        else if (imported && !imported.namespace)
          names.set(item.as, lookup(file, imported.name, item.as, imported.from))
        else if (imported) {
          // `import * as N from "./n.js"` then `export { N }`: a namespace, as `export * as N`
          const target = resolveFrom(file, imported.from)
          names.set(item.as, { name: item.as, namespace: exportsOf(target), file: target, module: load(target) })
        } else throw new Error(`${file}: cannot follow the export of "${item.name}"`)
      }
    }
    for (const item of module.reexports.filter((reexport) => reexport.kind === "all")) {
      for (const [name, found] of exportsOf(resolveFrom(file, item.from))) {
        if (name !== "default" && !names.has(name)) names.set(name, { ...found, ...entryOf(item.from) })
      }
    }
    return names
  }
  return { exports: exportsOf(entry), module: load(entry) }
}

// ---------------------------------------------------------------------------------------------
// Writing Markdown

const GROUPS = [
  { key: "values", title: "Functions and constants" },
  { key: "classes", title: "Classes and services" },
  { key: "types", title: "Interfaces and types" },
]

/** Where an exported name belongs: a class, else a value (a schema and its type read as one), else a type. */
const groupOf = (found) => {
  const kinds = new Set(found.declarations.map((declaration) => declaration.kind))
  if (kinds.has("class")) return "classes"
  if (["const", "let", "var", "function", "namespace", "module"].some((kind) => kinds.has(kind))) return "values"
  return "types"
}

const byName = (a, b) => {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  if (x !== y) return x < y ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
export const slugger = () => {
  const seen = new Map()
  return (heading) => {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-")
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    return count === 0 ? base : `${base}-${count}`
  }
}

/** Doc text as Markdown: `<` outside code spans is escaped so `<outDir>` is not read as HTML. */
const markdownText = (text) =>
  text
    .split(/(`[^`\n]*`)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/</g, "\\<")))
    .join("")

/** The declarations of a name as shown: the `X_base` a class extends first, `export` dropped. */
const declarationCode = (found) => {
  const parts = []
  for (const declaration of found.declarations) {
    if (declaration.kind === "class") {
      const base = /\bextends\s+([\w$]+)/.exec(declaration.text)?.[1]
      const local = base === undefined ? undefined : found.module.declarations.get(base)
      if (local?.every((item) => !item.exported)) parts.push(...local.map((item) => item.text))
    }
    parts.push(declaration.text)
  }
  return parts.map((text) => text.replace(/^export\s+/, "").replace(/\{\n\}$/, "{}")).join("\n")
}

const fence = (code) => {
  const ticks = "`".repeat(Math.max(3, ...[...code.matchAll(/`+/g)].map((run) => run[0].length + 1)))
  return `${ticks}ts\n${code}\n${ticks}`
}

/**
 * The Markdown page of one entry point. `sourceOf(file)` gives the link (relative to the page)
 * to the source a declaration file was built from, or undefined.
 */
const renderPage = ({ title, intro, generatedFrom, exports, sourceOf }) => {
  const slug = slugger()
  slug(title)
  slug("Contents")
  const lines = [`# ${title}`, ""]
  if (intro) lines.push(markdownText(intro), "")
  lines.push(`Generated from \`${generatedFrom}\` by \`npm run docs:api\`; do not edit by hand.`, "")

  const sections = []
  const grouped = (names, prefix) => {
    const groups = GROUPS.map((group) => ({ ...group, entries: [] }))
    const namespaces = []
    for (const found of [...names.values()].sort((a, b) => byName(a.name, b.name))) {
      const qualified = `${prefix}${found.name}`
      if (found.namespace) namespaces.push({ ...found, qualified })
      else groups.find((group) => group.key === groupOf(found)).entries.push({ ...found, qualified })
    }
    return { groups: groups.filter((group) => group.entries.length > 0), namespaces }
  }
  const top = grouped(exports, "")
  for (const group of top.groups) sections.push({ level: 2, title: group.title, entries: group.entries })
  for (const namespace of top.namespaces) {
    const inner = grouped(namespace.namespace, `${namespace.qualified}.`)
    if (inner.namespaces.length > 0) throw new Error(`nested namespace ${namespace.qualified} is not supported`)
    sections.push({ level: 2, title: `Namespace ${namespace.qualified}`, namespace, groups: inner.groups })
  }

  // the anchors are computed in the order the headings appear, as GitHub numbers repeats
  const anchors = new Map()
  const pageAnchors = new Map()
  const contents = []
  const body = []
  const renderEntries = (entries, level, namespaceFile) => {
    const links = []
    for (const entry of entries) {
      const anchor = slug(entry.qualified)
      pageAnchors.set(entry.qualified, anchor)
      links.push(`[${entry.qualified}](#${anchor})`)
      body.push(`${"#".repeat(level)} ${entry.qualified}`, "")
      const docs = [...new Set(entry.declarations.map((declaration) => declaration.doc).filter(Boolean))]
      for (const doc of docs) body.push(markdownText(doc), "")
      body.push(fence(declarationCode(entry)), "")
      const source = entry.file === namespaceFile ? undefined : sourceOf(entry.file)
      const where = [
        entry.entryPoint ? `Re-exported from \`${entry.entryPoint}\`.` : undefined,
        source ? `Source: [${source.split("/").pop()}](${source})` : undefined,
      ].filter(Boolean)
      if (where.length > 0) body.push(where.join(" "), "")
    }
    return links.join(", ")
  }
  for (const section of sections) {
    const anchor = slug(section.title)
    anchors.set(section, anchor)
    body.push(`## ${section.title}`, "")
    if (section.entries) {
      contents.push(`- [${section.title}](#${anchor}): ${renderEntries(section.entries, 3)}`)
      continue
    }
    const { namespace } = section
    if (namespace.module.doc) body.push(markdownText(namespace.module.doc), "")
    const source = sourceOf(namespace.file)
    if (source) body.push(`Source: [${source.split("/").pop()}](${source})`, "")
    contents.push(`- [${section.title}](#${anchor})`)
    for (const group of section.groups) {
      const groupAnchor = slug(group.title)
      body.push(`### ${group.title}`, "")
      contents.push(`  - [${group.title}](#${groupAnchor}): ${renderEntries(group.entries, 4, namespace.file)}`)
    }
  }
  lines.push("## Contents", "", ...contents, "", ...body)
  return { text: `${lines.join("\n").trimEnd()}\n`, anchors: pageAnchors }
}

/**
 * The root page of a package organised by concept: what each concept is for, a link to its page
 * and every name the root exports from it, linked to its heading there.
 */
const renderConceptIndex = ({ title, intro, generatedFrom, exports, conceptPages }) => {
  const lines = [`# ${title}`, ""]
  if (intro) lines.push(markdownText(intro), "")
  lines.push(`Generated from \`${generatedFrom}\` by \`npm run docs:api\`; do not edit by hand.`, "")
  const byConcept = new Map(conceptPages.map((page) => [page.concept, []]))
  for (const found of [...exports.values()].sort((a, b) => byName(a.name, b.name))) {
    const concept = /\/dist\/([^/]+)\//.exec(found.file)?.[1]
    if (!byConcept.has(concept)) throw new Error(`${title} exports ${found.name} from outside its concept folders`)
    byConcept.get(concept).push(found)
  }
  for (const page of conceptPages) {
    const names = byConcept.get(page.concept)
    lines.push(`## [${page.name}](${page.page}.md)`, "")
    if (page.intro) lines.push(markdownText(page.intro), "")
    if (names.length === 0) {
      lines.push(`Only through \`${page.name}\`.`, "")
      continue
    }
    const link = (found) => {
      const anchor = page.anchors.get(found.name)
      return anchor
        ? `[${found.name}](${page.page}.md#${anchor})`
        : `\`${found.name}\` (see [the concept page](${page.page}.md))`
    }
    lines.push(
      names.map((found) => (found.namespace ? `[${found.name}](${page.page}.md) (namespace)` : link(found))).join(", "),
      "",
    )
  }
  return `${lines.join("\n").trimEnd()}\n`
}

// ---------------------------------------------------------------------------------------------
// The reference of this repository

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"))

/** Every page of the reference, as a map from file name to text (the OpenAPI document aside). */
export const referencePages = (root, entryPoints = ENTRY_POINTS) => {
  const pages = new Map()
  const packageDir = (pkg) => join(root, "packages", pkg)
  const resolvePackage = (specifier) => {
    const entry = entryPoints.find((point) => point.name === specifier)
    return entry && join(packageDir(entry.pkg), entry.entry)
  }
  const index = []
  const rendered = new Map()
  const conceptIndexes = []
  for (const point of entryPoints) {
    const dir = packageDir(point.pkg)
    const manifest = readJson(join(dir, "package.json"))
    const { exports, module } = collectExports(join(dir, point.entry), resolvePackage)
    const sourceOf = (file) => {
      const source = file.replace(`${join(root, "packages")}/`, "").replace(/^([^/]+)\/dist\//, "$1/src/")
      const path = join(root, "packages", source.replace(/\.d\.ts$/, ".ts"))
      return existsSync(path)
        ? relative(join(root, "docs", "reference"), path)
            .split("\\")
            .join("/")
        : undefined
    }
    const generatedFrom = `packages/${point.pkg}/${point.entry}`
    const intro = module.doc ?? manifest.description
    if (point.byConcept) {
      // written once its concepts' pages are, so it can link to their headings
      conceptIndexes.push({ point, intro, generatedFrom, exports })
    } else {
      const { text, anchors } = renderPage({ title: point.name, intro, generatedFrom, exports, sourceOf })
      pages.set(`${point.page}.md`, text)
      if (point.concept) rendered.set(point.page, { ...point, intro, anchors })
    }
    index.push({ point, description: intro, count: exports.size })
  }
  for (const { point, intro, generatedFrom, exports } of conceptIndexes) {
    const conceptPages = entryPoints.filter((other) => other.concept && other.pkg === point.pkg)
    const text = renderConceptIndex({
      title: point.name,
      intro,
      generatedFrom,
      exports,
      conceptPages: conceptPages.map((other) => rendered.get(other.page)),
    })
    pages.set(`${point.page}.md`, text)
  }
  const items = index.map(
    ({ point, description, count }) =>
      `- [${point.name}](${point.page}.md) (${count} exports): ${markdownText(description ?? "").replace(/\s+/g, " ")}`,
  )
  pages.set(
    "README.md",
    [
      "# BatchOps API reference",
      "",
      "Generated by `npm run docs:api` from the built packages (`npm run docs:api -- --build` builds them first); do not edit by hand.",
      "",
      "## HTTP API",
      "",
      "[openapi.json](openapi.json) is the OpenAPI 3.1 document a running server serves at `/api/openapi.json`",
      "(and renders at `/api/docs/`). [docs/api.md](../api.md) gives its conventions and roles.",
      "",
      "## TypeScript API",
      "",
      "Every name each entry point exports, grouped by kind, with its documentation and declaration.",
      "",
      ...items,
      "",
    ].join("\n"),
  )
  return pages
}

/** Biome's binary for this platform, run directly: its npm wrapper costs a Node start per page. */
const biomeCommand = (root) => {
  const require = createRequire(join(root, "package.json"))
  const binary = process.platform === "win32" ? "biome.exe" : "biome"
  for (const suffix of ["", "-musl"]) {
    try {
      return [require.resolve(`@biomejs/cli-${process.platform}-${process.arch}${suffix}/${binary}`)]
    } catch {
      // not this variant
    }
  }
  return [process.execPath, require.resolve("@biomejs/biome/bin/biome")]
}

/**
 * `text` as the repository's formatter (Biome) writes the Markdown page `name`: the same
 * 2-space, 120-column TypeScript in the declarations as in the sources, and a page lint accepts.
 */
const formatMarkdown = (root, name, text) =>
  new Promise((done, fail) => {
    const [command, ...args] = biomeCommand(root)
    const child = spawn(command, [...args, "format", `--stdin-file-path=docs/reference/${name}`], { cwd: root })
    const out = []
    const err = []
    child.stdout.on("data", (chunk) => out.push(chunk))
    child.stderr.on("data", (chunk) => err.push(chunk))
    child.on("error", fail)
    child.on("close", (code) => {
      if (code === 0) done(Buffer.concat(out).toString("utf8"))
      else fail(new Error(`biome could not format ${name}: ${Buffer.concat(err).toString("utf8").trim()}`))
    })
    child.stdin.end(text)
  })

/** The OpenAPI document the server serves, from the built `@batchops/server`. */
const openApiJson = async (root) => {
  const entry = join(root, "packages", "server", "dist", "index.js")
  if (!existsSync(entry)) throw new Error("packages/server/dist is missing: build the packages first (npm run build)")
  const server = await import(pathToFileURL(entry).href).catch((error) => {
    throw new Error(`the built @batchops/server could not be loaded (build the packages first): ${error.message}`)
  })
  if (typeof server.openApiDocument !== "function" || !Array.isArray(server.apiRoutes)) {
    throw new Error("the built @batchops/server does not export openApiDocument and apiRoutes: rebuild it")
  }
  return `${JSON.stringify(server.openApiDocument(server.apiRoutes), null, 2)}\n`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL("..", import.meta.url))
  const at = process.argv.indexOf("--out")
  const out = at === -1 ? join(root, "docs", "reference") : process.argv[at + 1]
  try {
    if (out === undefined || out.startsWith("-")) throw new Error("--out needs a folder: --out <dir>")
    if (process.argv.includes("--build")) {
      for (const command of [
        ["npx", "tsup"],
        ["npm", "run", "build:types"],
      ]) {
        const child = spawnSync(command[0], command.slice(1), { cwd: root, stdio: ["ignore", "ignore", "inherit"] })
        if (child.status !== 0) throw new Error(`${command.join(" ")} failed`)
      }
    }
    // the pages are formatted side by side, while the server loads
    const pages = [...referencePages(root)]
    const [openApi, ...formatted] = await Promise.all([
      openApiJson(root),
      ...pages.map(([name, text]) => formatMarkdown(root, name, text)),
    ])
    const files = new Map(pages.map(([name], index) => [name, formatted[index]]))
    files.set("openapi.json", openApi)
    mkdirSync(out, { recursive: true })
    for (const [name, text] of files) writeFileSync(join(out, name), text)
    console.log(`api-reference: wrote ${files.size} files to ${relative(process.cwd(), out) || "."}`)
  } catch (error) {
    console.error(`api-reference: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  }
}
