/** The people an incident screen names: the actors of its timeline, and who it can be assigned to. */
import { useEffect, useState } from "preact/hooks"
import { answerOf, client } from "../../api/client"
import { type Account, can, session } from "../../state/session"

/** A person an incident can be assigned to: an active admin or moderator. */
export interface Assignable {
  readonly id: string
  readonly username: string
}

/**
 * Names for the actors of a timeline: the signed-in person, BatchOps, and (for admins, who
 * may list accounts) everyone; admins also get the people an incident can be assigned to.
 */
export const usePeople = () => {
  const [accounts, setAccounts] = useState<ReadonlyArray<Account>>([])
  useEffect(() => {
    if (!can.manageUsers()) return
    const controller = new AbortController()
    answerOf(client.GET("/api/users/", { params: { query: { page_size: "200" } }, signal: controller.signal })).then(
      (page) => setAccounts(page.results),
      () => undefined,
    )
    return () => controller.abort()
  }, [])
  const me = session.value?.user
  const nameOf = (actor: string | null): string => {
    if (actor === null) return "BatchOps"
    if (me && actor === me.id) return `${me.username} (you)`
    return accounts.find((account) => account.id === actor)?.username ?? `a colleague (account ${actor.slice(0, 8)})`
  }
  const assignable: ReadonlyArray<Assignable> = accounts.filter(
    (account) => account.is_active && (account.role === "admin" || account.role === "moderator"),
  )
  return { nameOf, assignable }
}
