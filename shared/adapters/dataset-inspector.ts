/**
 * A dataset inspector over the artifact store (works for `file://` and `gs://`): the reference
 * must be readable, and its row count and latest period feed the retrain policy.
 */
import { PermanentError, errorMessage } from '../domain/errors.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { DatasetDescription, DatasetInspector } from '../ports/dataset-inspector.js';

/** Inspect CSV datasets; `timeColumn` names the column whose maximum is the latest period. */
export function csvDatasetInspector(store: ArtifactStore, timeColumn = 'fiscal_quarter'): DatasetInspector {
  return {
    async describe(uri: string): Promise<DatasetDescription> {
      let bytes: Uint8Array;
      try {
        if (!(await store.exists(uri))) throw new Error('no such object');
        bytes = await store.read(uri);
      } catch (err) {
        throw new PermanentError('DATA.UNREADABLE', `dataUri: ${uri} cannot be read (${errorMessage(err)})`);
      }
      const text = new TextDecoder().decode(bytes);
      const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
      if (lines.length < 2) throw new PermanentError('DATA.EMPTY', `dataUri: ${uri} has no data rows`);
      const header = lines[0].split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
      const col = header.indexOf(timeColumn);
      let latest: string | undefined;
      if (col >= 0) {
        for (let i = 1; i < lines.length; i++) {
          const v = lines[i].split(',')[col]?.trim().replace(/^"|"$/g, '');
          if (v && (latest === undefined || v > latest)) latest = v;
        }
      }
      return { uri, rowCount: lines.length - 1, bytes: bytes.byteLength, ...(latest ? { latestPeriod: periodToIso(latest) } : {}) };
    },
  };
}

/** `2024Q3` or `2024-Q3` -> the ISO date the quarter ends; ISO dates pass through; anything else is dropped. */
export function periodToIso(period: string): string | undefined {
  const q = /^(\d{4})-?Q([1-4])$/i.exec(period);
  if (q) return new Date(Date.UTC(Number(q[1]), Number(q[2]) * 3, 0)).toISOString();
  const t = Date.parse(period);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
