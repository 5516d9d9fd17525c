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
  /** Quarters in the first landing (a short history: the first model knows little of the recent market). */
  firstQuarters: number;
  /** Quarters in the second landing; the ones after it are the future both models are judged on. */
  nextQuarters: number;
  epochs: number;
  /**
   * Share of the six raw columns that must drift for dataset drift. The sample companies grow every quarter,
   * so at quick size (a short reference) normal traffic already moves one or two columns and the regime shift
   * three; at full size (twenty quarters of reference) normal traffic moves none and the regime shift one.
   */
  driftShare: number;
}

/** Full size: close to the default sample data. */
export const FULL: DemoSize = {
  companies: 200,
  quarters: 22,
  firstQuarters: 14,
  nextQuarters: 20,
  epochs: 60,
  driftShare: 0.15,
};
/** Quick size: for the end-to-end test. */
export const QUICK: DemoSize = {
  companies: 90,
  quarters: 16,
  firstQuarters: 12,
  nextQuarters: 14,
  epochs: 25,
  driftShare: 0.45,
};

/** The landings of the scenario, as CSV text. */
export interface DemoData {
  firstQuarters: string;
  nextQuarters: string;
  corrupted: string;
  /** Rows of the regime-shifted panel (served to the endpoint to cause drift). */
  shifted: SamplePanel;
  /** Rows of the normal panel (served, with actuals, to feed monitoring). */
  normal: SamplePanel;
  /** The last quarter of the second landing (`2020Q4`): later quarters are the future neither model saw. */
  lastTrainedQuarter: string;
}

/** The label of the `n`-th quarter (1-based) of a panel starting in `startYear`, e.g. `2019Q2`. */
function quarterLabel(n: number, startYear: number): string {
  return `${startYear + Math.floor((n - 1) / 4)}Q${((n - 1) % 4) + 1}`;
}

function upTo(panel: SamplePanel, quarters: number, startYear: number): string {
  const last = quarterLabel(quarters, startYear);
  return toCsv(
    panel.header,
    panel.rows.filter((r) => String(r[1]) <= last),
  );
}

/** Build the scenario's data deterministically from a seed. */
export function demoData(size: DemoSize, seed = 11): DemoData {
  const startYear = 2016;
  const normal = generateSamplePanel({ companies: size.companies, quarters: size.quarters, seed, startYear });
  const shifted = generateSamplePanel({
    companies: size.companies,
    quarters: size.quarters,
    seed: seed + 1,
    startYear,
    regimeShift: true,
  });
  let state = seed;
  const rand = (): number => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  // The target replaced by noise unrelated to the features: no model can pass R² >= 0.7 on it.
  const corruptedRows = normal.rows.map((r) => {
    const copy = [...r];
    copy[8] = Math.round(Math.exp(20 + 3 * rand()));
    return copy;
  });
  return {
    firstQuarters: upTo(normal, size.firstQuarters, startYear),
    nextQuarters: upTo(normal, size.nextQuarters, startYear),
    corrupted: toCsv(normal.header, corruptedRows),
    shifted,
    normal,
    lastTrainedQuarter: quarterLabel(size.nextQuarters, startYear),
  };
}
