/** A source's recent records, filtered by kind and paged. */
import { useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { answerOf, client } from "../../api/client"
import { KeyValues } from "../schedules/KeyValues"
import { Badge, Button, Field, LoadState, Page, useLoad, When } from "../ui"
import type { Source } from "./sources"

export const RECORDS_PAGE = 20

export const Records = ({ id }: { id: string }) => {
  const { query, route, path } = useLocation()
  const kind = query.kind ?? ""
  const page = Math.max(1, Number.parseInt(query.page ?? "1", 10) || 1)
  const [kindText, setKindText] = useState(kind)
  const source = useLoad(
    (signal): Promise<Source> =>
      answerOf(client.GET("/api/department-sources/{id}/", { params: { path: { id } }, signal })),
    [id],
  )
  const records = useLoad(
    (signal) =>
      answerOf(
        client.GET("/api/department-sources/{id}/records/", {
          params: { path: { id }, query: { kind, page: String(page), page_size: String(RECORDS_PAGE) } },
          signal,
        }),
      ),
    [id, kind, page],
  )
  const go = (next: { kind?: string; page?: number }) => {
    const params = new URLSearchParams()
    const k = next.kind ?? kind
    const p = next.page ?? page
    if (k) params.set("kind", k)
    if (p > 1) params.set("page", String(p))
    const search = params.toString()
    route(`${path}${search ? `?${search}` : ""}`)
  }
  return (
    <Page title={source.data ? `${source.data.name} records` : "Department records"}>
      <p>
        <a href="/departments">All department sources</a>
      </p>
      <LoadState loaded={source}>
        {(data) => (
          <p>
            <code>{data.code}</code> · {data.department} · {data.kind} ·{" "}
            <Badge value={data.enabled ? "enabled" : "disabled"} />
          </p>
        )}
      </LoadState>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault()
          go({ kind: kindText.trim(), page: 1 })
        }}
      >
        <Field label="Kind" hint="e.g. application, loan, attendance, student">
          {(props) => (
            <input {...props} name="kind" value={kindText} onInput={(e) => setKindText(e.currentTarget.value)} />
          )}
        </Field>
        <div class="field">
          <Button type="submit" variant="secondary">
            Show
          </Button>
        </div>
        {kind ? (
          <div class="field">
            <Button
              variant="link"
              onClick={() => {
                setKindText("")
                go({ kind: "", page: 1 })
              }}
            >
              All kinds
            </Button>
          </div>
        ) : null}
      </form>
      <LoadState loaded={records}>
        {(list) =>
          list.results.length === 0 ? (
            <p class="muted">
              {kind
                ? `No ${kind} records from this source.`
                : "No records from this source yet: they come with its next ingest."}
            </p>
          ) : (
            <>
              <ul class="records" aria-label="Records">
                {list.results.map((record) => (
                  <li key={record.id} class="record">
                    <p class="record-head">
                      <span class="badge badge-plain">{record.kind}</span> <code>{record.key}</code>{" "}
                      <span class="muted">
                        recorded <When at={record.recorded_at} />
                      </span>
                    </p>
                    <KeyValues value={record.payload} empty="empty" />
                  </li>
                ))}
              </ul>
              <div class="pager">
                <Button variant="secondary" disabled={list.previous === null} onClick={() => go({ page: page - 1 })}>
                  Newer records
                </Button>
                <span class="muted">
                  Page {page} of {Math.max(1, Math.ceil(list.count / RECORDS_PAGE))} ({list.count} records)
                </span>
                <Button variant="secondary" disabled={list.next === null} onClick={() => go({ page: page + 1 })}>
                  Older records
                </Button>
              </div>
            </>
          )
        }
      </LoadState>
    </Page>
  )
}
