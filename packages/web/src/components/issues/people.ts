/** The people an incident screen names: the actors of its timeline, and who it can be assigned to. */
import { useEffect, useState } from "preact/hooks"
import { answerOf, client } from "../../api/client"
import { type Account, can, session } from "../../state/session"

/** A person an incident can be assigned to, as the server lists them. */
export interface Assignable {
  readonly id: string
  readonly username: string
}

/**
 * Names for the actors of a timeline: the signed-in person, BatchOps, the people an incident
 * can be assigned to (for whoever may assign: the server says who they are), and, for admins,
 * who may list accounts, everyone.
 */
export const usePeople = () => {
  const [accounts, setAccounts] = useState<ReadonlyArray<Account>>([])
  const [assignable, setAssignable] = useState<ReadonlyArray<Assignable>>([])
  useEffect(() => {
    const controller = new AbortController()
    if (can.manageUsers()) {
      answerOf(client.GET("/api/users/", { params: { query: { page_size: "200" } }, signal: controller.signal })).then(
        (page) => setAccounts(page.results),
        () => undefined,
      )
    }
    if (can.manageIncidents()) {
      answerOf(client.GET("/api/incident-assignees/", { signal: controller.signal })).then(
        (answer) => setAssignable(answer.results),
        () => undefined,
      )
    }
    return () => controller.abort()
  }, [])
  const me = session.value?.user
  const nameOf = (actor: string | null): string => {
    if (actor === null) return "BatchOps"
    if (me && actor === me.id) return `${me.username} (you)`
    const known = accounts.find((account) => account.id === actor) ?? assignable.find((person) => person.id === actor)
    return known?.username ?? `a colleague (account ${actor.slice(0, 8)})`
  }
  return { nameOf, assignable }
}
