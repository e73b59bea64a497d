export { main, run } from "./cli.js"
export { defaultRegistry } from "./Registry.js"
