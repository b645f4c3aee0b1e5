import * as z from "zod/mini";
import "./zod-setup.js";
import { calendarFields, resolveCalendarForm, type ResolvedEntry } from "./calendar-forms.js";
import { POLICY_PATH } from "./policy-path.js";
import type { CalendarOccurrences } from "./occurrences.js";
import { formatPath, nearestName, type Problem } from "./problems.js";
import { schemaProblems, valueAt } from "./schema-problems.js";
import {
  isKnownZone,
  knownZones,
  parseClock,
  parseDateTimeText,
  WEEKDAYS,
} from "./wall-clock.js";
import { parseYaml, type YamlOrigin, type YamlText } from "./yaml-document.js";

/** Where the policy lives in a repository: always read from the PR's base branch. */
export { POLICY_PATH };

export const DIMENSIONS = ["blast_radius", "reversibility", "confidence", "timing"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const TIERS = ["low", "medium", "high", "critical"] as const;
export type Tier = (typeof TIERS)[number];
export const CHANGE_TYPES = ["standard", "normal", "emergency"] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];
export const TRAFFIC_CLASSES = ["peak", "business", "normal"] as const;
export type TrafficClass = (typeof TRAFFIC_CLASSES)[number] | "off-peak";

const score = z.int().check(z.gte(1), z.lte(4));
const clock = z.string().check(z.refine((text) => parseClock(text) !== null, { message: 'expected a time "HH:MM" (00:00 to 23:59)' }));
const dateTime = z.string().check(
  z.refine((text) => parseDateTimeText(text) !== null, {
    message: 'expected a date-time such as "2026-12-24T00:00" (in the policy timezone) or "2026-03-28T00:00:00Z"',
  }),
);
const names = z.array(z.string().check(z.minLength(1)));
/** A `names` list that is empty when the key is left out. */
const namesOrNone = z._default(names, []);

const slot = z
  .strictObject({
    days: z.array(z.enum(WEEKDAYS)).check(z.minLength(1)),
    from: clock,
    to: clock,
  })
  .check(
    z.refine((value) => value.from !== value.to, {
      message: "`to` equals `from`: a slot must have a length (a `to` earlier than `from` crosses midnight)",
      path: ["to"],
    }),
  );

const scores = z.strictObject({
  blast_radius: z.optional(score),
  reversibility: z.optional(score),
  confidence: z.optional(score),
  timing: z.optional(score),
});

const dated = {
  name: z.string().check(z.minLength(1)),
  // One dated interval (start, end), or one of the calendar forms (SPEC §10).
  start: z.optional(dateTime),
  end: z.optional(dateTime),
  ...calendarFields,
  environments: z.optional(names),
  services: z.optional(names),
};

const window = z.union([z.literal("always"), z.literal("never"), z.array(slot)]);

const approvalRequirement = z.strictObject({
  count: z.int().check(z.gte(0)),
  teams: namesOrNone,
});

const tierBound = z.int().check(z.gte(4), z.lte(16));
const tierRange = z.tuple([tierBound, tierBound]);

