/** Profiles: the kinds of file BatchOps knows (gradebook, attendance, roster, generic, and plugins' own). */

/** One required thing: satisfied when all columns of any one alternative are present. */
export interface Requirement {
  /** e.g. "a name (name, or first_name and last_name)" */
  readonly label: string
  readonly anyOf: ReadonlyArray<ReadonlyArray<string>>
}

export interface Profile {
  /** unique id, e.g. "gradebook" */
  readonly id: string
  readonly label: string
  readonly required: ReadonlyArray<Requirement>
  /** at least this many numeric columns (gradebook: 1); checked when all rows are seen */
  readonly minNumericColumns?: number
  /** key columns: present and well formed in every row; never numeric */
  readonly keys: ReadonlyArray<string>
  /** canonical name -> aliases (after normalization) */
  readonly aliases?: Readonly<Record<string, ReadonlyArray<string>>>
  /** coded values written out in full: column -> (code in upper case -> value) */
  readonly codes?: Readonly<Record<string, Readonly<Record<string, string>>>>
  /** columns whose repeated values are a warning (roster: student_id) */
  readonly unique?: ReadonlyArray<string>
  /** the plugin that contributed it (filled in by the registry) */
  readonly plugin?: string
}

/** Column names the requirement needs, as one flat list of its first alternative (for messages). */
export const requirementMet = (requirement: Requirement, columns: ReadonlyArray<string>): boolean =>
  requirement.anyOf.some((alternative) => alternative.every((column) => columns.includes(column)))

/** The requirements a set of columns does not meet. */
export const missingRequirements = (profile: Profile, columns: ReadonlyArray<string>): ReadonlyArray<Requirement> =>
  profile.required.filter((requirement) => !requirementMet(requirement, columns))
