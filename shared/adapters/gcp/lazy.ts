/**
 * Lazy loading helpers for the Google Cloud SDKs. Each SDK costs 100+ ms and tens of MB to import,
 * so adapters import them on first use instead of at module load (cold start of every function).
 */

/** A value loaded on first use; `peek` lets `close()` avoid loading an SDK only to shut it down. */
export interface Lazy<T> {
  /** Get the value, loading it on first call; a failed load is retried on the next call. */
  get(): Promise<T>;
  /** The value's promise if it was ever requested. */
  peek(): Promise<T> | undefined;
}

/** Memoise an async factory: the first `get` starts it and later calls share the same promise. */
export function lazy<T>(factory: () => Promise<T>): Lazy<T> {
  let pending: Promise<T> | undefined;
  return {
    get() {
      pending ??= factory().catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
      return pending;
    },
    peek: () => pending,
  };
}

/** The numeric gRPC status code carried by a Google Cloud client error, if any. */
export function grpcCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** gRPC status codes the adapters map to the error model. */
export const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
