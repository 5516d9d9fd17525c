/**
 * A seeded generator of a realistic company panel in the default contract's schema: sector-dependent
 * valuation multiples, growth and margin premia, a leverage discount, a shared market-regime factor,
 * noise, missing values and outliers. `regimeShift` compresses multiples and moves the sector mix.
 */
import { toCsv } from './csv.js';
import { createRng, normal, type Rng } from './random.js';

/** Options of the generator. */
export interface SampleDataOptions {
  companies?: number;
  quarters?: number;
  seed?: number;
  /** First fiscal year of the panel. */
  startYear?: number;
  /** Multiples compress and the sector mix moves (drift scenarios). */
  regimeShift?: boolean;
  /** Share of numeric cells left empty. */
  missingRate?: number;
  /** Share of reported revenue values that are data-entry outliers. */
  outlierRate?: number;
}

interface Sector {
  name: string;
  weight: number;
  shiftedWeight: number;
  /** EV / annualised revenue. */
  multiple: number;
  growth: number;
  margin: number;
}

const SECTORS: readonly Sector[] = [
  { name: 'Technology', weight: 0.25, shiftedWeight: 0.12, multiple: 6.0, growth: 0.04, margin: 0.15 },
  { name: 'Healthcare', weight: 0.2, shiftedWeight: 0.13, multiple: 4.5, growth: 0.03, margin: 0.12 },
  { name: 'Financials', weight: 0.15, shiftedWeight: 0.2, multiple: 2.8, growth: 0.015, margin: 0.2 },
  { name: 'Consumer', weight: 0.15, shiftedWeight: 0.15, multiple: 2.0, growth: 0.015, margin: 0.07 },
  { name: 'Industrials', weight: 0.15, shiftedWeight: 0.2, multiple: 1.8, growth: 0.012, margin: 0.08 },
  { name: 'Energy', weight: 0.1, shiftedWeight: 0.2, multiple: 1.5, growth: 0.008, margin: 0.1 },
];

/** The generated columns, in the default contract's names. */
export const SAMPLE_COLUMNS = [
  'company_id',
  'fiscal_quarter',
  'sector',
  'revenue',
  'net_income',
  'total_debt',
  'total_equity',
  'market_cap',
  'enterprise_value',
] as const;

/** A generated panel: header and rows (null = missing). */
export interface SamplePanel {
  header: string[];
  rows: (string | number | null)[][];
}

function pickSector(rng: Rng, shifted: boolean): Sector {
  let u = rng();
  for (const s of SECTORS) {
    u -= shifted ? s.shiftedWeight : s.weight;
    if (u <= 0) return s;
  }
  return SECTORS[SECTORS.length - 1];
}

/** Generate a company panel (companies x quarters rows). */
export function generateSamplePanel(options: SampleDataOptions = {}): SamplePanel {
  const {
    companies = 250,
    quarters = 24,
    seed = 42,
    startYear = 2016,
    regimeShift = false,
    missingRate = 0.02,
    outlierRate = 0.004,
  } = options;
  const rng = createRng(seed);
  const regime: number[] = [];
  for (let t = 0, r = 0; t < quarters; t++) regime.push((r = 0.8 * r + normal(rng, 0, 0.06)));
  const compression = regimeShift ? 0.65 : 1;
  const rows: (string | number | null)[][] = [];
  for (let c = 0; c < companies; c++) {
    const sector = pickSector(rng, regimeShift);
    const id = `C${String(c + 1).padStart(5, '0')}`;
    let revenue = Math.exp(normal(rng, 18.4, 1.1));
    const growth = sector.growth + normal(rng, 0, 0.015);
    const margin = sector.margin + normal(rng, 0, 0.04);
    const leverage = Math.exp(normal(rng, -0.3, 0.8));
    let equity = revenue * Math.exp(normal(rng, 1.2, 0.4));
    const history: number[] = [];
    for (let t = 0; t < quarters; t++) {
      revenue *= Math.exp(growth + normal(rng, 0, 0.04));
      history.push(revenue);
      const m = margin + normal(rng, 0, 0.015);
      const netIncome = revenue * m;
      equity = Math.max(equity + 0.5 * netIncome, revenue * 0.2);
      const debt = equity * leverage * Math.exp(normal(rng, 0, 0.05));
      const yoy = t >= 4 ? revenue / history[t - 4] - 1 : growth * 4;
      const de = debt / equity;
      const multiple =
        sector.multiple * compression * Math.exp(2.0 * yoy + 3.0 * m - 0.12 * de + regime[t] + normal(rng, 0, 0.05));
      const ev = 4 * revenue * multiple;
      const cash = revenue * 0.3 * Math.exp(normal(rng, 0, 0.1));
      const marketCap = Math.max(ev - debt + cash, 0.05 * ev) * Math.exp(normal(rng, 0, 0.02));
      const reported = rng() < outlierRate ? revenue * (5 + 5 * rng()) : revenue;
      const quarter = `${startYear + Math.floor(t / 4)}Q${(t % 4) + 1}`;
      const miss = (v: number): number | null => (rng() < missingRate ? null : Math.round(v));
      rows.push([
        id,
        quarter,
        rng() < missingRate / 2 ? null : sector.name,
        miss(reported),
        miss(netIncome),
        miss(debt),
        miss(equity),
        miss(marketCap),
        rng() < missingRate / 2 ? null : Math.round(ev),
      ]);
    }
  }
  return { header: [...SAMPLE_COLUMNS], rows };
}

/** Generate the panel as CSV text. */
export function generateSampleCsv(options: SampleDataOptions = {}): string {
  const panel = generateSamplePanel(options);
  return toCsv(panel.header, panel.rows);
}
