/** A problem with the command line or the environment itself (exit 2). */
export class UsageError extends Error {}
