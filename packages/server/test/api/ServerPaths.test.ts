/**
 * How the server's paths are hidden from what non-admins read: a configured folder by its
 * name (the innermost one first, never a longer folder name beside it), any other absolute
 * path by its last name, and web addresses, relative names and prose left as they are.
 */
import { describe, expect, it } from "vitest"
import { hidePaths, hidePathsIn } from "../../src/api/ops/ServerPaths.js"

const FOLDERS = [
  { path: "/srv/batchops/backups", name: "<backup folder>" },
  { path: "/srv/batchops", name: "<data folder>" },
]

describe("hiding the server's paths", () => {
  it("names a configured folder, the innermost first, and only as a whole folder", () => {
    expect(hidePaths("into /srv/batchops/backups (by hand)", FOLDERS)).toBe("into <backup folder> (by hand)")
    expect(hidePaths("wrote /srv/batchops/backups/a.backup", FOLDERS)).toBe("wrote <backup folder>/a.backup")
    expect(hidePaths("/srv/batchops/inbox/library: permission denied", FOLDERS)).toBe(
      "<data folder>/inbox/library: permission denied",
    )
    // another folder whose name starts the same is not the backup folder
    expect(hidePaths("moved to /srv/batchops/backups-old/a.backup", FOLDERS)).toBe(
      "moved to <data folder>/backups-old/a.backup",
    )
  })

  it("shows any other absolute path by its last name, and leaves addresses and prose alone", () => {
    expect(hidePaths("open '/etc/batchops/secret.env' failed", FOLDERS)).toBe("open '…/secret.env' failed")
    expect(hidePaths("cannot read C:\\BatchOps\\inbox\\grades.csv", FOLDERS)).toBe("cannot read …/grades.csv")
    const prose = "fetched https://library.school.test/loans/export.csv: 12 rows, 3/4 sources, grades.csv"
    expect(hidePaths(prose, FOLDERS)).toBe(prose)
  })

  it("hides paths in every string of a run's details, keeping the rest", () => {
    expect(
      hidePathsIn({ path: "/srv/batchops/backups/a.backup", kept: 2, deleted: ["/tmp/x/b.backup"], ok: true }, FOLDERS),
    ).toEqual({ path: "<backup folder>/a.backup", kept: 2, deleted: ["…/b.backup"], ok: true })
  })
})
