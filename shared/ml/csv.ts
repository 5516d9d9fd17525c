/** A small RFC 4180 CSV reader and writer (quoted fields, embedded commas, quotes and newlines). */

/** A parsed CSV: the header and the data rows as strings; `lines` maps each row to its 1-based file line. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  lines: number[];
}

/** Parse CSV text; a leading BOM and a trailing newline are ignored. */
export function parseCsv(text: string): CsvTable {
  const records: { fields: string[]; line: number }[] = [];
  let field = '';
  let fields: string[] = [];
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRecord = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (inQuotes) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') inQuotes = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"') inQuotes = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else field += ch;
  }
  if (field !== '' || fields.length > 0) endRecord();
  const [head, ...rest] = records;
  return {
    header: head === undefined ? [] : head.fields.map((h) => h.trim()),
    rows: rest.map((r) => r.fields),
    lines: rest.map((r) => r.line),
  };
}

function quote(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Render a header and rows as CSV text; null and NaN become empty fields. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cell = (v: string | number | null): string =>
    v === null || (typeof v === 'number' && Number.isNaN(v)) ? '' : quote(String(v));
  return [header.map(quote).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}
