/**
 * What each key of the policy and of the change-request block means, its unit and an
 * example: the one place the JSON Schemas (`changegate schema`) take their descriptions
 * from. Keys are paths in the generated schema: `a.b` a property, `a[]` an array's items,
 * `a.*` a map's values. Formats JSON Schema can state (patterns) are here too; what it
 * cannot (a slot's `to` equal to its `from`, an `end` not after its `start`, tier ranges
 * with gaps) only `changegate validate` finds.
 */
export interface KeyDescription {
  description: string;
  examples?: unknown[];
  pattern?: string;
}

/** `HH:MM`, 00:00 to 23:59 (as the engine's parseClock). */
export const CLOCK_PATTERN = "^([01]\\d|2[0-3]):[0-5]\\d$";
/** A date, optionally a time and an offset (as the engine's parseDateTimeText). */
export const DATE_TIME_PATTERN = "^\\s*\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?)?\\s*(?:[Zz]|[+-]\\d{2}(?::?\\d{2})?)?\\s*$";
/** A non-blank text (what "required" means for the block's plans). */
export const NON_BLANK_PATTERN = "\\S";

const slot = (what: string): Record<string, KeyDescription> => ({
  [what]: { description: "A weekly slot: on these days, from `from` to `to` (wall-clock time in `timezone`; a `to` before `from` crosses midnight).", examples: [{ days: ["tue", "wed", "thu"], from: "02:00", to: "06:00" }] },
  [`${what}.days`]: { description: "Weekdays the slot starts on: mon, tue, wed, thu, fri, sat, sun.", examples: [["mon", "tue", "wed", "thu", "fri"]] },
  [`${what}.from`]: { description: "Start, wall-clock `HH:MM` in `timezone` (included).", examples: ["02:00"], pattern: CLOCK_PATTERN },
  [`${what}.to`]: { description: "End, wall-clock `HH:MM` in `timezone` (excluded; before `from`: the next day).", examples: ["06:00"], pattern: CLOCK_PATTERN },
});

const dated = (what: string, noun: string): Record<string, KeyDescription> => ({
  [`${what}.name`]: { description: `The ${noun}'s name, shown in the schedule check.`, examples: ["Q1 2026 End-of-Quarter"] },
  [`${what}.start`]: { description: `When the ${noun} starts (included): a date-time; without an offset it is in \`timezone\`.`, examples: ["2026-03-28T00:00", "2026-03-28T00:00:00Z"], pattern: DATE_TIME_PATTERN },
  [`${what}.end`]: { description: `When the ${noun} ends (excluded), after \`start\`; without an offset it is in \`timezone\`.`, examples: ["2026-04-02T00:00:00Z"], pattern: DATE_TIME_PATTERN },
  [`${what}.environments`]: { description: `Environments the ${noun} applies to; omitted: all.`, examples: [["production"]] },
  [`${what}.environments[]`]: { description: "An environment name." },
  [`${what}.services`]: { description: `Services the ${noun} applies to; omitted or empty: all.`, examples: [["payments"]] },
  [`${what}.services[]`]: { description: "A service name." },
});

/** The calendar forms (SPEC §10) an entry of `freezes` or `blackouts` may take instead of one dated interval. */
const calendarForms = (what: string, noun: string): Record<string, KeyDescription> => ({
  [`${what}.duration`]: { description: `With \`rrule\`: each occurrence's length from its start (9h, 90m, 1d 12h or ISO 8601 PT9H; days are calendar days in \`timezone\`).`, examples: ["9h", "1d"] },
  [`${what}.rrule`]: { description: `An RFC 5545 recurrence rule from \`start\` (DTSTART, wall-clock time in \`timezone\`): each occurrence is a ${noun}.`, examples: ["FREQ=WEEKLY;BYDAY=FR"] },
  [`${what}.holidays`]: { description: `Each public holiday of a country (the date-holidays data set) a ${noun} for the whole local day.`, examples: [{ country: "DE", region: "BY" }] },
  [`${what}.holidays.country`]: { description: "ISO 3166 country code.", examples: ["DE"] },
  [`${what}.holidays.region`]: { description: "Subdivision code (BY, or DE-BY).", examples: ["BY"] },
  [`${what}.ics`]: { description: `An iCalendar file in the repository (from its root; read from the base branch): every VEVENT a ${noun}.`, examples: [".github/changegate-holidays.ics"] },
  [`${what}.after_release`]: { description: `A ${noun} for a while after each matching release is published.`, examples: [{ tags: ["v*.0.0"], for: "48h" }] },
  [`${what}.after_release.tags`]: { description: "Tag globs (*, ?) of the releases that count (default every tag).", examples: [["v*.0.0"]] },
  [`${what}.after_release.tags[]`]: { description: "A tag glob." },
  [`${what}.after_release.for`]: { description: "How long after the release's published_at (9h, 2d, PT48H).", examples: ["48h"] },
  [`${what}.after_release.drafts`]: { description: "Whether draft releases count.", examples: [false] },
  [`${what}.after_release.prereleases`]: { description: "Whether pre-releases count.", examples: [false] },
  [`${what}.while_issues_open`]: { description: `A ${noun} while an open issue carries every listed label.`, examples: [{ labels: ["incident"], opened_by: ["sre"] }] },
  [`${what}.while_issues_open.labels`]: { description: "Labels the issue must all carry.", examples: [["incident"]] },
  [`${what}.while_issues_open.labels[]`]: { description: "A label name." },
  [`${what}.while_issues_open.opened_by`]: { description: "Teams whose members' issues count (omitted: anyone with write access).", examples: [["sre"]] },
  [`${what}.while_issues_open.opened_by[]`]: { description: "A team slug." },
});

