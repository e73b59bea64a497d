/** Finding accounts: a search (on submit), and the role and status filters (at once). */
import { useState } from "preact/hooks"
import type { Role } from "../../state/session"
import { Button, Field } from "../ui"
import { ROLES } from "./accounts"

export interface Filters {
  readonly search: string
  readonly role: Role | ""
  /** "true", "false", or both */
  readonly active: "true" | "false" | ""
}

export const AccountFilters = ({
  filters,
  onFilters,
}: {
  filters: Filters
  /** the filters changed: the list goes back to its first page */
  onFilters: (next: Partial<Filters>) => void
}) => {
  const [search, setSearch] = useState(filters.search)
  return (
    <form
      class="users-filters"
      aria-label="Find accounts"
      onSubmit={(event) => {
        event.preventDefault()
        onFilters({ search: search.trim() })
      }}
    >
      <Field label="Search" hint="Username, email or name">
        {(props) => (
          <input {...props} type="search" value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
        )}
      </Field>
      <Field label="Role">
        {(props) => (
          <select
            {...props}
            value={filters.role}
            onChange={(event) => {
              const value = event.currentTarget.value
              onFilters({ role: value as Role | "" })
            }}
          >
            <option value="">All roles</option>
            {ROLES.map((item) => (
              <option key={item.value} value={item.value}>
                {item.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Status">
        {(props) => (
          <select
            {...props}
            value={filters.active}
            onChange={(event) => {
              const value = event.currentTarget.value
              onFilters({ active: value as Filters["active"] })
            }}
          >
            <option value="true">Active</option>
            <option value="false">Deactivated</option>
            <option value="">Active and deactivated</option>
          </select>
        )}
      </Field>
      <div class="field">
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </div>
    </form>
  )
}
