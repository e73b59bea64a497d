import { causeMessage, errorChainMessage, errorCode, FILE_ERROR_REASONS, fileErrorReason } from "@batchops/core"
import { Cause } from "effect"
import { describe, expect, it } from "vitest"

const chain = (...messages: ReadonlyArray<string>): Error =>
  messages.reduceRight<Error | undefined>(
    (cause, message) => new Error(message, cause === undefined ? undefined : { cause }),
    undefined,
  )!

describe("errorChainMessage", () => {
  it("joins the failure's message with its causes'", () => {
    expect(errorChainMessage(chain("Query failed", "connect ECONNREFUSED 127.0.0.1:5432"))).toBe(
      "Query failed: connect ECONNREFUSED 127.0.0.1:5432",
    )
  })

  it("leaves out a message that an earlier one already says, and empty ones", () => {
    expect(errorChainMessage(chain("cannot store: disk full", "disk full"))).toBe("cannot store: disk full")
    expect(errorChainMessage(new Error("outer", { cause: "" }))).toBe("outer")
  })

  it("follows four causes at most, and names an Error without a message by its name", () => {
    expect(errorChainMessage(chain("a", "b", "c", "d", "e", "f"))).toBe("a: b: c: d")
    expect(errorChainMessage(new TypeError())).toBe("TypeError")
  })

  it("reads what is not an Error as text", () => {
    expect(errorChainMessage("timed out")).toBe("timed out")
    expect(errorChainMessage(42)).toBe("42")
    expect(errorChainMessage(undefined)).toBe("")
  })

  it("reads an Effect's failure and defect alike", () => {
    expect(causeMessage(Cause.fail(chain("Query failed", "relation missing")))).toBe("Query failed: relation missing")
    expect(causeMessage(Cause.die(new Error("boom")))).toBe("boom")
  })
})

describe("fileErrorReason", () => {
  const errno = (code: string, message = `${code}: something, open '/x'`) => Object.assign(new Error(message), { code })

  it("words a file system error's code", () => {
    expect(fileErrorReason(errno("ENOENT"))).toBe("no such file")
    expect(fileErrorReason(errno("EACCES"))).toBe("permission denied")
    expect(fileErrorReason(errno("ENOSPC"))).toBe(FILE_ERROR_REASONS.ENOSPC)
  })

  it("takes a place's own wording first", () => {
    expect(fileErrorReason(errno("ENOENT"), { ENOENT: "the directory does not exist" })).toBe(
      "the directory does not exist",
    )
    expect(fileErrorReason(errno("EACCES"), { ENOENT: "the directory does not exist" })).toBe("permission denied")
  })

  it("falls back to the message, then to the value as text", () => {
    expect(fileErrorReason(errno("EWEIRD", "EWEIRD: odd"))).toBe("EWEIRD: odd")
    expect(fileErrorReason(new Error("plain"))).toBe("plain")
    expect(fileErrorReason("text")).toBe("text")
    expect(errorCode(errno("EIO"))).toBe("EIO")
    expect(errorCode({ code: 5 })).toBeUndefined()
  })
})
