// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from "@testing-library/preact"
import { afterEach, describe, expect, it } from "vitest"
import { ApiProblem } from "../src/api/client"
import { Alert, Badge, Field, messageOf } from "../src/components/ui"

afterEach(cleanup)

describe("ui building blocks", () => {
  it("ties a field's label, hint and error to its input", () => {
    render(
      <Field label="Email" hint="Your school address" error="must be an email address">
        {(props) => <input {...props} type="email" />}
      </Field>,
    )
    const input = screen.getByLabelText("Email")
    expect(input.getAttribute("aria-invalid")).toBe("true")
    const described = (input.getAttribute("aria-describedby") ?? "").split(" ")
    expect(described.map((id) => document.getElementById(id)?.textContent)).toEqual([
      "Your school address",
      "must be an email address",
    ])
    fireEvent.input(input, { target: { value: "a@b.c" } })
    expect((input as HTMLInputElement).value).toBe("a@b.c")
  })

  it("announces errors as alerts and says what went wrong in words", () => {
    render(<Alert>{messageOf(new ApiProblem('a source named "X" already exists', 409, "conflict"))}</Alert>)
    expect(screen.getByRole("alert").textContent).toBe('a source named "X" already exists')
    render(<Badge value="awaiting_approval" />)
    expect(screen.getByText("awaiting approval").className).toContain("badge-warn")
  })
})
