/**
 * What the server answers each role may do (`GET /api/auth/me/`), for tests that sign someone
 * in. The server's tests check this fixture against its real answers.
 */
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Rights, Role } from "../../src/state/session"

const ANSWERS = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../fixtures/me.json"), "utf8"),
) as Record<Role, Rights>

export const rightsOf = (role: Role): Rights => ANSWERS[role]
