/**
 * The pages' HTML: fixed shells that hold no data. Every change, name and title reaches the
 * page through `data/site.js` and is set as text by `assets/site.js`, so nothing a user wrote
 * is ever parsed as HTML, and the Content-Security-Policy lets scripts come only from files
 * beside the page ('self'), never from inline text.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; base-uri 'none'; form-action 'none'";

export type PageName = "index" | "investigate" | "calendar" | "metrics";

const TITLES: Record<PageName, string> = { index: "Changes", investigate: "What changed?", calendar: "Change calendar", metrics: "Change metrics" };

const NAV: [PageName, string][] = [
  ["index", "Timeline"],
  ["investigate", "Investigate"],
  ["calendar", "Calendar"],
  ["metrics", "Metrics"],
];

const BODIES: Record<PageName, string> = {
  index: `
<form id="filters" class="filters" role="search" aria-label="Filter changes">
  <label>Search <input type="search" id="f-text" placeholder="title, repo#number, author, service" autocomplete="off"></label>
  <label>Repository <select id="f-repository"><option value="">any</option></select></label>
  <label>Service <select id="f-service"><option value="">any</option></select></label>
  <label>Type <select id="f-type"><option value="">any</option></select></label>
  <label>Tier <select id="f-tier"><option value="">any</option></select></label>
  <label>Author <select id="f-author"><option value="">any</option></select></label>
  <label>From (UTC) <input type="datetime-local" id="f-since"></label>
  <label>Until (UTC) <input type="datetime-local" id="f-until"></label>
  <button type="reset" id="f-reset">Clear</button>
</form>
<p id="count" class="count" role="status" aria-live="polite"></p>
<ol id="changes" class="changes"></ol>
<nav class="pager" aria-label="Pages of changes">
  <button type="button" id="prev">Newer</button> <span id="page"></span> <button type="button" id="next">Older</button>
</nav>`,
  investigate: `
<form id="investigate" class="filters" aria-label="When did the symptom start?">
  <label>Symptom at (UTC) <input type="datetime-local" id="i-at" required></label>
  <label>Service <select id="i-service"><option value="">any</option></select></label>
  <label>Look back (hours) <input type="number" id="i-hours" min="1" max="720" value="24"></label>
  <button type="submit">What changed?</button>
</form>
<p class="note" id="i-ranking"></p>
<p id="count" class="count" role="status" aria-live="polite"></p>
<ol id="changes" class="changes ranked"></ol>`,
  calendar: `
<nav class="calendar-nav" aria-label="Calendar period">
  <button type="button" id="c-prev">Previous</button>
  <h2 id="c-title"></h2>
  <button type="button" id="c-next">Next</button>
  <span class="views" role="group" aria-label="View">
    <button type="button" id="c-month" aria-pressed="true">Month</button>
    <button type="button" id="c-week" aria-pressed="false">Week</button>
  </span>
  <a href="calendar.ics" class="feed">Subscribe (calendar.ics)</a>
</nav>
<ul id="c-notes" class="note"></ul>
<p class="legend"><span class="ev freeze">freeze</span> <span class="ev blackout">blackout</span> <span class="ev window">window</span> <span class="chg exception">change under an exception</span> <span class="chg emergency">emergency</span></p>
<div id="c-grid" class="calendar"></div>`,
  metrics: `
<p class="note" id="m-note"></p>
<section class="charts">
  <figure><figcaption>Lead time, first commit to merge (hours): p50 and p90</figcaption><div class="chart" id="m-lead"></div></figure>
  <figure><figcaption>Approval wait, ready for review to last approval (hours): p50 and p90</figcaption><div class="chart" id="m-wait"></div></figure>
  <figure><figcaption>Change failure rate and emergency rate (%)</figcaption><div class="chart" id="m-rates"></div></figure>
  <figure><figcaption>Freeze exceptions and gate bypasses (% of changes)</figcaption><div class="chart" id="m-exceptions"></div></figure>
</section>
<details class="table"><summary>The figures as a table</summary><table id="m-table"><thead><tr><th scope="col">Week of</th><th scope="col">Changes</th><th scope="col">Lead p50</th><th scope="col">Lead p90</th><th scope="col">Wait p50</th><th scope="col">Wait p90</th><th scope="col">Failure</th><th scope="col">Emergency</th><th scope="col">Exceptions</th><th scope="col">Bypasses</th></tr></thead><tbody></tbody></table></details>`,
};

/** A page's HTML; `prefix` is where the assets are (relative), `data` the data script beside it. */
export function pageHtml(page: PageName): string {
  const nav = NAV.map(([name, label]) => `<a href="${name}.html"${name === page ? ' aria-current="page"' : ""}>${label}</a>`).join("\n    ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<title>${TITLES[page]} · changegate</title>
<link rel="stylesheet" href="assets/site.css">
<script src="data/site.js" defer></script>
<script src="assets/site.js" defer></script>
</head>
<body data-page="${page}">
<a class="skip" href="#main">Skip to content</a>
<header>
  <p class="brand">changegate</p>
  <nav class="pages" aria-label="Pages">
    ${nav}
  </nav>
</header>
<main id="main" tabindex="-1">
<h1>${TITLES[page]}</h1>
<div id="trail" class="trail" role="status"></div>${BODIES[page]}
</main>
<noscript><p>These pages draw the trail's data with their script; enable JavaScript for this file.</p></noscript>
</body>
</html>
`;
}

export const PAGES: PageName[] = ["index", "investigate", "calendar", "metrics"];
