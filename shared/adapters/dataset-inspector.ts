/**
 * A dataset inspector over the artifact store (works for `file://` and `gs://`): the reference must
 * be readable UTF-8 CSV text within the size guard; its hash, row count, latest period, sidecar
 * contract and rows unseen by the champion feed the retrain policy.
 */
import { createHash } from 'node:crypto';
import { PermanentError, errorMessage } from '../domain/errors.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { DatasetDescription, DatasetInspector, DescribeOptions } from '../ports/dataset-inspector.js';

/** Inspector options. */
export interface CsvInspectorOptions {
  /** The column whose maximum is the latest period. */
  timeColumn?: string;
  /** Files larger than this are refused (`DATA.TOO_LARGE`). */
  maxBytes?: number;
}

/** Inspect CSV datasets. */
export function csvDatasetInspector(store: ArtifactStore, options: CsvInspectorOptions = {}): DatasetInspector {
  const timeColumn = options.timeColumn ?? 'fiscal_quarter';
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const load = async (uri: string): Promise<{ bytes: number; sha256: string; lines: string[] }> => {
    const bytes = await readOrThrow(store, uri);
    if (bytes.byteLength > maxBytes) {
      throw new PermanentError(
        'DATA.TOO_LARGE',
        `dataUri: ${uri} is ${bytes.byteLength} bytes, over the size guard of ${maxBytes} bytes (IPO_MAX_DATASET_BYTES)`,
      );
    }
    const lines = csvLines(uri, bytes);
    if (lines.length < 2) throw new PermanentError('DATA.EMPTY', `dataUri: ${uri} has no data rows`);
    return { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), lines };
  };
  return {
    async describe(uri: string, opts: DescribeOptions = {}): Promise<DatasetDescription> {
      const { bytes, sha256, lines } = await load(uri);
      const latest = latestValue(lines, timeColumn);
      const sidecar = sidecarUri(uri);
      const contractUri =
        sidecar !== undefined && (await store.exists(sidecar).catch(() => false)) ? sidecar : undefined;
      const newRows =
        opts.baselineUri === undefined || opts.baselineUri === uri
          ? undefined
          : await unseenRows(lines, opts.baselineUri, load);
      return {
        uri,
        rowCount: lines.length - 1,
        bytes,
        sha256,
        ...(latest ? { latestPeriod: periodToIso(latest) } : {}),
        ...(contractUri ? { contractUri } : {}),
        ...(newRows !== undefined ? { newRows } : {}),
      };
    },
  };
}

async function readOrThrow(store: ArtifactStore, uri: string): Promise<Uint8Array> {
  try {
    if (!(await store.exists(uri))) throw new Error('no such object');
    return await store.read(uri);
  } catch (err) {
    throw new PermanentError('DATA.UNREADABLE', `dataUri: ${uri} cannot be read (${errorMessage(err)})`);
  }
}

/** The non-blank lines of a CSV; binary content (a PNG named .csv) or invalid UTF-8 is refused, never echoed. */
function csvLines(uri: string, bytes: Uint8Array): string[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PermanentError(
      'DATA.NOT_CSV',
      `dataUri: ${uri} is not UTF-8 text (binary content), so it is not a CSV file`,
    );
  }
  if (text.includes('\u0000'))
    throw new PermanentError(
      'DATA.NOT_CSV',
      `dataUri: ${uri} contains NUL bytes (binary content), so it is not a CSV file`,
    );
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
}

const unquote = (v: string | undefined): string => (v ?? '').trim().replace(/^"|"$/g, '');

function latestValue(lines: string[], column: string): string | undefined {
  const col = lines[0].split(',').map(unquote).indexOf(column);
  if (col < 0) return undefined;
  let latest: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const v = unquote(lines[i].split(',')[col]);
    if (v && (latest === undefined || v > latest)) latest = v;
  }
  return latest;
}

/**
 * Rows of `lines` the baseline does not contain, compared by row content (trimmed line) so a
 * same-size file of different rows counts them all. A baseline that can no longer be read counts every row.
 */
async function unseenRows(
  lines: string[],
  baselineUri: string,
  load: (uri: string) => Promise<{ lines: string[] }>,
): Promise<number> {
  let seen: Set<string>;
  try {
    seen = new Set((await load(baselineUri)).lines.slice(1).map(rowKey));
  } catch (err) {
    if (err instanceof PermanentError) return lines.length - 1;
    throw err;
  }
  let fresh = 0;
  for (let i = 1; i < lines.length; i++) if (!seen.has(rowKey(lines[i]))) fresh += 1;
  return fresh;
}

/** A row's identity: its cells, trimmed and unquoted (so CRLF, spacing and quoting do not make a row new). */
function rowKey(line: string): string {
  return createHash('sha1').update(line.split(',').map(unquote).join('\u001f')).digest('base64');
}

/** `dir/NAME.csv` -> `dir/NAME.contract.json` (only for .csv files). */
export function sidecarUri(uri: string): string | undefined {
  return /\.csv$/i.test(uri) ? uri.replace(/\.csv$/i, '.contract.json') : undefined;
}

/** `2024Q3` or `2024-Q3` -> the ISO date the quarter ends; ISO dates pass through; anything else is dropped. */
export function periodToIso(period: string): string | undefined {
  const q = /^(\d{4})-?Q([1-4])$/i.exec(period);
  if (q) return new Date(Date.UTC(Number(q[1]), Number(q[2]) * 3, 0)).toISOString();
  const t = Date.parse(period);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
