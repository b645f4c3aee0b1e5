import "uplot/dist/uPlot.min.css";
import "./site.css";
import { calendarPage } from "./calendar.js";
import { siteData } from "./data.js";
import { byId, el, utcText } from "./dom.js";
import { investigatePage } from "./investigate.js";
import { metricsPage } from "./metrics.js";
import { timelinePage } from "./timeline.js";

/** The pages' one script: says what of the trail verified, then draws the page it is on. */
function start(): void {
  const trail = byId("trail");
  const data = siteData();
  if (data === null) {
    trail.replaceChildren(el("p", { class: "warn" }, "The site's data (data/site.js) did not load: rebuild the site with changegate site."));
    return;
  }
  const status = data.trail;
  trail.replaceChildren(
    status.problem === null
      ? el("p", {}, `${status.verified} change${status.verified === 1 ? "" : "s"} from ${status.where}, every record verified; built ${utcText(data.generatedAt)}.`)
      : el("p", { class: "warn" }, `The trail does not verify: ${status.problem}.${status.unverified > 0 ? ` ${status.unverified} record${status.unverified === 1 ? "" : "s"} after the break ${status.unverified === 1 ? "is" : "are"} not shown.` : ""} Built ${utcText(data.generatedAt)}.`),
  );
  const page = document.body.dataset["page"];
  if (page === "index") timelinePage(data);
  else if (page === "investigate") investigatePage(data);
  else if (page === "calendar") calendarPage(data);
  else if (page === "metrics") metricsPage(data);
  // Milliseconds from navigation to the first screen drawn: the benchmark reads it.
  document.body.dataset["readyMs"] = performance.now().toFixed(0);
  document.body.dataset["ready"] = "true";
}

start();
