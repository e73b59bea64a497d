/**
 * Running untrusted work in a worker thread with limits: the host side (`runIsolated`) gives
 * one task to a thread (a warm one when its small pool has one), answers the calls the thread
 * makes back (what touches the database stays on the host's thread), and stops the thread when
 * it passes its memory ceiling, its wall-clock limit or its CPU-time limit; the thread side
 * (`serveIsolated`) runs the tasks it is given. Nothing here knows about files or pipelines.
 */
import { readlinkSync } from "node:fs"
import { constants, setPriority } from "node:os"
import { parentPort, Worker } from "node:worker_threads"
import { Cause, Effect, Exit, Queue, Schema } from "effect"

/** What one task may use before its thread is stopped. */
export interface IsolationLimits {
  /** the thread's heap plus its buffers, in MB (also the V8 old-generation ceiling) */
  readonly memoryMb: number
  /** from the task given to the thread to its answer, in ms */
  readonly wallClockMs: number
  /** processor time the thread used for the task, in ms */
  readonly cpuMs: number
}

/** The task passed one of its limits; its thread was stopped. */
export class ResourceLimitExceeded extends Schema.TaggedError<ResourceLimitExceeded>()("ResourceLimitExceeded", {
  limit: Schema.Literals(["memory", "wallClock", "cpu"]),
  message: Schema.String,
}) {}

/** The task failed in its thread (`tag`: the failure's `_tag`, when it had one), or the thread stopped without an answer. */
export class IsolatedTaskFailed extends Schema.TaggedError<IsolatedTaskFailed>()("IsolatedTaskFailed", {
  tag: Schema.NullOr(Schema.String),
  message: Schema.String,
}) {}

/** A call the thread makes back to the host failed; the message is the host's. */
export class HostCallFailed extends Schema.TaggedError<HostCallFailed>()("HostCallFailed", {
  message: Schema.String,
}) {}

/** The calls a task may make back to the host that started it. */
export interface IsolatedHost {
  readonly call: (name: string, payload?: unknown) => Effect.Effect<unknown, HostCallFailed>
}

/** Answers a thread's calls, by name; a failure's message goes back to the thread. */
export type HostHandlers<R> = Readonly<
  Record<string, (payload: unknown) => Effect.Effect<unknown, { readonly message: string }, R>>
>

type ThreadMessage =
  | { readonly type: "call"; readonly id: number; readonly name: string; readonly payload: unknown }
  | { readonly type: "done"; readonly value: unknown }
  | { readonly type: "failed"; readonly tag: string | null; readonly message: string }

type HostMessage =
  | { readonly type: "task"; readonly task: string; readonly input: unknown; readonly lowerPriority: boolean }
  | { readonly type: "reply"; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: "reply"; readonly id: number; readonly ok: false; readonly message: string }

type Event =
  | ThreadMessage
  | { readonly type: "error"; readonly error: Error }
  | { readonly type: "exit"; readonly code: number }
  | { readonly type: "limit"; readonly limit: ResourceLimitExceeded["limit"] }

/** How often the host samples the thread's memory and processor time. */
const SAMPLE_MS = 50

const MB = 1024 * 1024

/** Warm threads kept per module and memory ceiling, for the next task (starting one costs more than a small file). */
const MAX_IDLE = 2

/**
 * A thread goes back to the pool only when its heap after a task is under this share of its
 * ceiling: what one file left behind must not count against the next one's limit.
 */
const REUSE_SHARE = 0.25

const idle = new Map<string, Array<Worker>>()

const poolKey = (entry: URL, memoryMb: number, lower: boolean) => `${memoryMb} ${lower} ${entry.href}`

/** A warm thread of the pool, or a new one; either way with no listener but the pool's. */
const takeThread = (entry: URL, memoryMb: number, lower: boolean): Worker => {
  const key = poolKey(entry, memoryMb, lower)
  const warm = idle.get(key)?.pop()
  if (warm !== undefined) {
    warm.ref()
    return warm
  }
  const thread = new Worker(entry, { resourceLimits: { maxOldGenerationSizeMb: memoryMb } })
  // a pooled thread that ends while idle leaves the pool
  thread.once("exit", () => {
    const list = idle.get(key)
    if (list !== undefined)
      idle.set(
        key,
        list.filter((other) => other !== thread),
      )
  })
  return thread
}

