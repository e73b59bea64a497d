/** The published packages, in build order (see packages.mjs). */
export declare const PUBLISHED: ReadonlyArray<string>