const scoreOf = (dimension: string, what: string): KeyDescription => ({ description: `${what} score of ${dimension}, 1 (low) to 4 (critical).`, examples: [2] });
const dimensions = (path: string, what: string): Record<string, KeyDescription> => ({
  [`${path}.blast_radius`]: scoreOf("blast radius (how much breaks if it fails)", what),
  [`${path}.reversibility`]: scoreOf("reversibility (how hard it is to undo)", what),
  [`${path}.confidence`]: scoreOf("confidence (how little it was tested; 4: untested)", what),
  [`${path}.timing`]: scoreOf("timing (how busy the time is; the traffic calendar can raise it)", what),
});
const approvalTier = (tier: string): Record<string, KeyDescription> => ({
  [`approvals.${tier}`]: { description: `Approvals a ${tier}-risk change needs.`, examples: [{ count: 2, teams: ["sre"] }] },
  [`approvals.${tier}.count`]: { description: "How many counted approvals (different people), at least.", examples: [2] },
  [`approvals.${tier}.teams`]: { description: "Team slugs of which one member each must approve, a different person for each team (part of `count`).", examples: [["sre"]] },
  [`approvals.${tier}.teams[]`]: { description: "A team slug of the repository's organisation." },
});

export const POLICY_DESCRIPTIONS: Record<string, KeyDescription> = {
  "": { description: "changegate's policy, .github/changegate.yml, read from the pull request's base branch." },
  version: { description: "The policy format's version: 1.", examples: [1] },
  timezone: { description: "IANA time zone of windows, traffic slots and dates written without an offset.", examples: ["UTC", "Europe/Berlin"] },
  enforcement: { description: '"enforce" blocks; "report" makes every check neutral and says in its title what it would decide (roll out with report first).', examples: ["report"] },
  change_request: { description: "What the change-request block in the PR description must hold." },
  "change_request.required": { description: "Whether a PR without a block fails the risk check (false: it is a normal change with the policy's defaults).", examples: [true] },
  "change_request.environments": { description: "Environments whose schedule is gated; the others get a neutral schedule check.", examples: [["production"]] },
  "change_request.environments[]": { description: "An environment name." },
  risk: { description: "How a change's risk is scored: four dimensions 1..4, summed into a composite 4..16, mapped to a tier." },
  "risk.defaults": { description: "Scores a dimension gets when neither the block, a rule nor the traffic calendar sets it." },
  ...dimensions("risk.defaults", "Default"),
  "risk.tiers": { description: "Composite score ranges [from, to] (inclusive) of each tier; together they cover 4..16 without gaps." },
  "risk.tiers.low": { description: "Composite scores of a low-risk change.", examples: [[4, 6]] },
  "risk.tiers.medium": { description: "Composite scores of a medium-risk change.", examples: [[7, 10]] },
  "risk.tiers.high": { description: "Composite scores of a high-risk change.", examples: [[11, 13]] },
  "risk.tiers.critical": { description: "Composite scores of a critical change.", examples: [[14, 16]] },
  "risk.rules": { description: "Rules that raise scores from what the PR touches (paths or labels); rules never lower a score." },
  "risk.rules[]": { description: "A rule: when any path OR any label matches, `set` raises those dimensions.", examples: [{ name: "database migrations", paths: ["db/migrations/**"], set: { blast_radius: 4 } }] },
  "risk.rules[].name": { description: "The rule's name, shown in the risk check.", examples: ["database migrations"] },
  "risk.rules[].paths": { description: "Globs from the repository root (dotfiles match too).", examples: [["db/migrations/**"]] },
  "risk.rules[].paths[]": { description: "A glob, e.g. db/migrations/**." },
  "risk.rules[].labels": { description: "PR labels that make the rule match.", examples: [["network"]] },
  "risk.rules[].labels[]": { description: "A label name." },
  "risk.rules[].set": { description: "The scores the rule raises dimensions to." },
  ...dimensions("risk.rules[].set", "Raised"),
  "risk.traffic": { description: "The traffic calendar: raises timing at the evaluation instant (peak 4, business 3, normal 2, any other time off-peak 1); the first matching class wins." },
  "risk.traffic.peak": { description: "Peak-traffic slots (timing 4)." },
  "risk.traffic.business": { description: "Business-hours slots (timing 3)." },
  "risk.traffic.normal": { description: "Normal-traffic slots (timing 2)." },
  ...slot("risk.traffic.peak[]"),
  ...slot("risk.traffic.business[]"),
  ...slot("risk.traffic.normal[]"),
  services: { description: "Services derived from changed paths (service name -> its paths), added to the change's services_affected." },
  "services.*": { description: "A service: the paths that belong to it.", examples: [{ paths: ["services/payments/**"] }] },
  "services.*.paths": { description: "Globs from the repository root.", examples: [["services/payments/**"]] },
  "services.*.paths[]": { description: "A glob." },
  approvals: { description: "Approvals per effective tier (the higher of the scored tier and the block's risk_level)." },
  ...approvalTier("low"),
  ...approvalTier("medium"),
  ...approvalTier("high"),
  ...approvalTier("critical"),
  "approvals.stale_on_push": { description: "Whether an approval of an older head commit stops counting after a push.", examples: [true] },
  "approvals.request_reviews": { description: "Whether changegate (the App, or the Action's check mode) asks the members of each team whose approval is missing for a review (once per head commit; never the author or the last pusher).", examples: [false] },
  standard_changes: { description: "The catalog of pre-approved standard changes (id -> its paths): no per-instance approval, no blackouts." },
  "standard_changes.*": { description: "A catalog entry: a standard change naming it may touch only these paths.", examples: [{ paths: ["k8s/**/replicas.yaml"], description: "Change a replica count" }] },
  "standard_changes.*.paths": { description: "Globs the change may touch (at least one).", examples: [["k8s/**/replicas.yaml"]] },
  "standard_changes.*.paths[]": { description: "A glob." },
  "standard_changes.*.description": { description: "What the standard change is, for people.", examples: ["Change a replica count"] },
  windows: { description: 'When each change type may merge: "always", "never" or a list of weekly slots.' },
  "windows.standard": { description: 'Standard changes\' window (default "always").', examples: ["always"] },
  "windows.normal": { description: "Normal changes' window.", examples: [[{ days: ["tue", "wed", "thu"], from: "02:00", to: "06:00" }]] },
  "windows.emergency": { description: 'Emergency changes\' window (default "always").', examples: ["always"] },
  ...slot("windows.standard[]"),
  ...slot("windows.normal[]"),
  ...slot("windows.emergency[]"),
  blackouts: { description: "Dated exclusions for normal changes (standard changes and emergencies pass)." },
  "blackouts[]": { description: "A blackout: no normal change merges from start to end.", examples: [{ name: "Year-end holidays", start: "2026-12-24T00:00", end: "2026-12-27T00:00" }] },
  ...dated("blackouts[]", "blackout"),
  ...calendarForms("blackouts[]", "blackout"),
  freezes: { description: "Dated freezes: no change merges (emergencies pass with an incident commander's approval), unless an exception holds." },
  "freezes[]": { description: "A freeze, scoped to environments and services.", examples: [{ name: "Q1 freeze", start: "2026-03-28T00:00:00Z", end: "2026-04-02T00:00:00Z" }] },
  ...dated("freezes[]", "freeze"),
  ...calendarForms("freezes[]", "freeze"),
  "freezes[].exceptions": { description: "What lets a change through the freeze: every part listed (a label and an approval)." },
  "freezes[].exceptions.labels": { description: "Labels of which the PR must carry one.", examples: [["security-critical", "incident-fix"]] },
  "freezes[].exceptions.labels[]": { description: "A label name." },
  "freezes[].exceptions.approvers": { description: "Teams of which a member must approve.", examples: [["vp-engineering"]] },
  "freezes[].exceptions.approvers[]": { description: "A team slug." },
  emergency: { description: "Emergency changes: any time, through freezes and blackouts, once an incident commander approved." },
  "emergency.approvers": { description: "Teams whose approval an emergency needs (empty: any one counted approval).", examples: [["incident-commanders"]] },
  "emergency.approvers[]": { description: "A team slug." },
  "emergency.retrospective": { description: "Whether the App opens an issue for the retrospective after an emergency merges.", examples: [true] },
  audit: { description: "Where merged changes are recorded (a hash-chained trail)." },
  "audit.repository": { description: '"" for this repository, or "owner/name" of a central audit repository.', examples: ["", "acme/audit"] },
  "audit.branch": { description: "The branch the trail is written to.", examples: ["changegate/audit"] },
  deploy: { description: "(extension) The Action's gate step in deploy jobs." },
  "deploy.allow_direct_pushes": { description: "Whether a commit that no PR brought may deploy.", examples: [false] },
  locked: { description: "Top-level keys that a repository's policy extending this one (`_extends`) cannot change: its values for them are not used and are shown as warnings.", examples: [["freezes", "emergency"]] },
  "locked[]": { description: "A top-level key of the policy." },
  _extends: { description: 'Org defaults to merge in, key by key: a repository such as ".github" or "org/.github" (freezes, blackouts and risk.rules are concatenated, org first).', examples: [".github"] },
};

