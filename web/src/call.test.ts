import { describe, expect, it } from "vitest";
import { clock, mediaError } from "./call";

describe("clock", () => {
  it("shows m:ss, then h:mm:ss", () => {
    expect(clock(0)).toBe("0:00");
    expect(clock(65_400)).toBe("1:05");
    expect(clock(3_725_000)).toBe("1:02:05");
    expect(clock(-5)).toBe("0:00");
  });
});

describe("mediaError", () => {
  it("says what to do when the browser gives no microphone or camera", () => {
    expect(mediaError({ name: "NotAllowedError" })).toMatch(/not allowed .* Allow them/);
    expect(mediaError({ name: "NotFoundError" })).toMatch(/No microphone or camera was found/);
    expect(mediaError({ name: "NotReadableError" })).toMatch(/in use by another program/);
    expect(mediaError(new Error("boom"))).toMatch(/could not start: boom/);
  });
});
