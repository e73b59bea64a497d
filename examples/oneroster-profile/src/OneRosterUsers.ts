/**
 * A profile for OneRoster 1.2 `users.csv`, the file student information systems export to
 * learning platforms. Headers are matched as OneRoster writes them (`sourcedId`,
 * `givenName`...) and named in snake case (`sourced_id`, `given_name`); `role`, `enabledUser`
 * and `status` must hold the values the standard allows.
 */
import { definePlugin, PLUGIN_API_VERSION, type Profile } from "@batchops/core"

/** Every column of users.csv in OneRoster 1.2, in the standard's order: header -> column name here. */
export const USERS_COLUMNS = {
  sourcedId: "sourced_id",
  status: "status",
  dateLastModified: "date_last_modified",
  enabledUser: "enabled_user",
  orgSourcedIds: "org_sourced_ids",
  role: "role",
  username: "username",
  userIds: "user_ids",
  givenName: "given_name",
  familyName: "family_name",
  middleName: "middle_name",
  identifier: "identifier",
  email: "email",
  sms: "sms",
  phone: "phone",
  agentSourcedIds: "agent_sourced_ids",
  grades: "grades",
  password: "password",
  userMasterIdentifier: "user_master_identifier",
  resourceSourcedIds: "resource_sourced_ids",
  preferredGivenName: "preferred_given_name",
  preferredMiddleName: "preferred_middle_name",
  preferredFamilyName: "preferred_family_name",
  primaryOrg: "primary_org",
  pronouns: "pronouns",
} as const

type Header = keyof typeof USERS_COLUMNS

/** The columns OneRoster 1.2 requires in users.csv. */
export const REQUIRED_HEADERS: ReadonlyArray<Header> = [
  "sourcedId",
  "enabledUser",
  "orgSourcedIds",
  "role",
  "username",
  "givenName",
  "familyName",
]

/** The values of `role` (OneRoster 1.2 RoleEnum). */
export const ROLES = [
  "aide",
  "counselor",
  "districtAdministrator",
  "guardian",
  "parent",
  "principal",
  "proctor",
  "relative",
  "siteAdministrator",
  "student",
  "systemAdministrator",
  "teacher",
] as const

/** A coded column: each value in upper case (how BatchOps looks codes up) -> as the standard spells it. */
const codes = (values: ReadonlyArray<string>): Record<string, string> =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), value]))

export const oneRosterUsers: Profile = {
  id: "oneroster-users",
  label: "OneRoster 1.2 users.csv",
  required: REQUIRED_HEADERS.map((header) => ({ label: header, anyOf: [[USERS_COLUMNS[header]]] })),
  keys: ["sourced_id"],
  unique: ["sourced_id", "username"],
  // BatchOps lowers headers ("givenName" -> "givenname"); map those onto the snake-case names,
  // and keep `id`, `student_number`... from being read as a student id in this file
  aliases: {
    student_id: [],
    ...Object.fromEntries(
      Object.entries(USERS_COLUMNS)
        .filter(([header, column]) => header.toLowerCase() !== column)
        .map(([header, column]) => [column, [header.toLowerCase()]]),
    ),
  },
  codes: {
    role: codes(ROLES),
    enabled_user: codes(["true", "false"]),
    // blank in a bulk file; in a delta file, whether the record is kept or removed
    status: codes(["active", "tobedeleted"]),
  },
}

export const oneRosterPlugin = definePlugin({
  name: "oneroster",
  apiVersion: PLUGIN_API_VERSION,
  version: "0.1.0",
  profiles: [oneRosterUsers],
})
