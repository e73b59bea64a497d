/**
 * The API reference (docs/reference/): its reader of declaration files on small packages shaped
 * like tsc's output, the committed pages against a fresh generation from the built packages, and
 * the committed OpenAPI document against what the app serves.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as accounts from "@batchops/accounts"
import * as automations from "@batchops/automations"
import * as core from "@batchops/core"
import * as incidents from "@batchops/core/incidents"
import * as knownErrors from "@batchops/core/known-errors"
import * as models from "@batchops/core/models"
import * as pipeline from "@batchops/core/pipeline"
import * as plugins from "@batchops/core/plugins"
import * as ports from "@batchops/core/ports"
import * as runtime from "@batchops/core/runtime"
import * as schedules from "@batchops/core/schedules"
import * as testing from "@batchops/core/testing"
import * as uploads from "@batchops/core/uploads"
import * as mailer from "@batchops/mailer-smtp"
import * as parsers from "@batchops/parsers"
import * as queue from "@batchops/queue-bullmq"
import * as reports from "@batchops/reports"
import * as runner from "@batchops/runner-node"
import * as server from "@batchops/server"
import * as store from "@batchops/store-sql"
import { Layer, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { makeApp } from "../packages/server/src/api/App.js"
import {
  collectExports,
  readModule,
  readStatements,
  referencePages,
  slugger,
  // @ts-expect-error: a plain script without declarations
} from "../scripts/api-reference.mjs"
import { root } from "./helpers.js"

const temp = mkdtempSync(join(tmpdir(), "batchops-api-reference-"))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

/** Writes `files` (path -> text) under a fresh folder and returns it. */
const writeTree = (name: string, files: Readonly<Record<string, string>>) => {
  const dir = join(temp, name)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

// two packages written as tsc writes declarations: 4 spaces, semicolons, JSDoc just before
const DEMO = {
  "packages/demo/package.json": JSON.stringify({ name: "@demo/demo", description: "The demo, as its manifest says." }),
  "packages/other/package.json": JSON.stringify({ name: "@demo/other", description: "Another package." }),
  "packages/other/dist/index.d.ts": `/** A constant two entry points export. */
export declare const SHARED = "shared";
`,
  "packages/demo/dist/index.d.ts": `/** The demo entry point: every way tsc writes an export. */
export * from "./Values.js";
export { type Shape, makeShape, Circle as Round } from "./Shapes.js";
export * as Things from "./Things.js";
export type * from "./Types.js";
export { SHARED } from "@demo/other";
`,
  "packages/demo/dist/Values.d.ts": `/**
 * Values: the module comment, not the comment of the import after it.
 */
import { Effect } from "effect";
import { type Shape } from "./Shapes.js";
/** The answer, as a literal. */
export declare const answer = 42;
/**
 * A multi-line value whose type holds strings with \`;\`, \`{\` and \`}\`
 * and a template literal.
 */
export declare const tricky: {
    readonly separator: ";";
    readonly braces: "{ not a block }";
    readonly template: \`\${string}; {\${number}}\`;
    readonly nested: (shape: Shape) => Effect.Effect<{
        readonly ok: true;
    }, never, never>;
};
/** Overloads, and a namespace merged with the function. */
export declare function pick(value: string): string;
export declare function pick(value: number): number;
export declare namespace pick {
    var strict: boolean;
}
declare const hidden: (text: string) => string;
/** A local name exported under another. */
declare const local: number;
export { local as visibleLocal };
export {};
`,
  "packages/demo/dist/Shapes.d.ts": `import { Schema } from "effect";
/** A shape with documented members. */
export interface Shape {
    /** how many sides (0 for a circle) */
    readonly sides: number;
    readonly name: string;
}
/** Make a shape from its sides. */
export declare const makeShape: (sides: number) => Shape;
declare const Circle_base: Schema.Class<Circle, Schema.Struct<{
    readonly radius: Schema.Number;
}>, {}>;
/** A circle, as a Schema class; <radius> is in units. */
export declare class Circle extends Circle_base {
}
export {};
`,
  "packages/demo/dist/Things.d.ts": `/** Things: a namespace of a schema and its type. */
import { Schema } from "effect";
/** the kinds of things */
export declare const Kind: Schema.Literals<readonly ["small", "large"]>;
export type Kind = typeof Kind.Type;
`,
  "packages/demo/dist/Types.d.ts": `/** Only a type; this comment is its own, as no import follows. */
export type Size = "small" | "large";
`,
}

const DEMO_ENTRY = [{ page: "demo", name: "@demo/demo", pkg: "demo", entry: "dist/index.d.ts" }]
const OTHER_ENTRY = { page: "other", name: "@demo/other", pkg: "other", entry: "dist/index.d.ts" }

describe("reading declaration files", () => {
  it("splits statements by balancing brackets, past strings, templates and comments", () => {
    const statements = readStatements(DEMO["packages/demo/dist/Values.d.ts"])
    const heads = statements.map((statement: { text: string }) => statement.text.split("\n")[0])
    expect(heads).toEqual([
      'import { Effect } from "effect"',
      'import { type Shape } from "./Shapes.js"',
      "export declare const answer = 42",
      "export declare const tricky: {",
      "export declare function pick(value: string): string",
      "export declare function pick(value: number): number",
      "export declare namespace pick {",
      "declare const hidden: (text: string) => string",
      "declare const local: number",
      "export { local as visibleLocal }",
      "export {}",
    ])
    expect(statements[3].text.endsWith("}, never, never>;\n}")).toBe(true)
    expect(statements[3].doc).toBe(
      "A multi-line value whose type holds strings with `;`, `{` and `}`\nand a template literal.",
    )
    expect(statements[7].doc).toBeUndefined()
  })

  it("keeps a file's opening comment for the module when an import or re-export follows it", () => {
    const values = readModule(DEMO["packages/demo/dist/Values.d.ts"])
    expect(values.doc).toBe("Values: the module comment, not the comment of the import after it.")
    expect(values.declarations.get("answer")[0].doc).toBe("The answer, as a literal.")
    const types = readModule(DEMO["packages/demo/dist/Types.d.ts"])
    expect(types.doc).toBeUndefined()
    expect(types.declarations.get("Size")[0].doc).toBe("Only a type; this comment is its own, as no import follows.")
  })

  it("refuses a statement it cannot read, quoting it", () => {
    expect(() => readModule("export default class Thing {\n}\n")).toThrow(
      'cannot read the statement "export default class Thing {',
    )
  })

  it("follows every form of re-export to the declarations", () => {
    const dir = writeTree("demo", DEMO)
    const resolvePackage = (name: string) =>
      name === "@demo/other" ? join(dir, "packages/other/dist/index.d.ts") : undefined
    const { exports, module } = collectExports(join(dir, "packages/demo/dist/index.d.ts"), resolvePackage)
    expect(module.doc).toBe("The demo entry point: every way tsc writes an export.")
    expect([...exports.keys()].sort()).toEqual(
      ["Round", "SHARED", "Shape", "Size", "Things", "answer", "makeShape", "pick", "tricky", "visibleLocal"].sort(),
    )
    expect(exports.get("pick").declarations.map((item: { kind: string }) => item.kind)).toEqual([
      "function",
      "function",
      "namespace",
    ])
    expect(exports.get("Round").declarations[0].name).toBe("Circle")
    expect(exports.get("SHARED").entryPoint).toBe("@demo/other")
    expect(exports.get("answer").entryPoint).toBeUndefined()
    expect([...exports.get("Things").namespace.keys()]).toEqual(["Kind"])
  })

  it("names the module and the name a re-export cannot find", () => {
    const dir = writeTree("broken", {
      "index.d.ts": 'export { missing } from "./Values.js";\n',
      "Values.d.ts": "export declare const present = 1;\n",
    })
    expect(() => collectExports(join(dir, "index.d.ts"), () => undefined)).toThrow(
      `${join(dir, "index.d.ts")}: "./Values.js" does not export "missing"`,
    )
    expect(() => collectExports(join(dir, "absent.d.ts"), () => undefined)).toThrow("npm run build")
  })
})

describe("a generated page", () => {
  const dir = writeTree("pages", DEMO)
  const page: string = referencePages(dir, [...DEMO_ENTRY, OTHER_ENTRY]).get("demo.md")
  const headings = page.split("\n").filter((line) => line.startsWith("#"))

  it("groups every name by kind, sorted, with namespaces in their own section", () => {
    expect(headings).toEqual([
      "# @demo/demo",
      "## Contents",
      "## Functions and constants",
      "### answer",
      "### makeShape",
      "### pick",
      "### SHARED",
      "### tricky",
      "### visibleLocal",
      "## Classes and services",
      "### Round",
      "## Interfaces and types",
      "### Shape",
      "### Size",
      "## Namespace Things",
      "### Functions and constants",
      "#### Things.Kind",
    ])
  })

  it("links the contents to the headings' anchors", () => {
    const slug = slugger()
    const anchors = new Set(headings.map((heading) => slug(heading.replace(/^#+ /, ""))))
    const links = [...page.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1])
    expect(links.length).toBe(headings.length - 2)
    expect(links.filter((link) => !anchors.has(link))).toEqual([])
  })

  it("shows each name's doc text and declaration, a class with the base it extends", () => {
    const section = (name: string) => page.split(/^#+ /m).find((part) => part.startsWith(`${name}\n`)) ?? ""
    expect(page).toContain("The demo entry point: every way tsc writes an export.")
    expect(section("Round")).toContain("A circle, as a Schema class; \\<radius> is in units.")
    expect(section("Round")).toContain("declare const Circle_base: Schema.Class<Circle")
    expect(section("Round")).toContain("declare class Circle extends Circle_base {}")
    expect(section("Shape")).toContain("    /** how many sides (0 for a circle) */\n    readonly sides: number;")
    expect(section("pick")).toContain("declare namespace pick {")
    expect(section("SHARED")).toContain("Re-exported from `@demo/other`.")
    expect(section("Things.Kind")).toContain("declare const Kind: Schema.Literals")
    expect(section("Things.Kind")).toContain("type Kind = typeof Kind.Type")
    expect(section("visibleLocal")).toContain("A local name exported under another.")
    expect(page).not.toContain("hidden")
  })
})

describe("the committed reference", () => {
  const reference = join(root, "docs", "reference")
  const fresh = join(temp, "fresh")

  it("equals a fresh generation from the built packages", () => {
    const started = Date.now()
    const child = spawnSync(process.execPath, [join(root, "scripts", "api-reference.mjs"), "--out", fresh], {
      encoding: "utf8",
      timeout: 60_000,
    })
    expect(child.stderr).toBe("")
    expect(child.status).toBe(0)
    expect(Date.now() - started).toBeLessThan(30_000)
    const stale = "docs/reference is not what the packages declare: run npm run docs:api"
    expect(readdirSync(reference).sort(), stale).toEqual(readdirSync(fresh).sort())
    for (const name of readdirSync(fresh)) {
      expect(readFileSync(join(reference, name), "utf8"), `${stale} (${name} differs)`).toBe(
        readFileSync(join(fresh, name), "utf8"),
      )
    }
  })

  it("has a heading for every value each entry point exports at run time", () => {
    const modules = {
      "automations.md": automations,
      "core-incidents.md": incidents,
      "core-known-errors.md": knownErrors,
      "core-models.md": models,
      "core-pipeline.md": pipeline,
      "core-plugins.md": plugins,
      "core-ports.md": ports,
      "core-runtime.md": runtime,
      "core-schedules.md": schedules,
      "core-testing.md": testing,
      "core-uploads.md": uploads,
      "parsers.md": parsers,
      "reports.md": reports,
      "store-sql.md": store,
      "queue-bullmq.md": queue,
      "mailer-smtp.md": mailer,
      "accounts.md": accounts,
      "runner-node.md": runner,
      "server.md": server,
    }
    for (const [page, module] of Object.entries(modules)) {
      const text = readFileSync(join(reference, page), "utf8")
      const headings = new Set(text.split("\n").flatMap((line) => /^##+ (?:Namespace )?(\S+)$/.exec(line)?.[1] ?? []))
      // a namespace (`export * as Models`) is a section holding its own names
      const names = Object.entries(module).flatMap(([name, value]) =>
        (value as { [Symbol.toStringTag]?: unknown })?.[Symbol.toStringTag] === "Module"
          ? Object.keys(value as object).map((inner) => `${name}.${inner}`)
          : [name],
      )
      expect(
        names.filter((name) => !headings.has(name)),
        `${page} lacks these exports: build the packages, then run npm run docs:api`,
      ).toEqual([])
    }
  })

  it("indexes core's root by concept: every name it exports links to its heading on its concept's page", () => {
    const index = readFileSync(join(reference, "core.md"), "utf8")
    const links = [...index.matchAll(/\[([\w$]+)\]\((core-[a-z-]+\.md)(?:#([\w-]+))?\)/g)]
    const linked = new Map(links.map(([, name, page, anchor]) => [name, { page, anchor }]))
    expect(Object.keys(core).filter((name) => !linked.has(name))).toEqual([])
    for (const [name, { page, anchor }] of linked) {
      if (anchor === undefined) continue
      const slug = slugger()
      const text = readFileSync(join(reference, page!), "utf8")
      const anchors = text
        .split("\n")
        .flatMap((line) => /^#+ (.+)$/.exec(line)?.[1] ?? [])
        .map((heading) => slug(heading))
      expect(anchors, `core.md links ${name} to a heading ${page} lacks`).toContain(anchor)
    }
    // the same name is the same value through the root and through its concept
    expect(core.createRegistry).toBe(plugins.createRegistry)
    expect(core.runPipeline).toBe(pipeline.runPipeline)
    expect(core.Models.Upload).toBe(models.Upload)
  })

  it("shows known exports with their doc text", () => {
    const page = (name: string) => readFileSync(join(reference, name), "utf8")
    expect(page("core-plugins.md")).toMatch(/### createRegistry\n\nCheck the plugins and build the registry\./)
    expect(page("core-pipeline.md")).toMatch(/### runPipeline\n\nRun a file through the registry's stages\./)
    expect(page("reports.md")).toMatch(
      /#### DirectoryPublisher\.layer\n\nA layer providing core's ReportPublisher that writes reports to `outDir`: each run into a\nfolder of its own/,
    )
    expect(page("store-sql.md")).toMatch(/### migrate\n\nApplies the pending migrations/)
    expect(page("README.md")).toContain("[@batchops/core/testing](core-testing.md)")
  })

  it("has the OpenAPI document the app serves at /api/openapi.json", async () => {
    const runtime = ManagedRuntime.make(Layer.empty)
    try {
      const app = makeApp(server.apiRoutes, runtime as never)
      const response = await app.request("/api/openapi.json")
      expect(response.status).toBe(200)
      const served = await response.json()
      expect(readFileSync(join(reference, "openapi.json"), "utf8"), "run npm run docs:api").toBe(
        `${JSON.stringify(served, null, 2)}\n`,
      )
    } finally {
      await runtime.dispose()
    }
  })
})
