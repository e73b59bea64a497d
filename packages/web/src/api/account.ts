/**
 * The signed-in account as the server sees it now: `GET /api/auth/me/` answers it with what it
 * may do and the incident moves, which the screens offer their actions by.
 */
import { type Account, type Rights, receiveRights, session } from "../state/session"
import { answerOf, client } from "./client"

/** Asks the server for the signed-in account's rights and keeps them with the session. */
export const loadRights = async (): Promise<void> => {
  const token = session.value?.token
  const me: Account & Rights = await answerOf(client.GET("/api/auth/me/"))
  // an answer for a session that has since ended or changed is not kept
  if (token !== undefined && session.value?.token === token) receiveRights(me)
}
