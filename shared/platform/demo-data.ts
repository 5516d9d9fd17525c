/**
 * Data for the demo scenario: one seeded company panel landed quarter by quarter, a regime-shifted
 * panel for drift, and a corrupted dataset whose target is noise (a candidate that must fail the gate).
 */
import { toCsv } from '../ml/csv.js';
import { generateSamplePanel, type SamplePanel } from '../ml/sample-data.generator.js';

/** Sizes of the scenario (the quick mode keeps CI fast). */
export interface DemoSize {
  companies: number;
  quarters: number;
  /** Quarters in the first landing; each later landing adds one. */
  firstQuarters: number;
  epochs: number;
}

/** Full size: close to the default sample data. */
export const FULL: DemoSize = { companies: 200, quarters: 22, firstQuarters: 19, epochs: 60 };
/** Quick size: for the end-to-end test. */
export const QUICK: DemoSize = { companies: 90, quarters: 16, firstQuarters: 13, epochs: 25 };

/** The landings of the scenario, as CSV text. */
export interface DemoData {
  firstQuarters: string;
  nextQuarter: string;
  corrupted: string;
  /** Rows of the regime-shifted panel (served to the endpoint to cause drift). */
  shifted: SamplePanel;
  /** Rows of the normal panel (served, with actuals, to feed monitoring). */
  normal: SamplePanel;
}

function upTo(panel: SamplePanel, quarters: number, startYear: number): string {
  const last = `${startYear + Math.floor((quarters - 1) / 4)}Q${((quarters - 1) % 4) + 1}`;
  return toCsv(panel.header, panel.rows.filter((r) => String(r[1]) <= last));
}

/** Build the scenario's data deterministically from a seed. */
export function demoData(size: DemoSize, seed = 11): DemoData {
  const startYear = 2016;
  const normal = generateSamplePanel({ companies: size.companies, quarters: size.quarters, seed, startYear });
  const shifted = generateSamplePanel({ companies: size.companies, quarters: size.quarters, seed: seed + 1, startYear, regimeShift: true });
  let state = seed;
  const rand = (): number => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  // The target replaced by noise unrelated to the features: no model can pass R² >= 0.7 on it.
  const corruptedRows = normal.rows.map((r) => {
    const copy = [...r];
    copy[8] = Math.round(Math.exp(20 + 3 * rand()));
    return copy;
  });
  return {
    firstQuarters: upTo(normal, size.firstQuarters, startYear),
    nextQuarter: upTo(normal, size.firstQuarters + 1, startYear),
    corrupted: toCsv(normal.header, corruptedRows),
    shifted,
    normal,
  };
}
