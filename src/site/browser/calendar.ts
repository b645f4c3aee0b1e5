import { FLAG, type CalendarEvent, type SiteData } from "../model.js";
import { byId, el, utcText } from "./dom.js";

const DAY = 86_400_000;
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const SHOWN_PER_DAY = { month: 4, week: 40 };

/** Month and week views (UTC days, weeks from Monday) of the calendar's events and the changes made in each day. */
export function calendarPage(data: SiteData): void {
  const byDay = new Map<number, number[]>();
  for (let index = data.changes.length - 1; index >= 0; index--) {
    const day = Math.floor(data.changes[index]!.t / DAY);
    let list = byDay.get(day);
    if (list === undefined) byDay.set(day, (list = []));
    list.push(index);
  }
  const notes = byId("c-notes");
  const zone = data.timezone === "UTC" ? [] : [`Days and times here are UTC; the policy's windows are set in ${data.timezone}.`];
  notes.replaceChildren(...[...zone, ...data.calendarNotes].map((note) => el("li", {}, note)));
  const query = new URLSearchParams(location.search);
  const asked = Date.parse(query.get("at") ?? "");
  let view: "month" | "week" = query.get("view") === "week" ? "week" : "month";
  let anchor = Math.floor((Number.isFinite(asked) ? asked : (data.changes[0]?.t ?? data.generatedAt)) / DAY) * DAY;
  const title = byId("c-title");
  const grid = byId("c-grid");
  const month = byId<HTMLButtonElement>("c-month");
  const week = byId<HTMLButtonElement>("c-week");

  const dayCell = (day: number, inPeriod: boolean): HTMLElement => {
    const start = day * DAY;
    const events = data.events.filter((event) => event.start < start + DAY && event.end > start);
    const changes = byDay.get(day) ?? [];
    const limit = SHOWN_PER_DAY[view];
    const date = new Date(start);
    const exceptionsToday = changes.filter((index) => data.changes[index]!.f & (FLAG.freezeException | FLAG.bypassed)).length;
    return el(
      "div",
      { class: `day${inPeriod ? "" : " outside"}${events.some((event) => event.kind === "freeze") ? " frozen" : ""}`, "data-day": date.toISOString().slice(0, 10) },
      el("p", { class: "date" }, view === "week" ? `${WEEKDAYS[(date.getUTCDay() + 6) % 7]} ${date.toISOString().slice(5, 10)}` : String(date.getUTCDate())),
      events.length === 0 ? null : el("ul", { class: "events" }, ...events.map((event) => el("li", { class: `ev ${event.kind}`, title: eventTitle(event) }, eventText(event, start)))),
      changes.length === 0
        ? null
        : el(
            "ul",
            { class: "day-changes" },
            ...changes.slice(0, limit).map((index) => {
              const row = data.changes[index]!;
              const marks = [row.f & FLAG.freezeException ? "exception" : "", row.f & FLAG.bypassed ? "exception" : "", row.f & FLAG.emergency ? "emergency" : ""].filter((mark) => mark !== "");
              return el(
                "li",
                { class: `chg ${[...new Set(marks)].join(" ")}` },
                el("a", { href: `index.html?since=${new Date(row.t).toISOString()}&until=${new Date(row.t + 60_000).toISOString()}` }, `${utcText(row.t).slice(11, 16)} ${data.repositories[row.r]}#${row.n}`),
                view === "week" ? ` ${row.ti}` : "",
                marks.includes("exception") ? el("span", { class: "mark" }, " (exception)") : null,
              );
            }),
            changes.length > limit ? el("li", {}, el("a", { href: `index.html?since=${new Date(start).toISOString()}&until=${new Date(start + DAY).toISOString()}` }, `all ${changes.length} changes`)) : null,
          ),
      exceptionsToday > 0 ? el("p", { class: "sr" }, `${exceptionsToday} under an exception`) : null,
    );
  };

  const render = () => {
    const at = new Date(anchor);
    let first: number;
    let last: number;
    let inPeriod: (day: number) => boolean;
    if (view === "month") {
      const monthStart = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1) / DAY;
      const monthEnd = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1) / DAY;
      first = monthStart - ((new Date(monthStart * DAY).getUTCDay() + 6) % 7);
      last = monthEnd + ((7 - ((new Date(monthEnd * DAY).getUTCDay() + 6) % 7)) % 7);
      inPeriod = (day) => day >= monthStart && day < monthEnd;
      title.textContent = at.toLocaleString("en", { month: "long", year: "numeric", timeZone: "UTC" });
    } else {
      const day = anchor / DAY;
      first = day - ((at.getUTCDay() + 6) % 7);
      last = first + 7;
      inPeriod = () => true;
      title.textContent = `Week of ${new Date(first * DAY).toISOString().slice(0, 10)}`;
    }
    const weeks: HTMLElement[] = [];
    for (let day = first; day < last; day += 7) {
      const cells: HTMLElement[] = [];
      for (let offset = 0; offset < 7; offset++) cells.push(el("td", {}, dayCell(day + offset, inPeriod(day + offset))));
      weeks.push(el("tr", {}, ...cells));
    }
    grid.className = `calendar ${view}`;
    grid.replaceChildren(el("table", {}, el("thead", {}, el("tr", {}, ...WEEKDAYS.map((name) => el("th", { scope: "col" }, name)))), el("tbody", {}, ...weeks)));
    month.setAttribute("aria-pressed", String(view === "month"));
    week.setAttribute("aria-pressed", String(view === "week"));
  };
  const move = (direction: number) => {
    const at = new Date(anchor);
    anchor = view === "month" ? Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + direction, 1) : anchor + direction * 7 * DAY;
    render();
  };
  byId("c-prev").addEventListener("click", () => move(-1));
  byId("c-next").addEventListener("click", () => move(1));
  month.addEventListener("click", () => {
    view = "month";
    render();
  });
  week.addEventListener("click", () => {
    view = "week";
    render();
  });
  render();
}

function eventText(event: CalendarEvent, dayStart: number): string {
  const clock = (at: number) => new Date(at).toISOString().slice(11, 16);
  const from = event.start > dayStart ? clock(event.start) : "";
  const to = event.end === dayStart + DAY ? "24:00" : event.end < dayStart + DAY ? clock(event.end) : "";
  const span = from === "" && (to === "" || to === "24:00") ? "all day" : `${from || "00:00"}–${to || "…"}`;
  return `${event.kind === "window" ? "" : `${event.kind}: `}${event.name} ${span}`;
}

function eventTitle(event: CalendarEvent): string {
  return `${event.kind} "${event.name}": ${utcText(event.start)} to ${utcText(event.end)}`;
}
