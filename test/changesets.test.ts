/**
 * Versions and changelogs come from changesets: `changeset version` runs on a copy of the
 * repository's manifests and changesets, and bumps the published packages together, writes
 * their changelogs from the pending changesets and leaves the private ones alone.
 */
import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, expect, it } from "vitest"
import { PUBLISHED } from "../scripts/packages.mjs"
import { root } from "./helpers.js"

const work = mkdtempSync(join(tmpdir(), "batchops-changesets-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const manifest = (dir: string, folder: string) => JSON.parse(readFileSync(join(dir, folder, "package.json"), "utf8"))
const workspaceFolders = () =>
  ["packages", "examples"].flatMap((parent) =>
    readdirSync(join(root, parent))
      .map((name) => `${parent}/${name}`)
      .filter((folder) => existsSync(join(root, folder, "package.json"))),
  )

/** The pending changesets: file name and the packages each names. */
const pending = () =>
  readdirSync(join(root, ".changeset"))
    .filter((name) => name.endsWith(".md") && name !== "README.md")
    .map((name) => {
      const text = readFileSync(join(root, ".changeset", name), "utf8")
      const front = text.split("---")[1] ?? ""
      return { name, packages: [...front.matchAll(/"(@batchops\/[^"]+)":\s*(major|minor|patch)/g)].map((m) => m[1]) }
    })

it("every pending changeset names only published packages", () => {
  const published = new Set(PUBLISHED.map((name) => `@batchops/${name}`))
  for (const changeset of pending()) {
    expect(changeset.packages.length, changeset.name).toBeGreaterThan(0)
    expect(
      changeset.packages.filter((name) => !published.has(name!)),
      changeset.name,
    ).toEqual([])
  }
})

it("changeset version bumps the published packages together and writes their changelogs", () => {
  for (const file of ["package.json", "package-lock.json"]) cpSync(join(root, file), join(work, file))
  cpSync(join(root, ".changeset"), join(work, ".changeset"), { recursive: true })
  for (const folder of workspaceFolders()) {
    mkdirSync(join(work, folder), { recursive: true })
    cpSync(join(root, folder, "package.json"), join(work, folder, "package.json"))
  }
  symlinkSync(join(root, "node_modules"), join(work, "node_modules"))
  const before = new Map(workspaceFolders().map((folder) => [folder, manifest(root, folder).version]))
  const changesets = pending()

  const result = spawnSync(join(root, "node_modules", ".bin", "changeset"), ["version"], {
    cwd: work,
    encoding: "utf8",
  })
  expect(result.stderr + result.stdout).not.toMatch(/error/i)
  expect(result.status).toBe(0)

  const versions = PUBLISHED.map((name) => manifest(work, `packages/${name}`).version)
  expect(new Set(versions).size).toBe(1) // linked: one version for the whole library
  if (changesets.length > 0) expect(versions[0]).not.toBe(before.get("packages/core"))
  for (const name of PUBLISHED) {
    const changelog = readFileSync(join(work, "packages", name, "CHANGELOG.md"), "utf8")
    expect(changelog.startsWith(`# @batchops/${name}\n`), name).toBe(true)
    expect(changelog, name).toContain(`## ${versions[0]}`)
    for (const changeset of changesets.filter((c) => c.packages.includes(`@batchops/${name}`))) {
      const summary = readFileSync(join(root, ".changeset", changeset.name), "utf8")
        .split("---")[2]!
        .trim()
      const firstLine = summary.split("\n")[0]!.trim()
      expect(changelog, `${name} ← ${changeset.name}`).toContain(firstLine)
    }
    for (const [dependency, range] of Object.entries(manifest(work, `packages/${name}`).dependencies ?? {})) {
      if (dependency.startsWith("@batchops/")) expect(range, `${name} → ${dependency}`).toBe(`^${versions[0]}`)
    }
  }
  // consumed, and the private packages (the web app, the examples) keep their versions
  expect(readdirSync(join(work, ".changeset")).filter((name) => name.endsWith(".md") && name !== "README.md")).toEqual(
    [],
  )
  for (const folder of workspaceFolders().filter((folder) => manifest(root, folder).private)) {
    expect(manifest(work, folder).version, folder).toBe(before.get(folder))
  }
})
