/** Dataset inspector port: is a landed data reference readable, what is in it, and how much of it is new. */

/** A description of a dataset. */
export interface DatasetDescription {
  uri: string;
  rowCount: number;
  bytes: number;
  /** SHA-256 of the bytes: a keyless landing is deduplicated on it, so an overwritten file is new data. */
  sha256: string;
  /** Latest value of the contract's time column, when it can be read cheaply. */
  latestPeriod?: string;
  /** The sidecar contract (`NAME.contract.json` next to `NAME.csv`), when one exists. */
  contractUri?: string;
  /** Rows not present in the baseline dataset (compared by row content), when a baseline was given. */
  newRows?: number;
}

/** What to compare a dataset against. */
export interface DescribeOptions {
  /** The dataset the champion was trained on: rows already in it are not new. */
  baselineUri?: string;
}

/**
 * The inspector; `describe` throws a PermanentError naming the URI when the data cannot be used:
 * `DATA.UNREADABLE`, `DATA.EMPTY`, `DATA.NOT_CSV` (binary or not UTF-8 text), `DATA.TOO_LARGE`.
 */
export interface DatasetInspector {
  describe(uri: string, options?: DescribeOptions): Promise<DatasetDescription>;
}
