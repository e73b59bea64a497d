// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/preact"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { UploadQueue } from "../src/components/intake/UploadQueue"
import { session, signIn, signOut } from "../src/state/session"
import { rightsOf } from "./support/rights"

/** The browser's network for uploads: each request waits until the test answers it. */
class FakeRequest {
  static sent: Array<FakeRequest> = []
  method = ""
  url = ""
  headers: Record<string, string> = {}
  body: FormData | undefined
  status = 0
  responseText = ""
  aborted = false
  upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = {
    onprogress: null,
  }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null
  open(method: string, url: string) {
    this.method = method
    this.url = url
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value
  }
  getResponseHeader(name: string) {
    return name.toLowerCase() === "content-type" ? "application/json" : null
  }
  send(body: FormData) {
    this.body = body
    FakeRequest.sent.push(this)
  }
  abort() {
    this.aborted = true
    this.onabort?.()
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total })
  }
  answer(status: number, json: unknown) {
    this.status = status
    this.responseText = JSON.stringify(json)
    this.onload?.()
  }
}

const file = (name: string, text = "student_id,math\nS1,80\n") => new File([text], name, { type: "text/csv" })

/** lets promises and the renders they cause settle */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

/** Drops files on the drop zone as a dragged selection would (happy-dom has no drag events to fire). */
const drop = (files: ReadonlyArray<File>) => {
  const event = new Event("drop", { bubbles: true, cancelable: true })
  Object.defineProperty(event, "dataTransfer", { value: { files } })
  fireEvent(screen.getByTestId("drop-zone"), event)
}

const queued = (id: string, name: string) => ({ id, file_name: name, status: "queued" })

beforeEach(() => {
  FakeRequest.sent = []
  vi.stubGlobal("XMLHttpRequest", FakeRequest)
  signIn({
    token: "t0ken",
    rights: rightsOf("user"),
    user: {
      id: "u1",
      username: "ops",
      email: "ops@school.test",
      role: "user",
      email_verified: true,
      is_active: true,
      created_at: "2026-09-01T08:00:00Z",
    },
  })
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
  signOut()
})

