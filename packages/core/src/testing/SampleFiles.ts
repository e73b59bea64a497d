/**
 * Small, realistic school files for a plugin's tests: one per built-in profile and a few
 * broken ones, each with its text and its bytes (UTF-8).
 */

/** A file as a test hands it to the runners: its name and its bytes. */
export interface TestFile {
  readonly name: string
  readonly bytes: Uint8Array
}

/** A sample file: its name, its text and the same text as UTF-8 bytes. */
export interface SampleFile extends TestFile {
  readonly text: string
}

/** A sample file from its name and lines (joined with "\n", one line end at the end; no lines: an empty file). */
export const sampleFile = (name: string, ...lines: ReadonlyArray<string>): SampleFile => {
  const text = lines.length === 0 ? "" : `${lines.join("\n")}\n`
  return { name, text, bytes: new TextEncoder().encode(text) }
}

/**
 * A gradebook as a teacher exports it (the `gradebook` profile): `Student ID` becomes
 * `student_id`; one score is missing and one is `N/A`, which count as missing, not as problems.
 */
export const gradebookSample: SampleFile = sampleFile(
  "gradebook.csv",
  "Student ID,First Name,Last Name,Class,Math,English,Science,Attendance (%)",
  "STU-2024-0001,Chloé,Smith,9A,62.8,71.4,86.4,87.9%",
  "STU-2024-0002,Nguyễn Văn An,Brown,10B,77.0,90.0,68.5,81.8%",
  "STU-2024-0003,José,Martin,9A,96.7,80.8,81.6,91.7%",
  "STU-2024-0004,Mateo,Li,9B,81.0,77.9,75.6,91.6%",
  "STU-2024-0005,Jonas,Silva,10B,64.3,76.9,74.6,95.5%",
  "STU-2024-0006,Priya,Hassan,10B,89.7,83.2,82.4,97.5%",
  "STU-2024-0007,Olivia,Hassan,9A,52.0,63.2,60.9,88.4%",
  "STU-2024-0008,Maya,Nguyen,10A,65.2,91.3,80.9,96.8%",
  "STU-2024-0009,Maya,Jones,10A,,63.3,65.0,94.3%",
  "STU-2024-0010,Noah,Smith,10B,N/A,70.4,90.5,94.8%",
)

/** An attendance register (the `attendance` profile): status codes P, A, L and E are spelled out. */
export const attendanceSample: SampleFile = sampleFile(
  "attendance.csv",
  "student_id,date,status,period",
  "STU-2024-0001,2024-09-02,P,1",
  "STU-2024-0002,2024-09-02,A,1",
  "STU-2024-0003,2024-09-02,L,1",
  "STU-2024-0001,2024-09-03,P,1",
  "STU-2024-0002,2024-09-03,E,1",
  "STU-2024-0003,2024-09-03,P,1",
)

/** A class roster (the `roster` profile): names split in two, a class, and a quoted name with a comma. */
export const rosterSample: SampleFile = sampleFile(
  "roster.csv",
  "student_id,first_name,last_name,class,guardian",
  'STU-2024-0001,Chloé,Smith,9A,"Smith, Anne"',
  "STU-2024-0002,Nguyễn Văn An,Brown,10B,Tom Brown",
  "STU-2024-0003,José,Martin,9A,Ana Martin",
  "STU-2024-0004,Mateo,Li,9B,Wei Li",
)

/** A gradebook without its `student_id` column: `validate_results` fails on it, naming the column. */
export const missingColumnSample: SampleFile = sampleFile(
  "no-student-id.csv",
  "First Name,Last Name,Class,Math,English",
  "Chloé,Smith,9A,62.8,71.4",
  "José,Martin,9A,96.7,80.8",
  "Mateo,Li,9B,81.0,77.9",
)

/**
 * A gradebook with scores that are not numbers (`ninety`, `abs.`): the run publishes, and
 * `validate_results` reports each as a `not_a_number` problem on its row.
 */
export const badScoresSample: SampleFile = sampleFile(
  "bad-scores.csv",
  "student_id,name,math,english",
  "STU-2024-0001,Chloé Smith,62.8,71.4",
  "STU-2024-0002,José Martin,ninety,80.8",
  "STU-2024-0003,Mateo Li,81.0,abs.",
  "STU-2024-0004,Priya Hassan,89.7,83.2",
  "STU-2024-0005,Noah Smith,77.4,70.4",
  "STU-2024-0006,Maya Jones,65.2,91.3",
)

/** An empty file (0 bytes): `standardize_results` fails on it. */
export const emptySample: SampleFile = sampleFile("empty.csv")

/** Every sample, by what it is. */
export const samples = {
  gradebook: gradebookSample,
  attendance: attendanceSample,
  roster: rosterSample,
  missingColumn: missingColumnSample,
  badScores: badScoresSample,
  empty: emptySample,
} as const
