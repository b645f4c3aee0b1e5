import uPlot from "uplot";
import type { SiteData, WeekMetrics } from "../model.js";
import { byId, el } from "./dom.js";

type Series = { label: string; value: (week: WeekMetrics) => number | null; color: string; dash?: number[] };

const CHARTS: { id: string; unit: string; series: Series[] }[] = [
  { id: "m-lead", unit: "h", series: [{ label: "lead time p50", value: (week) => week.leadP50, color: "#1f6feb" }, { label: "lead time p90", value: (week) => week.leadP90, color: "#1f6feb", dash: [6, 4] }] },
  { id: "m-wait", unit: "h", series: [{ label: "approval wait p50", value: (week) => week.waitP50, color: "#8250df" }, { label: "approval wait p90", value: (week) => week.waitP90, color: "#8250df", dash: [6, 4] }] },
  { id: "m-rates", unit: "%", series: [{ label: "change failure rate", value: (week) => percent(week.failureRate), color: "#cf222e" }, { label: "emergency rate", value: (week) => percent(week.emergencyRate), color: "#bf8700" }] },
  { id: "m-exceptions", unit: "%", series: [{ label: "freeze exceptions", value: (week) => percent(week.exceptionRate), color: "#0a7f6f" }, { label: "bypasses", value: (week) => percent(week.bypassRate), color: "#57606a", dash: [6, 4] }] },
];

function percent(rate: number | null): number | null {
  return rate === null ? null : Math.round(rate * 1000) / 10;
}

/** The weekly figures of `changegate metrics` as uPlot charts (drawn on canvas), and as a table. */
export function metricsPage(data: SiteData): void {
  byId("m-note").textContent =
    data.weeks.length === 0
      ? "No change recorded yet: no week to chart."
      : `${data.weeks.length} weeks (Monday to Monday, UTC). A change failed when a later change reverts it, or an emergency on a service it touched merged within ${data.failureWindowHours} h after it.`;
  const x = data.weeks.map((week) => week.start / 1000);
  const charts: uPlot[] = [];
  for (const chart of CHARTS) {
    const target = byId(chart.id);
    if (data.weeks.length === 0) continue;
    const options: uPlot.Options = {
      width: chartWidth(target),
      height: 220,
      scales: { x: { time: true } },
      // Weeks start Monday 00:00 UTC, and every time on the pages is UTC: not the reader's zone.
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"),
      axes: [{}, { values: (_, ticks) => ticks.map((tick) => `${tick}${chart.unit}`), size: 60 }],
      series: [{}, ...chart.series.map((series) => ({ label: series.label, stroke: series.color, width: 2, spanGaps: false, ...(series.dash === undefined ? {} : { dash: series.dash }) }))],
    };
    charts.push(new uPlot(options, [x, ...chart.series.map((series) => data.weeks.map(series.value))] as uPlot.AlignedData, target));
  }
  const resize = () => {
    for (const [index, chart] of charts.entries()) chart.setSize({ width: chartWidth(byId(CHARTS[index]!.id)), height: 220 });
  };
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  document.body.dataset["charts"] = String(charts.length);

  const cell = (value: number | null, unit: string) => el("td", {}, value === null ? "-" : `${value}${unit}`);
  byId("m-table")
    .querySelector("tbody")!
    .replaceChildren(
      ...data.weeks.map((week) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, new Date(week.start).toISOString().slice(0, 10)),
          el("td", {}, String(week.changes)),
          cell(week.leadP50, " h"),
          cell(week.leadP90, " h"),
          cell(week.waitP50, " h"),
          cell(week.waitP90, " h"),
          cell(percent(week.failureRate), "%"),
          cell(percent(week.emergencyRate), "%"),
          cell(percent(week.exceptionRate), "%"),
          cell(percent(week.bypassRate), "%"),
        ),
      ),
    );
}

function chartWidth(target: HTMLElement): number {
  return Math.max(280, Math.floor(target.getBoundingClientRect().width || 600));
}
