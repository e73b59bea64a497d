/**
 * Departments: the sources records come from (simulated sample data, an inbox folder, a web
 * page), which admins add and change with the settings of each kind (the server's refusal of a
 * setting shows next to it), and a source's recent records, filtered by kind and paged.
 */
import { useState } from "preact/hooks"
import { useRoute } from "preact-iso"
import { answerOf, client } from "../api/client"
import { Alert, Badge, Button, LoadState, Page, useLoad } from "../components/ui"
import { can } from "../state/session"
import "../components/schedules/schedules.css"
import "./departments.css"
import { Records } from "../components/departments/Records"
import { SourceForm } from "../components/departments/SourceForm"
import { type Source, settingsSummary } from "../components/departments/sources"

const Sources = () => {
  const [round, setRound] = useState(0)
  const [editing, setEditing] = useState<string | undefined>(undefined)
  const [notice, setNotice] = useState<string | undefined>(undefined)
  const sources = useLoad(
    (signal) => answerOf(client.GET("/api/department-sources/", { params: { query: { page_size: "200" } }, signal })),
    [round],
  )
  const editable = can.editSources()
  const saved = (source: Source, verb: string) => {
    setEditing(undefined)
    setNotice(`${source.name} is ${verb}.`)
    setRound((n) => n + 1)
  }
  return (
    <Page
      title="Departments"
      actions={
        editable && editing !== "new" ? (
          <Button
            onClick={() => {
              setNotice(undefined)
              setEditing("new")
            }}
          >
            Add source
          </Button>
        ) : null
      }
    >
      <p class="muted">The sources department records come from. Their ingest jobs are on the Schedules page.</p>
      <div aria-live="polite">{notice ? <Alert kind="success">{notice}</Alert> : null}</div>
      {editing === "new" ? (
        <SourceForm onSaved={(source) => saved(source, "added")} onCancel={() => setEditing(undefined)} />
      ) : null}
      <LoadState loaded={sources}>
        {(list) => {
          const current = list.results.find((source) => source.id === editing)
          return (
            <>
              {current ? (
                <SourceForm
                  key={current.id}
                  source={current}
                  onSaved={(source) => saved(source, "saved")}
                  onCancel={() => setEditing(undefined)}
                />
              ) : null}
              {list.results.length === 0 ? (
                <p class="muted">No department sources yet.{editable ? " Add one to ingest its records." : ""}</p>
              ) : (
                // biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls by keyboard
                <section class="table-wrap" tabIndex={0} aria-label="Department sources">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Name</th>
                        <th scope="col">Code</th>
                        <th scope="col">Kind</th>
                        <th scope="col">Department</th>
                        <th scope="col">State</th>
                        <th scope="col">Settings</th>
                        <th scope="col">Actions</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.results.map((source) => (
                        <tr key={source.id}>
                          <td>
                            <a href={`/departments/${source.id}`}>{source.name}</a>
                          </td>
                          <td>
                            <code>{source.code}</code>
                          </td>
                          <td>{source.kind}</td>
                          <td>{source.department}</td>
                          <td>
                            <Badge value={source.enabled ? "enabled" : "disabled"} />
                          </td>
                          <td class="settings-summary">{settingsSummary(source.settings)}</td>
                          <td>
                            <div class="row-actions">
                              <a class="button button-secondary" href={`/departments/${source.id}`}>
                                Records<span class="visually-hidden"> of {source.name}</span>
                              </a>
                              {editable ? (
                                <Button
                                  variant="secondary"
                                  onClick={() => {
                                    setNotice(undefined)
                                    setEditing(source.id)
                                  }}
                                >
                                  Edit<span class="visually-hidden"> {source.name}</span>
                                </Button>
                              ) : null}
                            </div>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </section>
              )}
            </>
          )
        }}
      </LoadState>
    </Page>
  )
}

export default function Departments() {
  const { params } = useRoute()
  return params.id ? <Records id={params.id} /> : <Sources />
}
