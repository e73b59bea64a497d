import { pgLayerFromEnv } from "@batchops/store-sql"
import { freshDatabase } from "../../../test/support/postgres.js"
import { type AttendanceTarget, attendanceRemindersContract } from "./AttendanceRemindersContract.js"

const { url: databaseUrl } = freshDatabase("test_attendance")

const target = (): AttendanceTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

attendanceRemindersContract("Postgres", target)
