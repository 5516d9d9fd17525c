/** Artifact store port: a directory locally, a GCS prefix on Google Cloud. */

/** The artifact store. URIs are `file:///abs/path/...` locally and `gs://bucket/path/...` on Google Cloud. */
export interface ArtifactStore {
  /** The URI of a path under the store's root. */
  uri(path: string): string;
  write(uri: string, bytes: Uint8Array | string): Promise<void>;
  read(uri: string): Promise<Uint8Array>;
  exists(uri: string): Promise<boolean>;
  /** URIs under a prefix URI. */
  list(prefixUri: string): Promise<string[]>;
}
