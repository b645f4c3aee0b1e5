import { filterRows, NO_FILTER, searchTexts, type TimelineFilter } from "../filter.js";
import { TIERS, type SiteData } from "../model.js";
import { changeItem } from "./change-item.js";
import { byId, el, fillSelect, inputValue, utcInput } from "./dom.js";

/** Changes per page: the DOM holds one page, whatever the trail's length. */
export const PAGE_SIZE = 50;

export function timelinePage(data: SiteData): void {
  const texts = searchTexts(data);
  const selects = {
    repository: byId<HTMLSelectElement>("f-repository"),
    service: byId<HTMLSelectElement>("f-service"),
    type: byId<HTMLSelectElement>("f-type"),
    tier: byId<HTMLSelectElement>("f-tier"),
    author: byId<HTMLSelectElement>("f-author"),
  };
  fillSelect(selects.repository, data.repositories);
  fillSelect(selects.service, data.services);
  fillSelect(selects.type, data.types);
  for (const [index, tier] of TIERS.entries()) selects.tier.append(el("option", { value: String(index) }, tier));
  fillSelect(selects.author, data.people);
  const text = byId<HTMLInputElement>("f-text");
  const since = byId<HTMLInputElement>("f-since");
  const until = byId<HTMLInputElement>("f-until");
  applyQuery(data, selects, text, since, until);

  const list = byId<HTMLOListElement>("changes");
  const count = byId("count");
  const pageText = byId("page");
  const prev = byId<HTMLButtonElement>("prev");
  const next = byId<HTMLButtonElement>("next");
  let matches: number[] = [];
  let page = 0;

  const index = (select: HTMLSelectElement) => (select.value === "" ? null : Number(select.value));
  const current = (): TimelineFilter => ({
    repository: index(selects.repository),
    service: index(selects.service),
    type: index(selects.type),
    tier: index(selects.tier),
    author: index(selects.author),
    since: utcInput(since.value),
    until: utcInput(until.value),
    text: text.value,
  });
  const render = () => {
    const pages = Math.max(1, Math.ceil(matches.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    list.replaceChildren(...matches.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE).map((at) => changeItem(data, data.changes[at]!)));
    count.textContent = `${matches.length} of ${data.changes.length} changes${matches.length === data.changes.length ? "" : " match"}`;
    pageText.textContent = `page ${page + 1} of ${pages}`;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  };
  const refilter = () => {
    const started = performance.now();
    const filter = current();
    matches = filterRows(data.changes, texts, filter);
    page = 0;
    render();
    writeQuery(data, filter);
    document.body.dataset["filterMs"] = (performance.now() - started).toFixed(1);
  };
  for (const control of [...Object.values(selects), since, until]) control.addEventListener("change", refilter);
  text.addEventListener("input", refilter);
  byId<HTMLFormElement>("filters").addEventListener("submit", (event) => event.preventDefault());
  byId<HTMLFormElement>("filters").addEventListener("reset", () => setTimeout(refilter, 0));
  prev.addEventListener("click", () => {
    page--;
    render();
    list.querySelector("summary")?.focus();
  });
  next.addEventListener("click", () => {
    page++;
    render();
    list.querySelector("summary")?.focus();
  });
  matches = sameAsNoFilter(current()) ? data.changes.map((_, at) => at) : filterRows(data.changes, texts, current());
  render();
}

function sameAsNoFilter(filter: TimelineFilter): boolean {
  return (Object.keys(NO_FILTER) as (keyof TimelineFilter)[]).every((key) => filter[key] === NO_FILTER[key]);
}

type Selects = Record<"repository" | "service" | "type" | "tier" | "author", HTMLSelectElement>;

/**
 * The filters live in the address too (?q=&repository=&service=&type=&tier=&author=&since=&until=,
 * names and ISO instants), so a view can be shared and the other pages can link to one.
 */
function applyQuery(data: SiteData, selects: Selects, text: HTMLInputElement, since: HTMLInputElement, until: HTMLInputElement): void {
  const query = new URLSearchParams(location.search);
  const instant = (name: string) => {
    const value = query.get(name);
    const at = value === null ? NaN : Date.parse(value);
    return Number.isFinite(at) ? inputValue(at) : "";
  };
  since.value = instant("since");
  until.value = instant("until");
  text.value = query.get("q") ?? "";
  const lists: Record<keyof Selects, readonly string[]> = { repository: data.repositories, service: data.services, type: data.types, tier: TIERS, author: data.people };
  for (const name of Object.keys(selects) as (keyof Selects)[]) {
    const at = lists[name].indexOf(query.get(name) ?? "");
    if (at >= 0) selects[name].value = String(at);
  }
}

function writeQuery(data: SiteData, filter: TimelineFilter): void {
  const query = new URLSearchParams();
  if (filter.text !== "") query.set("q", filter.text);
  const names: [string, number | null, readonly string[]][] = [
    ["repository", filter.repository, data.repositories],
    ["service", filter.service, data.services],
    ["type", filter.type, data.types],
    ["tier", filter.tier, TIERS],
    ["author", filter.author, data.people],
  ];
  for (const [name, index, list] of names) if (index !== null) query.set(name, list[index]!);
  if (filter.since !== null) query.set("since", new Date(filter.since).toISOString());
  if (filter.until !== null) query.set("until", new Date(filter.until).toISOString());
  const search = query.toString();
  try {
    history.replaceState(null, "", search === "" ? location.pathname : `?${search}`);
  } catch {
    // Some browsers refuse history changes on file: pages; the view still works, unshared.
  }
}
