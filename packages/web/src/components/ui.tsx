/**
 * The small building blocks every screen uses: a page with its heading (focused when the page
 * opens, so keyboard and screen-reader users start there), fields with their error next to
 * them, alerts, buttons, status badges, and loading from the API.
 */
import type { ButtonHTMLAttributes, ComponentChildren, JSX } from "preact"
import { useEffect, useRef, useState } from "preact/hooks"
import { ApiProblem } from "../api/client"

export const Page = ({
  title,
  actions,
  children,
}: {
  title: string
  actions?: ComponentChildren
  children?: ComponentChildren
}) => {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${title} · BatchOps`
    heading.current?.focus()
  }, [title])
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-header">
        <h1 id="page-title" tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {actions ? <div class="page-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  )
}

let fieldIds = 0
const useId = (prefix: string) => useRef(`${prefix}-${++fieldIds}`).current

/** A labelled input, select or textarea, with a hint and the error that belongs to it. */
export const Field = ({
  label,
  hint,
  error,
  children,
}: {
  label: string
  hint?: ComponentChildren
  error?: string | undefined
  children: (props: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean }) => JSX.Element
}) => {
  const id = useId("field")
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ")
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label for={id}>{label}</label>
      {children({
        id,
        ...(described ? { "aria-describedby": described } : {}),
        ...(error ? { "aria-invalid": true } : {}),
      })}
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  )
}

export const Alert = ({
  kind = "error",
  children,
}: {
  kind?: "error" | "info" | "success"
  children: ComponentChildren
}) => (
  <div class={`alert alert-${kind}`} role={kind === "error" ? "alert" : "status"}>
    {children}
  </div>
)

/** The message of whatever went wrong, for people. */
export const messageOf = (error: unknown): string =>
  error instanceof ApiProblem ? error.message : error instanceof Error ? error.message : String(error)

export const Button = ({
  variant = "primary",
  busy = false,
  children,
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: "primary" | "secondary" | "danger" | "link"
  busy?: boolean
}) => (
  <button
    type="button"
    {...props}
    class={`button button-${variant}${props.class ? ` ${props.class}` : ""}`}
    disabled={Boolean(props.disabled) || busy}
    aria-busy={busy || undefined}
  >
    {children}
  </button>
)

/** A checkbox with its label, as the forms show one. */
export const CheckField = ({
  name,
  checked,
  onChange,
  children,
}: {
  name: string
  checked: boolean
  onChange: (checked: boolean) => void
  children: ComponentChildren
}) => (
  <div class="field field-check">
    <label>
      <input type="checkbox" name={name} checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />{" "}
      {children}
    </label>
  </div>
)

/** A form's submit button, saying what it saves, and its Cancel. */
export const SaveOrCancel = ({ saving, label, onCancel }: { saving: boolean; label: string; onCancel: () => void }) => (
  <div class="form-actions">
    <Button type="submit" busy={saving}>
      {label}
    </Button>
    <Button variant="secondary" onClick={onCancel}>
      Cancel
    </Button>
  </div>
)

const TONE: Readonly<Record<string, string>> = {
  published: "good",
  succeeded: "good",
  resolved: "good",
  closed: "good",
  ok: "good",
  up: "good",
  failed: "bad",
  rejected: "bad",
  critical: "bad",
  high: "bad",
  down: "bad",
  open: "warn",
  awaiting_approval: "warn",
  medium: "warn",
  in_progress: "info",
  processing: "info",
  running: "info",
  queued: "info",
}

export const Badge = ({ value }: { value: string }) => (
  <span class={`badge badge-${TONE[value] ?? "plain"}`}>{value.replaceAll("_", " ")}</span>
)

export interface Loaded<T> {
  readonly data: T | undefined
  readonly error: unknown
  readonly loading: boolean
  readonly reload: () => void
}

/** Loads `load()` when the inputs change; `reload()` loads again. */
export const useLoad = <T,>(load: (signal: AbortSignal) => Promise<T>, inputs: ReadonlyArray<unknown>): Loaded<T> => {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  })
  const [round, setRound] = useState(0)
  useEffect(() => {
    const controller = new AbortController()
    setState((previous) => ({ ...previous, loading: true }))
    load(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, error: undefined, loading: false }),
      (error) => !controller.signal.aborted && setState((previous) => ({ ...previous, error, loading: false })),
    )
    return () => controller.abort()
  }, [...inputs, round])
  return { ...state, reload: () => setRound((n) => n + 1) }
}

/** What a load shows while it loads or when it failed; the content once it has its data. */
export const LoadState = <T,>({
  loaded,
  children,
}: {
  loaded: Loaded<T>
  children: (data: T) => ComponentChildren
}) => {
  if (loaded.error && loaded.data === undefined) {
    return (
      <Alert>
        {messageOf(loaded.error)}{" "}
        <Button variant="link" onClick={loaded.reload}>
          Try again
        </Button>
      </Alert>
    )
  }
  if (loaded.data === undefined)
    return (
      <p class="muted" aria-live="polite">
        Loading…
      </p>
    )
  return <>{children(loaded.data)}</>
}

/** A date and time in the reader's own zone and language. */
export const When = ({ at }: { at: string | null | undefined }) =>
  at ? <time dateTime={at}>{new Date(at).toLocaleString()}</time> : <span class="muted">—</span>

/**
 * The pages of a list: previous and next around "Page n of m" (and what `children` adds, such
 * as the count).
 */
export const Pager = ({
  page,
  count,
  pageSize,
  label,
  onPage,
  children,
}: {
  page: number
  /** how many items the whole list has */
  count: number
  pageSize: number
  /** what the pages are of, for the navigation's name ("Pages of runs") */
  label: string
  onPage: (page: number) => void
  children?: ComponentChildren
}) => {
  const pages = Math.max(1, Math.ceil(count / pageSize))
  return (
    <nav class="pager" aria-label={label}>
      <Button variant="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous page
      </Button>
      <span aria-live="polite">
        Page {page} of {pages}
        {children}
      </span>
      <Button variant="secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next page
      </Button>
    </nav>
  )
}
