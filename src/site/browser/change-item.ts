import { FLAG, TIERS, type ChangeDetails, type ChangeRow, type SiteData } from "../model.js";
import { loadDetails } from "./data.js";
import { el, utcText } from "./dom.js";

/** A change as a list item: its line, and on opening, everything its record says. */
export function changeItem(data: SiteData, row: ChangeRow, extra: Node | null = null): HTMLLIElement {
  const type = data.types[row.ty] ?? "none";
  const flags: HTMLElement[] = [];
  if (row.f & FLAG.emergency) flags.push(el("span", { class: "flag emergency" }, "emergency"));
  if (row.f & FLAG.freezeException) flags.push(el("span", { class: "flag exception" }, "freeze exception"));
  if (row.f & FLAG.bypassed) flags.push(el("span", { class: "flag bypassed" }, "merged past a failing gate"));
  if (row.f & FLAG.reverted) flags.push(el("span", { class: "flag reverted" }, "reverted"));
  const classes = ["change", row.f & FLAG.emergency ? "is-emergency" : "", row.f & (FLAG.freezeException | FLAG.bypassed) ? "is-exception" : ""].filter((name) => name !== "").join(" ");
  const body = el("div", { class: "detail" }, "Loading…");
  const details = el(
    "details",
    {},
    el(
      "summary",
      {},
      el("time", { datetime: new Date(row.t).toISOString() }, utcText(row.t)),
      " ",
      el("span", { class: "pull" }, `${data.repositories[row.r]}#${row.n}`),
      " ",
      el("span", { class: "title" }, row.ti),
      " ",
      el("span", { class: `badge type-${type}` }, type),
      " ",
      el("span", { class: `badge tier-${TIERS[row.k]}` }, `${TIERS[row.k]} (${row.sc})`),
      " ",
      el("span", { class: "services" }, row.sv.map((index) => data.services[index]).join(", ") || "no service"),
      " ",
      el("span", { class: "author" }, `by ${data.people[row.a]}`),
      ...flags.flatMap((flag) => [" ", flag]),
      extra,
    ),
    body,
  );
  let loaded = false;
  details.addEventListener("toggle", () => {
    if (!details.open || loaded) return;
    loaded = true;
    loadDetails(row.d).then(
      (chunk) => {
        const found = chunk[row.s];
        body.replaceChildren(found === undefined ? el("p", { class: "warn" }, `record ${row.s} is missing from its details file`) : detailView(found, investigateLink(data, row)));
      },
      (error: Error) => {
        loaded = false;
        body.replaceChildren(el("p", { class: "warn" }, error.message));
      },
    );
  });
  return el("li", { class: classes, "data-seq": String(row.s) }, details);
}

function link(href: string, text: string): HTMLAnchorElement {
  // Only web links: a record's URL is data, and a javascript: URL would run on click.
  return el("a", /^https?:\/\//i.test(href) ? { href, rel: "noopener noreferrer" } : {}, text);
}

function list(items: readonly (string | Node)[], empty: string): HTMLElement {
  return items.length === 0 ? el("p", { class: "none" }, empty) : el("ul", {}, ...items.map((item) => el("li", {}, item)));
}

/** "What else changed before this one?": the investigate page at this merge, on its first service. */
function investigateLink(data: SiteData, row: ChangeRow): HTMLAnchorElement {
  const query = new URLSearchParams({ at: new Date(row.t).toISOString(), ...(row.sv.length === 0 ? {} : { service: data.services[row.sv[0]!]! }) });
  return el("a", { href: `investigate.html?${query}` }, "what changed before it");
}

function detailView(found: ChangeDetails, investigate: HTMLAnchorElement): HTMLElement {
  const commitUrl = found.mergeCommit === null ? null : found.url.replace(/\/pull\/\d+$/, `/commit/${found.mergeCommit}`);
  const schedule = found.schedule;
  return el(
    "div",
    { class: "facts" },
    el(
      "p",
      { class: "links" },
      link(found.url, "Pull request"),
      " · ",
      commitUrl === null ? "no merge commit" : link(commitUrl, `merge commit ${found.mergeCommit!.slice(0, 12)}`),
      " · ",
      `merged by ${found.mergedBy ?? "unknown"} at ${found.mergedAt}`,
      " · ",
      investigate,
    ),
    el("h3", {}, `Risk: ${found.tier}, score ${found.score}`),
    el(
      "table",
      { class: "risk" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Dimension"), el("th", { scope: "col" }, "Score"), el("th", { scope: "col" }, "Raised by"))),
      el("tbody", {}, ...found.risk.map((dimension) => el("tr", {}, el("th", { scope: "row" }, dimension.dimension.replace("_", " ")), el("td", {}, String(dimension.score)), el("td", {}, dimension.reasons.join("; ") || "-")))),
    ),
    el("h3", {}, `Approvals: ${found.approvals.satisfied === null ? "not evaluated" : found.approvals.satisfied ? "satisfied" : "NOT satisfied"}`),
    el("p", {}, `Required: ${found.approvals.required}`),
    list(
      found.approvals.counted.map((approval) => `${approval.reviewer}${approval.teams.length > 0 ? ` (${approval.teams.join(", ")})` : ""} at ${approval.at ?? "unknown time"} on ${approval.commit === null ? "unknown commit" : approval.commit.slice(0, 12)}`),
      "no approval counted",
    ),
    el("h3", {}, `Schedule: ${schedule === null ? "not evaluated" : !schedule.gated ? "not gated (environment)" : schedule.allowed ? "allowed" : "blocked"}`),
    schedule === null ? null : list([...schedule.blockers.map((text) => `blocked: ${text}`), ...schedule.bypasses.map((text) => `exception: ${text}`), ...schedule.inEffect.map((text) => `in effect: ${text}`)], "no window, freeze or blackout in play"),
    el("h3", {}, "Gates at merge"),
    el("p", { class: found.bypassed ? "warn" : "" }, `risk ${found.gates.risk}, schedule ${found.gates.schedule}, approvals ${found.gates.approvals}${found.bypassed ? " — merged past a failing gate" : ""}`),
    el(
      "p",
      { class: "meta" },
      `change request: ${found.changeRequest}${found.changeId === null ? "" : ` (${found.changeId})`} · environment ${found.environment ?? "-"} · labels ${found.labels.join(", ") || "none"}${found.reverts === null ? "" : ` · reverts ${found.reverts}`} · record ${found.seq}, hash ${found.hash.slice(0, 16)}…`,
    ),
  );
}
