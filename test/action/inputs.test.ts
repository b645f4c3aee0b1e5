import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/engine/duration.js";
import { readInputs } from "../../src/action/inputs.js";

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? "";

describe("durations", () => {
  it("reads a whole number and one unit", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("45m")).toBe(2_700_000);
    expect(parseDuration(" 2h ")).toBe(7_200_000);
    expect(parseDuration("30d")).toBe(30 * 86_400_000);
    expect(parseDuration("0")).toBe(0);
    for (const text of ["", "2", "2 hours", "1.5h", "-1h", "1h30m", "h", "2H"]) expect(parseDuration(text)).toBeNull();
  });

  it("formats the two largest units", () => {
    expect(formatDuration(90_000)).toBe("1m 30s");
    expect(formatDuration(7_200_000)).toBe("2h");
    expect(formatDuration(26 * 3_600_000 + 5 * 60_000)).toBe("1d 2h");
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(1)).toBe("1s");
  });
});

describe("readInputs", () => {
  it("applies the defaults", () => {
    expect(readInputs(reader({ mode: "gate", token: "t" }))).toEqual({
      ok: true,
      inputs: { mode: "gate", token: "t", failOnBlock: true, environment: "production", sha: null, waitMs: 0, jobTimeoutMs: 6 * 3_600_000, record: false, trailDir: null, out: "changegate-site" },
      warnings: [],
    });
  });

  it("reads every gate input", () => {
    const result = readInputs(reader({ mode: "gate", token: "t", environment: "staging", sha: "A".repeat(40), "fail-on-block": "False", wait: "45m", "job-timeout": "1h", record: "true" }));
    expect(result).toMatchObject({ ok: true, inputs: { environment: "staging", sha: "a".repeat(40), failOnBlock: false, waitMs: 2_700_000, jobTimeoutMs: 3_600_000, record: true } });
    expect(readInputs(reader({ mode: "gate", token: "t", record: "yes" }))).toMatchObject({ ok: false, problems: ['Input "record" must be true or false; got "yes".'] });
  });

  it("reports every problem at once, clearly", () => {
    const result = readInputs(reader({ mode: "gat", token: "", "fail-on-block": "yes", wait: "2 hours", sha: "abc123" }));
    expect(result).toEqual({
      ok: false,
      problems: [
        'Input "mode" must be one of check, gate, audit, site; got "gat" (did you mean "gate"?).',
        'Input "token" is empty: pass `token: ${{ secrets.GITHUB_TOKEN }}` or a token that can read the repository (see docs/action.md).',
        'Input "fail-on-block" must be true or false; got "yes".',
        'Input "sha" must be a full 40-character commit SHA; got "abc123".',
        'Input "wait" must be a duration such as 90s, 45m, 2h or 30d (a whole number and one unit); got "2 hours".',
      ],
    });
    expect(readInputs(reader({ token: "t" }))).toEqual({ ok: false, problems: ['Input "mode" is required: one of check, gate, audit, site.'] });
  });

  it("refuses a wait the job cannot outlive", () => {
    const result = readInputs(reader({ mode: "gate", token: "t", wait: "7h" }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]).toMatch(/^Input "wait" \(7h\) is not shorter than the job can live \(job-timeout 6h\)/);
    expect(readInputs(reader({ mode: "gate", token: "t", wait: "50m", "job-timeout": "45m" })).ok).toBe(false);
    expect(readInputs(reader({ mode: "gate", token: "t", wait: "5h", "job-timeout": "0" }))).toEqual({
      ok: false,
      problems: ['Input "job-timeout" must be longer than 0.'],
    });
  });

  it("warns about inputs the mode ignores", () => {
    expect(readInputs(reader({ mode: "check", token: "t", wait: "1h", environment: "staging" }))).toMatchObject({
      ok: true,
      warnings: ['Input "environment" does not apply to mode: check; it is ignored.', 'Input "wait" does not apply to mode: check; it is ignored.'],
    });
  });
});