// zod/mini, not zod's classic API: the same schemas and issues, without the dozens of methods
// classic attaches to every schema it builds, which cost the Action's cold start ~15 ms.
export const policySchema = z.strictObject({
  version: z.literal(1),
  timezone: z._default(z.string(), "UTC"),
  enforcement: z._default(z.enum(["enforce", "report"]), "enforce"),
  change_request: z.prefault(
    z.strictObject({
      required: z._default(z.boolean(), true),
      environments: z._default(names, ["production"]),
    }),
    {},
  ),
  risk: z.prefault(
    z.strictObject({
      defaults: z.prefault(
        z.strictObject({
          blast_radius: z._default(score, 2),
          reversibility: z._default(score, 2),
          confidence: z._default(score, 3),
          timing: z._default(score, 2),
        }),
        {},
      ),
      tiers: z.prefault(
        z.strictObject({
          low: z._default(tierRange, [4, 6]),
          medium: z._default(tierRange, [7, 10]),
          high: z._default(tierRange, [11, 13]),
          critical: z._default(tierRange, [14, 16]),
        }),
        {},
      ),
      rules: z._default(
        z.array(
          z.strictObject({
            name: z.string().check(z.minLength(1)),
            paths: namesOrNone,
            labels: namesOrNone,
            set: scores,
          }),
        ),
        [],
      ),
      traffic: z.optional(
        z.strictObject({ peak: z.optional(z.array(slot)), business: z.optional(z.array(slot)), normal: z.optional(z.array(slot)) }),
      ),
    }),
    {},
  ),
  services: z._default(z.record(z.string(), z.strictObject({ paths: names })), {}),
  approvals: z.prefault(
    z.strictObject({
      low: z._default(approvalRequirement, { count: 1, teams: [] }),
      medium: z._default(approvalRequirement, { count: 2, teams: [] }),
      high: z._default(approvalRequirement, { count: 2, teams: [] }),
      critical: z._default(approvalRequirement, { count: 3, teams: [] }),
      stale_on_push: z._default(z.boolean(), true),
    }),
    {},
  ),
  standard_changes: z._default(
    z.record(z.string(), z.strictObject({ paths: names.check(z.minLength(1)), description: z.optional(z.string()) })),
    {},
  ),
  windows: z.prefault(
    z.strictObject({
      standard: z._default(window, "always"),
      normal: z._default(window, "always"),
      emergency: z._default(window, "always"),
    }),
    {},
  ),
  blackouts: z._default(z.array(z.strictObject(dated)), []),
  freezes: z._default(
    z.array(
      z.strictObject({
        ...dated,
        exceptions: z.optional(z.strictObject({ labels: namesOrNone, approvers: namesOrNone })),
      }),
    ),
    [],
  ),
  emergency: z.prefault(z.strictObject({ approvers: namesOrNone, retrospective: z._default(z.boolean(), true) }), {}),
  audit: z.prefault(
    z.strictObject({
      repository: z._default(z.string().check(z.regex(/^$|^[\w.-]+\/[\w.-]+$/, 'expected "" or "owner/name"')), ""),
      branch: z._default(z.string().check(z.minLength(1)), "changegate/audit"),
    }),
    {},
  ),
  deploy: z.prefault(
    z.strictObject({
      /** Whether the Action's gate lets through a commit that no pull request brought. */
      allow_direct_pushes: z._default(z.boolean(), false),
    }),
    {},
  ),
  /** Top-level keys a layer on top of this one (`_extends`) cannot change (§9). */
  locked: z._default(z.array(z.string()), []),
});

export type PolicyDocument = z.infer<typeof policySchema>;
export type Slot = z.infer<typeof slot>;
export type WindowSpec = z.infer<typeof window>;
export type ApprovalRequirement = z.infer<typeof approvalRequirement>;
export type RiskRule = PolicyDocument["risk"]["rules"][number];

export interface DatedInterval {
  name: string;
  /** Epoch milliseconds, inclusive. */
  start: number;
  /** Epoch milliseconds, exclusive. */
  end: number;
  environments: string[] | null;
  services: string[] | null;
}

export interface FreezeWindow extends DatedInterval {
  exceptions: { labels: string[]; approvers: string[] } | null;
}

/**
 * A validated policy with its dated entries resolved to instants in its zone. Every entry
 * has its `form`; a dated one also its `interval`. The other forms' occurrences come from
 * `calendar`, which the edges attach (src/calendar/): without it those forms cannot be
 * decided and block.
 */
export interface Policy extends PolicyDocument {
  blackouts: (PolicyDocument["blackouts"][number] & { interval: DatedInterval | null; form: ResolvedEntry })[];
  freezes: (PolicyDocument["freezes"][number] & { interval: FreezeWindow | null; form: ResolvedEntry })[];
  calendar?: CalendarOccurrences;
  /** A layer's values for keys a layer under it locked: not used, shown as warnings at their lines. */
  lockWarnings: Problem[];
}