/** Puts a thread that answered back in the pool when it is small and there is room, else stops it. */
const returnThread = (thread: Worker, entry: URL, memoryMb: number, lower: boolean) =>
  Effect.promise(async () => {
    const key = poolKey(entry, memoryMb, lower)
    const list = idle.get(key) ?? []
    const heap = await thread.getHeapStatistics().catch(() => undefined)
    if (
      heap === undefined ||
      list.length >= MAX_IDLE ||
      heap.used_heap_size + heap.external_memory > memoryMb * MB * REUSE_SHARE
    ) {
      await thread.terminate()
      return
    }
    // an idle thread does not keep the process alive
    thread.unref()
    idle.set(key, [...list, thread])
  })

export interface IsolatedRun<R> {
  /** the thread's module (a built `.js` file: threads run plain Node) */
  readonly entry: URL
  /** the name of the task the module serves */
  readonly task: string
  /** the task's input (structured-cloned; `transfer` lists buffers moved instead of copied) */
  readonly input: unknown
  readonly transfer?: ReadonlyArray<ArrayBuffer> | undefined
  readonly limits: IsolationLimits
  readonly handlers: HostHandlers<R>
  /**
   * run the thread below the host thread's priority (Linux), so a host that answers requests
   * answers first when both want the processor
   */
  readonly lowerPriority?: boolean | undefined
}

/** Why a limit stopped the thread, in words (the caller says it better, knowing the task). */
const limitMessage = (limit: ResourceLimitExceeded["limit"], limits: IsolationLimits): string =>
  limit === "memory"
    ? `the task needs more than ${limits.memoryMb} MB`
    : limit === "cpu"
      ? `the task needs more than ${limits.cpuMs / 1000} s of processor time`
      : `the task took longer than ${limits.wallClockMs / 1000} s`

/**
 * Runs `task` of `entry` in a worker thread (a warm one of the pool, or a new one) and answers
 * its calls until it answers. Fails with ResourceLimitExceeded when the thread passes a limit
 * (a thread that dies out of memory included), with IsolatedTaskFailed when the task fails or
 * the thread stops without an answer. A thread that passed a limit, failed or was interrupted
 * is stopped, never reused.
 */
export const runIsolated = <R>(
  run: IsolatedRun<R>,
): Effect.Effect<unknown, ResourceLimitExceeded | IsolatedTaskFailed, R> =>
  Effect.gen(function* () {
    const events = yield* Queue.unbounded<Event>()
    const { limits, entry } = run
    let answered = false
    const onMessage = (message: ThreadMessage) => Queue.offerUnsafe(events, message)
    const onError = (error: Error) => Queue.offerUnsafe(events, { type: "error", error })
    const onExit = (code: number) => Queue.offerUnsafe(events, { type: "exit", code })
    const worker = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const thread = takeThread(entry, limits.memoryMb, run.lowerPriority === true)
        thread.on("message", onMessage)
        thread.on("error", onError)
        thread.on("exit", onExit)
        return thread
      }),
      (thread) =>
        Effect.suspend(() => {
          thread.off("message", onMessage)
          thread.off("error", onError)
          thread.off("exit", onExit)
          return answered
            ? returnThread(thread, entry, limits.memoryMb, run.lowerPriority === true)
            : Effect.promise(() => thread.terminate()).pipe(Effect.ignore)
        }),
    )
    // the processor time the thread used before this task: a warm thread ran others, a new
    // one is not running yet (its start counts against the task)
    const before = yield* Effect.promise(() => worker.cpuUsage().catch(() => ({ user: 0, system: 0 })))
    const task: HostMessage = {
      type: "task",
      task: run.task,
      input: run.input,
      lowerPriority: run.lowerPriority === true,
    }
    worker.postMessage(task, [...(run.transfer ?? [])])

    // The watchdog samples from the host's thread: the worker's heap (and its buffers, which the
    // V8 ceiling does not count) and its processor time, answered even while it runs a long loop.
    const started = Date.now()
    let sampling = false
    const watchdog = setInterval(() => {
      if (Date.now() - started > limits.wallClockMs) {
        Queue.offerUnsafe(events, { type: "limit", limit: "wallClock" })
        return
      }
      if (sampling) return
      sampling = true
      Promise.all([worker.getHeapStatistics(), worker.cpuUsage(before)])
        .then(([heap, cpu]) => {
          if (heap.used_heap_size + heap.external_memory > limits.memoryMb * MB) {
            Queue.offerUnsafe(events, { type: "limit", limit: "memory" })
          } else if ((cpu.user + cpu.system) / 1000 > limits.cpuMs) {
            Queue.offerUnsafe(events, { type: "limit", limit: "cpu" })
          }
        })
        // the thread ended between two samples: its exit event says how
        .catch(() => undefined)
        .finally(() => {
          sampling = false
        })
    }, SAMPLE_MS)
    yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(watchdog)))

    const limited = (limit: ResourceLimitExceeded["limit"]) =>
      new ResourceLimitExceeded({ limit, message: limitMessage(limit, limits) })

    while (true) {
      const event = yield* Queue.take(events)
      switch (event.type) {
        case "call": {
          const handler = run.handlers[event.name]
          const exit = yield* Effect.exit(
            handler === undefined
              ? Effect.fail({ message: `the host answers no call named "${event.name}"` })
              : handler(event.payload),
          )
          const reply: HostMessage = Exit.isSuccess(exit)
            ? { type: "reply", id: event.id, ok: true, value: exit.value }
            : { type: "reply", id: event.id, ok: false, message: failureMessage(exit.cause) }
          worker.postMessage(reply)
          break
        }
        case "done":
          answered = true
          return event.value
        case "failed":
          return yield* new IsolatedTaskFailed({ tag: event.tag, message: event.message })
        case "limit":
          return yield* limited(event.limit)
        case "error":
          if ((event.error as { code?: unknown }).code === "ERR_WORKER_OUT_OF_MEMORY") return yield* limited("memory")
          return yield* new IsolatedTaskFailed({ tag: null, message: `the thread stopped: ${event.error.message}` })
        case "exit":
          return yield* new IsolatedTaskFailed({
            tag: null,
            message: `the thread stopped without an answer (exit code ${event.code})`,
          })
      }
    }
  }).pipe(Effect.scoped, Effect.withSpan("Isolation.run"))