export const CHANGE_REQUEST_DESCRIPTIONS: Record<string, KeyDescription> = {
  "": { description: "A PR description's change-request block: a fenced ```yaml (or ```change-request) block holding this mapping." },
  change_request: { description: "What the change is, how risky, and how to undo it." },
  "change_request.id": { description: 'The change\'s id (default "<owner>/<repo>#<number>").', examples: ["CR-2026-0451"] },
  "change_request.title": { description: "A title (default the PR title).", examples: ["Upgrade Redis cluster from 7.0 to 7.2"] },
  "change_request.requester": { description: "Who asks for the change (default the PR author).", examples: ["platform-team"] },
  "change_request.type": { description: "standard (from the policy's catalog), normal, or emergency.", examples: ["normal"] },
  "change_request.risk_level": { description: "A declared tier; the effective tier is the higher of this and the scored one.", examples: ["medium"] },
  "change_request.environment": { description: 'The environment changed (default "production").', examples: ["production"] },
  "change_request.services_affected": { description: "Service names the change touches (the policy's services from changed paths are added).", examples: [["session-cache"]] },
  "change_request.services_affected[]": { description: "A service name." },
  "change_request.risk": { description: "Declared scores, each 1..4; rules and the traffic calendar may raise them." },
  ...dimensions("change_request.risk", "Declared"),
  "change_request.implementation_plan": { description: "How the change is carried out (required for normal and emergency changes).", examples: ["1. helm upgrade redis"], pattern: NON_BLANK_PATTERN },
  "change_request.rollback_plan": { description: "How to undo it (required for every type).", examples: ["1. helm rollback redis"], pattern: NON_BLANK_PATTERN },
  "change_request.rollback_triggers": { description: "Pre-committed conditions for rolling back: a list, or lists grouped by name.", examples: [["Error rate exceeds 5% for 2 consecutive minutes"]] },
  "change_request.rollback_triggers[]": { description: "A condition, or { condition, duration }." },
  "change_request.rollback_triggers[].condition": { description: "The condition." },
  "change_request.rollback_triggers[].duration": { description: "For how long it must hold.", examples: ["2m"] },
  "change_request.rollback_triggers.*": { description: "A group of conditions." },
  "change_request.rollback_triggers.*[]": { description: "A condition, or { condition, duration }." },
  "change_request.rollback_triggers.*[].condition": { description: "The condition." },
  "change_request.rollback_triggers.*[].duration": { description: "For how long it must hold." },
  "change_request.change_window": { description: "The requested window (informational: the policy's windows decide).", examples: ["2026-02-25 02:00-04:00 UTC"] },
  "change_request.approvers": { description: "Who should approve (informational: the policy decides who counts).", examples: [["oncall-sre"]] },
  "change_request.approvers[]": { description: "A login or team." },
  "change_request.estimated_duration": { description: "How long the change takes (informational).", examples: ["45 minutes"] },
  "change_request.incident": { description: "The incident an emergency responds to (required for emergency changes).", examples: ["INC-1234"], pattern: NON_BLANK_PATTERN },
  "change_request.standard_change": { description: "The catalog id in the policy's standard_changes (required for standard changes).", examples: ["scale-deployment"], pattern: NON_BLANK_PATTERN },
};
