/**
 * Request bodies against the real server: counted while they stream, chunked or not, and
 * refused with a 413 the moment they pass their limit (JSON bodies 1 MiB, uploads
 * `BATCHOPS_MAX_UPLOAD_BYTES`), so what a caller sends never piles up in the server's memory.
 * The server runs in this process: its RSS is this process's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startApi, streamPost, type TestApi } from "./harness.js"

const MB = 1024 * 1024
const CHUNK = Buffer.alloc(64 * 1024, "a")

/** The largest RSS of this process while `action` runs, above what it was before. */
const rssGrowthDuring = async <A>(action: () => Promise<A>): Promise<{ result: A; growth: number }> => {
  const before = process.memoryUsage.rss()
  let peak = before
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 5)
  try {
    const result = await action()
    peak = Math.max(peak, process.memoryUsage.rss())
    return { result, growth: peak - before }
  } finally {
    clearInterval(sampler)
  }
}

describe("request bodies", () => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi("pglite", { env: { BATCHOPS_MAX_UPLOAD_BYTES: "4096" } })
  }, 60_000)
  afterAll(() => api?.close())

  it("refuses a chunked 300 MB body to the anonymous login at 1 MiB, the server growing by less than 64 MB", async () => {
    const { result, growth } = await rssGrowthDuring(() =>
      streamPost(api.url, "/api/auth/login/", {
        contentType: "application/json",
        head: '{"email":"',
        chunk: CHUNK,
        chunks: (300 * MB) / CHUNK.byteLength,
        tail: '"}',
      }),
    )
    expect(growth).toBeLessThan(64 * MB)
    // the answer came long before the 300 MB were sent: the server stopped reading
    expect(result.written).toBeLessThan(64 * MB)
    expect(result.status).toBe(413)
    expect(JSON.parse(result.body)).toMatchObject({
      code: "too_large",
      error: "the body is larger than 1 MB (1048576 bytes): send a smaller JSON body",
    })
  }, 60_000)

  it("refuses a chunked 2 MB JSON body, and still reads one under the limit", async () => {
    const { token } = await api.account("admin")
    const tooLarge = await streamPost(api.url, "/api/auth/login/", {
      contentType: "application/json",
      head: '{"email":"',
      chunk: CHUNK,
      chunks: (2 * MB) / CHUNK.byteLength,
      tail: '"}',
    })
    expect(tooLarge.status).toBe(413)
    expect(JSON.parse(tooLarge.body).code).toBe("too_large")

    // a chunked body within the limit is read as usual (then refused for its fields, not its size)
    const small = await streamPost(api.url, "/api/auth/login/", {
      token,
      contentType: "application/json",
      head: '{"email":"nobody@school.test","password":"',
      chunk: Buffer.alloc(512 * 1024, "p"),
      chunks: 1,
      tail: '","remember_me":true}',
    })
    expect(small.status).toBe(400)
    expect(JSON.parse(small.body).fields.map((f: { path: string }) => f.path)).toContain("remember_me")
  })

  it("reads no body before the route's access rule: an anonymous upload is a 401 at once", async () => {
    const { result, growth } = await rssGrowthDuring(() =>
      streamPost(api.url, "/api/uploads/", {
        contentType: "multipart/form-data; boundary=x",
        head: '--x\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n',
        chunk: CHUNK,
        chunks: (300 * MB) / CHUNK.byteLength,
      }),
    )
    expect(result.status).toBe(401)
    expect(result.written).toBeLessThan(64 * MB)
    expect(growth).toBeLessThan(64 * MB)
  }, 60_000)

  it("refuses an over-limit chunked multipart upload and preview at BATCHOPS_MAX_UPLOAD_BYTES", async () => {
    const { token } = await api.account("user")
    const boundary = "----batchops-body"
    for (const path of ["/api/uploads/", "/api/uploads/preview/"]) {
      const reply = await streamPost(api.url, path, {
        token,
        contentType: `multipart/form-data; boundary=${boundary}`,
        head: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n`,
        chunk: Buffer.alloc(16 * 1024, "S001,Ada Lovelace,91\n"),
        chunks: 1_000,
        tail: `\r\n--${boundary}--\r\n`,
      })
      expect(reply.status, path).toBe(413)
      expect(JSON.parse(reply.body).error, path).toContain("larger than the upload limit of 4 KB")
      expect(reply.written, path).toBeLessThan(1_000 * 16 * 1024)
    }
  })
})