export interface PolicySource {
  /** The file's path in its repository, for errors and annotations. */
  file: string;
  text: string;
  /** The same text as `readPolicyLayer` parsed it already (the loader reads `_extends` first), so it is not parsed twice. */
  layer?: PolicyLayerText;
}

export type PolicyResult = { ok: true; policy: Policy } | { ok: false; problems: Problem[] };

/**
 * Parses and validates a policy. Several sources are layers (org defaults first, the
 * repository's file last), merged key by key, with `freezes`, `blackouts` and
 * `risk.rules` concatenated. Every problem points at its line in its own file.
 */
export function parsePolicy(sources: PolicySource | readonly PolicySource[]): PolicyResult {
  const layers = Array.isArray(sources) ? (sources as readonly PolicySource[]) : [sources as PolicySource];
  const parsed: { origin: YamlOrigin; text: YamlText }[] = [];
  const problems: Problem[] = [];
  for (const source of layers) {
    const origin: YamlOrigin = { source: "policy", file: source.file };
    const remembered = source.layer !== undefined && source.layer.text === source.text ? source.layer.yaml : null;
    const result = remembered === null ? parseYaml(source.text, origin) : { ok: true as const, text: remembered };
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const value = result.text.value;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      const at = result.text.locate([]);
      problems.push({
        source: "policy",
        file: source.file,
        path: "",
        line: at?.line ?? 1,
        column: at?.column ?? 1,
        message: "the policy must be a YAML mapping (version, timezone, windows, ...)",
        suggestion: "start from `changegate init`",
      });
      continue;
    }
    parsed.push({ origin, text: result.text });
  }
  if (problems.length > 0) return { ok: false, problems };

  const locks = applyLocks(parsed);
  if (locks.problems.length > 0) return { ok: false, problems: locks.problems };
  const merged = locks.values.reduce((base, layer) => mergeLayers(base, layer), {});
  const locator = layeredLocator(parsed);
  const validation = policySchema.safeParse(merged);
  if (!validation.success) {
    return {
      ok: false,
      problems: schemaProblems(validation.error.issues, policySchema, merged, locator.text, locator.origin).map(locator.attribute),
    };
  }
  const semantic = resolveDates(validation.data, (path) => locator.attribute(locatedProblem(locator.text, locator.origin, path)));
  return semantic.ok ? { ok: true, policy: { ...semantic.policy, lockWarnings: locks.warnings } } : semantic;
}

/**
 * Organisation locks (§9): a layer's `locked` names top-level keys that the layers above it
 * (the repository's file, layered with `_extends`) cannot change. Such a key's value in an
 * upper layer is dropped, so the lower layer's value is used, and a warning points at it;
 * the policy stays valid. A value written as the locked one is (same keys in the same order)
 * changes nothing and is not reported.
 */
function applyLocks(layers: readonly { origin: YamlOrigin; text: YamlText }[]): { values: Record<string, unknown>[]; warnings: Problem[]; problems: Problem[] } {
  const lockedBy = new Map<string, string>();
  const known = Object.keys(policySchema.shape);
  const values: Record<string, unknown>[] = [];
  const warnings: Problem[] = [];
  const problems: Problem[] = [];
  let below: Record<string, unknown> = {};
  for (const layer of layers) {
    const value = withoutExtends(layer.text.value as Record<string, unknown>);
    for (const key of Object.keys(value)) {
      const file = lockedBy.get(key);
      if (file === undefined) continue;
      if (JSON.stringify(value[key]) !== JSON.stringify(below[key])) {
        const at = layer.text.locateKey([], key);
        warnings.push({
          source: "policy",
          file: layer.origin.file,
          path: key,
          line: at?.line ?? null,
          column: at?.column ?? null,
          message: `locked by ${file}: this value is not used, the organisation's is`,
          suggestion: `remove "${key}" here, or change it in ${file}`,
        });
      }
      delete value[key];
    }
    const locked = value["locked"];
    if (Array.isArray(locked)) {
      locked.forEach((name: unknown, index) => {
        if (typeof name !== "string") return; // the schema reports it
        if (known.includes(name) && name !== "locked") {
          if (!lockedBy.has(name)) lockedBy.set(name, layer.origin.file);
          return;
        }
        const at = layer.text.locate(["locked", index]);
        const nearest = nearestName(name, known);
        problems.push({
          source: "policy",
          file: layer.origin.file,
          path: `locked[${index}]`,
          line: at?.line ?? null,
          column: at?.column ?? null,
          message: `"${name}" is not a top-level key of the policy`,
          suggestion: nearest !== undefined ? `did you mean "${nearest}"?` : `expected one of: ${known.filter((key) => key !== "locked").join(", ")}`,
        });
      });
    }
    values.push(value);
    below = mergeLayers(below, value);
  }
  return { values, warnings, problems };
}