describe("the upload queue", () => {
  it("sends several files one after another, each with its own progress, and links each to its run", async () => {
    const fields = { profile: "attendance", process_mode: "custom", process_config: '{"note":"term 1"}' }
    render(<UploadQueue prepare={() => fields} />)
    drop([file("a.csv"), file("b.csv"), file("c.csv")])
    const list = screen.getByRole("list", { name: "Upload queue" })
    expect(within(list).getAllByRole("listitem")).toHaveLength(3)
    expect(within(list).getAllByText("waiting")).toHaveLength(3)

    fireEvent.click(screen.getByRole("button", { name: "Upload 3 files" }))
    await settle()
    expect(FakeRequest.sent).toHaveLength(1)
    const first = FakeRequest.sent[0]!
    expect(first.method).toBe("POST")
    expect(first.url).toBe("/api/uploads/")
    expect(first.headers.Authorization).toBe(`Token ${session.value?.token}`)
    expect((first.body?.get("file") as File | undefined)?.name).toBe("a.csv")
    expect(first.body?.get("profile")).toBe("attendance")
    expect(first.body?.get("process_mode")).toBe("custom")
    expect(first.body?.get("process_config")).toBe('{"note":"term 1"}')

    first.progress(25, 100)
    await settle()
    expect(screen.getByText("uploading 25%")).toBeTruthy()
    expect(screen.getByRole("progressbar", { name: "Upload of a.csv" }).getAttribute("value")).toBe("25")
    expect(screen.getByRole("progressbar", { name: "Upload of b.csv" }).getAttribute("value")).toBe("0")
    // the one being sent can be cancelled, the others removed
    expect(screen.getByRole("button", { name: "Cancel a.csv" })).toBeTruthy()
    expect(screen.getByRole("button", { name: "Remove b.csv" })).toBeTruthy()

    first.answer(201, queued("run-a", "a.csv"))
    await settle()
    expect(screen.getByRole("link", { name: "Open run of a.csv" }).getAttribute("href")).toBe("/runs/run-a")
    expect(screen.getByRole("progressbar", { name: "Upload of a.csv" }).getAttribute("value")).toBe("100")

    expect(FakeRequest.sent).toHaveLength(2)
    FakeRequest.sent[1]!.progress(60, 100)
    await settle()
    expect(screen.getByText("uploading 60%")).toBeTruthy()
    FakeRequest.sent[1]!.answer(201, queued("run-b", "b.csv"))
    await settle()
    FakeRequest.sent[2]!.answer(201, queued("run-c", "c.csv"))
    await settle()
    expect(screen.getByRole("link", { name: "Open run of c.csv" }).getAttribute("href")).toBe("/runs/run-c")
    expect(screen.getByText("3 of 3 uploaded.")).toBeTruthy()
    expect((screen.getByRole("button", { name: "Upload" }) as HTMLButtonElement).disabled).toBe(true)
  })

  it("shows the server's message next to a refused file, sends the rest, and tries the refused one again", async () => {
    render(<UploadQueue prepare={() => ({ profile: "gradebook", process_mode: "transform", process_config: "{}" })} />)
    drop([file("photo.csv"), file("grades.csv")])
    fireEvent.click(screen.getByRole("button", { name: "Upload 2 files" }))
    await settle()
    const refusal =
      "the file is a PNG image, whatever its name says: BatchOps reads CSV or TSV text, Excel workbooks (.xlsx, .xls), OpenDocument spreadsheets (.ods) and PDF tables"
    FakeRequest.sent[0]!.answer(415, {
      error: refusal,
      code: "unsupported_file",
      fields: [{ path: "file", message: "a PNG image is not a file BatchOps reads" }],
    })
    await settle()
    const photo = screen.getAllByRole("listitem")[0]!
    expect(within(photo).getByRole("alert").textContent).toBe(refusal)
    expect(within(photo).getByText("failed")).toBeTruthy()

    FakeRequest.sent[1]!.answer(201, queued("run-g", "grades.csv"))
    await settle()
    expect(screen.getByText("1 of 2 uploaded, 1 refused.")).toBeTruthy()

    fireEvent.click(screen.getByRole("button", { name: "Try again photo.csv" }))
    await settle()
    expect(FakeRequest.sent).toHaveLength(3)
    expect((FakeRequest.sent[2]!.body?.get("file") as File | undefined)?.name).toBe("photo.csv")
    FakeRequest.sent[2]!.answer(413, { error: "the file is larger than the upload limit of 1 KB", code: "too_large" })
    await settle()
    expect(within(screen.getAllByRole("listitem")[0]!).getByRole("alert").textContent).toBe(
      "the file is larger than the upload limit of 1 KB",
    )
  })

  it("follows each uploaded file's run until it ends", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] })
    const asked: Array<string> = []
    vi.stubGlobal("fetch", async (url: string) => {
      asked.push(url)
      return new Response(JSON.stringify({ id: "run-a", file_name: "a.csv", status: "published" }), {
        headers: { "Content-Type": "application/json" },
      })
    })
    try {
      render(
        <UploadQueue prepare={() => ({ profile: "gradebook", process_mode: "transform", process_config: "{}" })} />,
      )
      drop([file("a.csv")])
      fireEvent.click(screen.getByRole("button", { name: "Upload 1 file" }))
      await settle()
      FakeRequest.sent[0]!.answer(201, queued("run-a", "a.csv"))
      await settle()
      expect(screen.getByText("queued")).toBeTruthy()
      vi.advanceTimersByTime(2000)
      await settle()
      expect(asked).toEqual(["/api/uploads/run-a/"])
      expect(screen.getByText("published")).toBeTruthy()
      // an ended run is not asked about again
      vi.advanceTimersByTime(6000)
      await settle()
      expect(asked).toHaveLength(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it("cancels an upload on the way, removes files, and sends nothing while the plan is not ready", async () => {
    let ready = false
    const prepare = vi.fn(() =>
      ready ? { profile: "gradebook", process_mode: "transform", process_config: "{}" } : null,
    )
    render(<UploadQueue prepare={prepare} />)
    const input = screen.getByLabelText("Files to upload") as HTMLInputElement
    Object.defineProperty(input, "files", { value: [file("x.csv"), file("y.csv")], configurable: true })
    fireEvent.change(input)
    expect(screen.getAllByRole("listitem")).toHaveLength(2)

    fireEvent.click(screen.getByRole("button", { name: "Upload 2 files" }))
    await settle()
    expect(prepare).toHaveBeenCalled()
    expect(FakeRequest.sent).toHaveLength(0)

    fireEvent.click(screen.getByRole("button", { name: "Remove y.csv" }))
    expect(screen.getAllByRole("listitem")).toHaveLength(1)

    ready = true
    fireEvent.click(screen.getByRole("button", { name: "Upload 1 file" }))
    await settle()
    FakeRequest.sent[0]!.progress(10, 100)
    fireEvent.click(screen.getByRole("button", { name: "Cancel x.csv" }))
    await settle()
    expect(FakeRequest.sent[0]!.aborted).toBe(true)
    expect(screen.getByText("Upload cancelled.")).toBeTruthy()
    expect(screen.getByText("waiting")).toBeTruthy()
  })
})
