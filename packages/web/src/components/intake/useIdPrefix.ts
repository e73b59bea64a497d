/** Ids unique in the page for the labels and messages of an editor's repeated fields. */
import { useRef } from "preact/hooks"

let ids = 0
export const useIdPrefix = (prefix: string) => useRef(`${prefix}-${++ids}`).current