function locatedProblem(text: YamlText, origin: YamlOrigin, path: readonly PropertyKey[]): Problem {
  const at = text.locate(path);
  return { source: "policy", file: origin.file, path: formatPath(path), line: at?.line ?? null, column: at?.column ?? null, message: "" };
}

/**
 * A policy file's text, parsed once: what its `_extends` names (where org defaults come
 * from; the loader follows it, the schema never sees it) and, handed back to `parsePolicy` as
 * `PolicySource.layer`, the parse itself, since a YAML parse is a large part of a cold start.
 * A parsed text does not depend on its file's name (only problems name it, and a text that
 * does not parse is not kept: `parsePolicy` parses it again under its own name).
 */
export interface PolicyLayerText {
  readonly text: string;
  readonly extends: string | null;
  readonly yaml: YamlText | null;
}

export function readPolicyLayer(text: string): PolicyLayerText {
  const result = parseYaml(text, { source: "policy", file: POLICY_PATH });
  if (!result.ok) return { text, extends: null, yaml: null };
  const value = result.text.value as Record<string, unknown> | null;
  const target = value && typeof value === "object" ? value["_extends"] : undefined;
  return { text, extends: typeof target === "string" && target.trim() !== "" ? target.trim() : null, yaml: result.text };
}

/** What `_extends` names, or null. */
export function extendsTarget(text: string): string | null {
  return readPolicyLayer(text).extends;
}

function withoutExtends(value: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...value };
  delete copy["_extends"];
  return copy;
}

const CONCATENATED = new Set(["freezes", "blackouts", "risk.rules"]);

function mergeLayers(base: Record<string, unknown>, override: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(base)) out[key] = base[key];
  for (const key of Object.keys(override)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const left = out[key];
    const right = override[key];
    if (CONCATENATED.has(path) && Array.isArray(left) && Array.isArray(right)) out[key] = [...left, ...right];
    else if (isPlainMapping(left) && isPlainMapping(right)) out[key] = mergeLayers(left, right, path);
    else out[key] = right;
  }
  return { ...out };
}

function isPlainMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Locates a path of the merged policy in the layer it came from: the last layer that has
 * it, and for concatenated lists the layer that contributed that element.
 */
