/**
 * Reading a stream of bytes within a limit, the one way BatchOps does it (the server's request
 * bodies, the pages a `url` department source fetches): the bytes are counted as they arrive
 * and the stream is cancelled the moment they pass the limit, so the rest is never read.
 */

/** The stream's bytes, or `undefined` once they pass `limit` (the stream is then cancelled). */
export const readAtMost = async (
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array | undefined> => {
  if (stream === null) return new Uint8Array(0)
  const reader = stream.getReader()
  const chunks: Array<Uint8Array> = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(total)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return bytes
}