/** A failure's message for the thread (an Effect failure, a defect, or an interruption). */
const failureMessage = (cause: Cause.Cause<{ readonly message: string }>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error)
}

/**
 * On Linux a thread has a priority of its own: this one yields the processor to the host's
 * thread when both want it. Elsewhere, or when refused, it runs as it is.
 */
const lowerPriority = () => {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").at(-1))
    if (Number.isSafeInteger(tid)) setPriority(tid, constants.priority.PRIORITY_BELOW_NORMAL)
  } catch {
    // not Linux, or not allowed: the thread keeps the process's priority
  }
}

/**
 * The thread side: runs each task the host posts (by name, with its input) and posts its value
 * (or its failure, with its `_tag`) back. A module given to `runIsolated` calls this once, with
 * every task it serves; the thread then waits for tasks until the host stops it.
 */
export const serveIsolated = (
  tasks: Readonly<Record<string, (input: unknown, host: IsolatedHost) => Effect.Effect<unknown, unknown>>>,
): void => {
  const port = parentPort
  if (port === null) throw new Error("serveIsolated runs in a worker thread started by runIsolated")
  let nextId = 0
  const pending = new Map<number, (message: HostMessage & { readonly type: "reply" }) => void>()
  const host: IsolatedHost = {
    call: (name, payload) =>
      Effect.callback<unknown, HostCallFailed>((resume) => {
        const id = nextId++
        pending.set(id, (reply) =>
          resume(reply.ok ? Effect.succeed(reply.value) : Effect.fail(new HostCallFailed({ message: reply.message }))),
        )
        port.postMessage({ type: "call", id, name, payload } satisfies ThreadMessage)
      }),
  }
  const runTask = (task: string, input: unknown) => {
    const run = tasks[task]
    const program =
      run === undefined
        ? Effect.fail(new IsolatedTaskFailed({ tag: null, message: `this thread serves no task named "${task}"` }))
        : run(input, host)
    void Effect.runPromiseExit(program).then((exit) => {
      if (Exit.isSuccess(exit)) {
        port.postMessage({ type: "done", value: exit.value } satisfies ThreadMessage)
        return
      }
      const error = Cause.squash(exit.cause) as { _tag?: unknown; message?: unknown }
      port.postMessage({
        type: "failed",
        tag: typeof error?._tag === "string" ? error._tag : null,
        message: error instanceof Error || typeof error?.message === "string" ? String(error.message) : String(error),
      } satisfies ThreadMessage)
    })
  }
  let lowered = false
  port.on("message", (message: HostMessage) => {
    if (message.type === "task") {
      if (message.lowerPriority && !lowered) {
        lowered = true
        lowerPriority()
      }
      runTask(message.task, message.input)
      return
    }
    const resume = pending.get(message.id)
    pending.delete(message.id)
    resume?.(message)
  })
}
