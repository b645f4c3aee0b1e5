/**
 * The only way the pages put anything on screen: elements made one by one, text set as text
 * (a text node), never HTML parsed from a string. A title holding markup shows as that markup.
 */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(typeof child === "string" ? document.createTextNode(child) : child);
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

export function clear(element: Element): void {
  element.replaceChildren();
}

/** "2026-11-02 10:00 UTC": every time on the pages is UTC, as the trail keeps it. */
export function utcText(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A datetime-local input's value as an instant, taken as UTC; null when empty or unreadable. */
export function utcInput(value: string): number | null {
  if (value === "") return null;
  const at = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isFinite(at) ? at : null;
}

export function inputValue(at: number): string {
  return new Date(at).toISOString().slice(0, 16);
}

/** Fills a <select> with names (value: their index), sorted for reading. */
export function fillSelect(select: HTMLSelectElement, names: readonly string[]): void {
  const sorted = names.map((name, index) => [name, index] as const).sort(([a], [b]) => a.localeCompare(b));
  for (const [name, index] of sorted) select.append(el("option", { value: String(index) }, name));
}
