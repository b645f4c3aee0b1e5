/**
 * A check summary's markdown as terminal text: no `**`, backticks, `<sub>`, `\_` escapes or
 * pipe tables. Only the markdown that src/report/checks.ts writes needs handling.
 */
export function markdownToText(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const fence = /^(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      // A fenced block's content is what to copy: kept verbatim, indented, fences dropped.
      const closing = fence[1]!;
      for (index++; index < lines.length && !lines[index]!.startsWith(closing); index++) out.push(`  ${lines[index]}`);
      continue;
    }
    if (line.startsWith("|")) {
      const rows: string[][] = [];
      for (; index < lines.length && lines[index]!.startsWith("|"); index++) {
        if (/^\|[-|: ]+\|$/.test(lines[index]!)) continue;
        rows.push(tableCells(lines[index]!).map(inline));
      }
      index--;
      out.push(...alignedRows(rows));
      continue;
    }
    out.push(inline(line.replace(/^> ?/, "  ")));
  }
  return out.join("\n");
}

function tableCells(row: string): string[] {
  // Split on pipes that are not escaped (`\|` inside a cell stays a pipe).
  return row.slice(1, row.endsWith("|") ? -1 : undefined).split(/(?<!\\)\|/).map((cell) => cell.trim());
}

function alignedRows(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => [...(row[column] ?? "")].length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]! + cell.length - [...cell].length))).join("  ").trimEnd());
}

function inline(text: string): string {
  return text
    .replace(/<\/?sub>/g, "")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/\\([\\`*_{}[\]<>|])/g, "$1");
}
