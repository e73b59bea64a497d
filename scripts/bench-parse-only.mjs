// The baseline: papaparse streaming over the file, doing nothing with the rows.
import { createReadStream } from "node:fs"
import Papa from "papaparse"

let rows = 0
await new Promise((resolve, reject) => {
  Papa.parse(createReadStream(process.argv[2], { encoding: "utf8" }), {
    chunk: (results) => {
      rows += results.data.length
    },
    complete: resolve,
    error: reject,
  })
})
process.stdout.write(`${rows}\n`)