function layeredLocator(layers: readonly { origin: YamlOrigin; text: YamlText }[]): {
  text: YamlText;
  origin: YamlOrigin;
  attribute: (problem: Problem) => Problem;
} {
  const last = layers[layers.length - 1]!;
  if (layers.length === 1) return { text: last.text, origin: last.origin, attribute: (problem) => problem };
  const resolve = (path: readonly PropertyKey[]): { layer: (typeof layers)[number]; path: PropertyKey[] } => {
    const key = path.slice(0, path[0] === "risk" ? 2 : 1).join(".");
    if (CONCATENATED.has(key) && typeof path[key.split(".").length] === "number") {
      const depth = key.split(".").length;
      let index = path[depth] as number;
      for (const layer of layers) {
        const list = valueAt(layer.text.value, path.slice(0, depth));
        const length = Array.isArray(list) ? list.length : 0;
        if (index < length) return { layer, path: [...path.slice(0, depth), index, ...path.slice(depth + 1)] };
        index -= length;
      }
    }
    for (let i = layers.length - 1; i >= 0; i--) {
      if (valueAt(layers[i]!.text.value, path.slice(0, 1)) !== undefined) return { layer: layers[i]!, path: [...path] };
    }
    return { layer: last, path: [...path] };
  };
  const text: YamlText = {
    value: undefined,
    locate: (path) => {
      const { layer, path: local } = resolve(path);
      return layer.text.locate(local);
    },
    locateKey: (path, key) => {
      const { layer, path: local } = resolve([...path, key]);
      return layer.text.locateKey(local.slice(0, -1), key);
    },
  };
  return {
    text,
    origin: last.origin,
    attribute: (problem) => {
      const segments = parsePathText(problem.path);
      return { ...problem, file: resolve(segments).layer.origin.file };
    },
  };
}

function parsePathText(path: string): PropertyKey[] {
  const segments: PropertyKey[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  }
  return segments;
}

/** Checks that need the whole policy (the zone, tier ranges, date order) and resolves instants. */
function resolveDates(document: PolicyDocument, at: (path: PropertyKey[]) => Problem): PolicyResult {
  const problems: Problem[] = [];
  const fail = (path: PropertyKey[], message: string, suggestion?: string) =>
    problems.push({ ...at(path), message, ...(suggestion === undefined ? {} : { suggestion }) });

  if (!isKnownZone(document.timezone)) {
    const nearest = nearestName(document.timezone, knownZones());
    fail(["timezone"], `unknown time zone "${document.timezone}"`, nearest ? `did you mean "${nearest}"?` : "use an IANA zone such as \"Europe/Berlin\" or \"UTC\"");
    return { ok: false, problems };
  }

  let expected = 4;
  for (const tier of TIERS) {
    const [low, high] = document.risk.tiers[tier];
    if (low !== expected || high < low) {
      fail(["risk", "tiers", tier], `tier ranges must cover 4..16 in order without gaps or overlaps: "${tier}" should start at ${expected}`);
      break;
    }
    expected = high + 1;
  }
  if (problems.length === 0 && expected !== 17) fail(["risk", "tiers", "critical"], "tier ranges must end at 16");

  const scope = (list: string[] | undefined) => (list === undefined || list.length === 0 ? null : list);
  const form = (entry: PolicyDocument["blackouts"][number], path: PropertyKey[]): ResolvedEntry | null =>
    resolveCalendarForm(
      entry,
      document.timezone,
      (field) => {
        const { message: _message, ...where } = at([...path, ...field]);
        return where;
      },
      (field, message, suggestion) => fail([...path, ...field], message, suggestion),
    );

  const blackouts: Policy["blackouts"] = [];
  document.blackouts.forEach((blackout, index) => {
    const resolved = form(blackout, ["blackouts", index]);
    if (resolved === null) return;
    const interval = resolved.kind === "dated"
      ? { name: blackout.name, start: resolved.start, end: resolved.end, environments: scope(blackout.environments), services: scope(blackout.services) }
      : null;
    blackouts.push({ ...blackout, interval, form: resolved });
  });
  const freezes: Policy["freezes"] = [];
  document.freezes.forEach((freeze, index) => {
    const resolved = form(freeze, ["freezes", index]);
    if (resolved === null) return;
    const interval = resolved.kind === "dated"
      ? {
          name: freeze.name,
          start: resolved.start,
          end: resolved.end,
          environments: scope(freeze.environments),
          services: scope(freeze.services),
          exceptions: freeze.exceptions ?? null,
        }
      : null;
    freezes.push({ ...freeze, interval, form: resolved });
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, policy: { ...document, blackouts, freezes, lockWarnings: [] } };
}
