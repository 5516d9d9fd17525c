/** Dataset inspector port: is a landed data reference readable, and how big is it. */

/** A description of a dataset. */
export interface DatasetDescription {
  uri: string;
  rowCount: number;
  bytes: number;
  /** Latest value of the contract's time column, when it can be read cheaply. */
  latestPeriod?: string;
}

/** The inspector; `describe` throws a PermanentError `DATA.UNREADABLE` naming the URI when it cannot be read. */
export interface DatasetInspector {
  describe(uri: string): Promise<DatasetDescription>;
}
