import { RANKING, rankBefore } from "../rank.js";
import type { SiteData } from "../model.js";
import { changeItem } from "./change-item.js";
import { byId, el, fillSelect, inputValue, utcInput, utcText } from "./dom.js";

const SHOWN = 100;

export function investigatePage(data: SiteData): void {
  const at = byId<HTMLInputElement>("i-at");
  const service = byId<HTMLSelectElement>("i-service");
  const hours = byId<HTMLInputElement>("i-hours");
  const list = byId<HTMLOListElement>("changes");
  const count = byId("count");
  fillSelect(service, data.services);
  hours.value = String(RANKING.lookbackHours);
  const { weights } = RANKING;
  byId("i-ranking").textContent =
    `Ranked by ${weights.closeness} × closeness in time (1 just before, 0 at the start of the look-back) + ${weights.shared} × touched the chosen service + ${weights.risk} × risk ((score − 4) / 12). Only changes merged before the time are candidates.`;
  const query = new URLSearchParams(location.search);
  const asked = Date.parse(query.get("at") ?? "");
  at.value = inputValue(Number.isFinite(asked) ? asked : (data.changes[0]?.t ?? data.generatedAt) + 60_000);
  const chosen = data.services.indexOf(query.get("service") ?? "");
  if (chosen >= 0) service.value = String(chosen);
  const askedHours = Number(query.get("hours"));
  if (askedHours > 0) hours.value = String(askedHours);

  const run = () => {
    const instant = utcInput(at.value);
    const lookback = Number(hours.value);
    if (instant === null || !(lookback > 0)) {
      count.textContent = "Give the time the symptom started and a look-back of at least one hour.";
      list.replaceChildren();
      return;
    }
    const ranked = rankBefore(data.changes, instant, service.value === "" ? null : Number(service.value), lookback * 3_600_000);
    // The question is in the address: the answer can be shared in the incident channel.
    const shared = new URLSearchParams({ at: new Date(instant).toISOString(), ...(service.value === "" ? {} : { service: data.services[Number(service.value)]! }), hours: String(lookback) });
    try {
      history.replaceState(null, "", `?${shared}`);
    } catch {
      // Refused on some file: pages; the answer stands.
    }
    count.textContent = ranked.length === 0 ? `No change merged in the ${lookback} hours before ${utcText(instant)}.` : `${ranked.length} change${ranked.length === 1 ? "" : "s"} in the ${lookback} hours before ${utcText(instant)}${ranked.length > SHOWN ? `, the first ${SHOWN} shown` : ""}:`;
    list.replaceChildren(
      ...ranked.slice(0, SHOWN).map((entry) => {
        const row = data.changes[entry.index]!;
        const minutes = Math.round((instant - row.t) / 60_000);
        const why = el("span", { class: "why" }, `rank ${entry.rank.toFixed(3)}: ${minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`} before (closeness ${entry.closeness.toFixed(2)}), ${entry.shared ? "touched the service" : "another service"}, risk ${entry.risk.toFixed(2)}`);
        return changeItem(data, row, why);
      }),
    );
  };
  byId<HTMLFormElement>("investigate").addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  run();
}
