export * from "./BullWorkQueue.js"
