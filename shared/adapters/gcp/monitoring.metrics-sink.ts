/**
 * Cloud Monitoring adapter of the metrics sink: each metric is a custom GAUGE/DOUBLE metric
 * `custom.googleapis.com/ipo_mlops/<metric>` on the `global` resource, labelled with model_id,
 * version and the point's own labels. Descriptors are created once per process and metric (again when
 * new label keys appear; ALREADY_EXISTS is success). Cloud Monitoring takes one point per series per
 * request and at most 200 series per request, so a batch is split into rounds accordingly.
 */
import type { protos, v3 } from '@google-cloud/monitoring';
import { PermanentError, TransientError, ValidationError, errorMessage, type Issue } from '../../domain/errors.js';
import { METRIC_NAMES, type MetricName, type MetricPoint, type MetricsSink } from '../../ports/metrics-sink.js';
import { GRPC, grpcCode, lazy, type Lazy } from './lazy.js';

/** Connection overrides passed through to a Google Cloud client (tests point them at a fake server). */
export interface GcpClientOptions {
  apiEndpoint?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** An auth client (e.g. a static-token OAuth2Client); default Application Default Credentials. */
  authClient?: object;
}

/** Options of {@link MonitoringMetricsSink}. */
export interface MonitoringMetricsSinkOptions {
  projectId: string;
  /** Use the REST transport instead of gRPC (smaller cold start, works through HTTP proxies); default false. */
  fallback?: boolean;
  client?: GcpClientOptions;
  /** End of the `read` interval; default the system clock. */
  clock?: () => Date;
}

/** Prefix of every custom metric type this system writes. */
export const METRIC_TYPE_PREFIX = 'custom.googleapis.com/ipo_mlops/';
const MAX_SERIES_PER_REQUEST = 200;
const LABEL_KEY = /^[a-z][a-z0-9_]{0,99}$/;
const BASE_LABELS = ['model_id', 'version'];

type TimeSeries = protos.google.monitoring.v3.ITimeSeries;
interface ProtoTime {
  seconds: number;
  nanos: number;
}

/** Metrics sink on Cloud Monitoring custom metrics. */
export class MonitoringMetricsSink implements MetricsSink {
  private readonly client: Lazy<v3.MetricServiceClient>;
  private readonly project: string;
  private readonly clock: () => Date;
  /** Label keys each metric's descriptor is known to declare (this process created it). */
  private readonly described = new Map<MetricName, Set<string>>();

  constructor(private readonly options: MonitoringMetricsSinkOptions) {
    this.project = `projects/${options.projectId}`;
    this.clock = options.clock ?? (() => new Date());
    this.client = lazy(async () => {
      const { MetricServiceClient } = await import('@google-cloud/monitoring');
      return new MetricServiceClient({
        ...options.client,
        fallback: options.fallback ?? false,
      } as ConstructorParameters<typeof v3.MetricServiceClient>[0]);
    });
  }

  /** Write all points: descriptors first, then rounds of at most one point per series, oldest first. */
  async write(points: MetricPoint[]): Promise<void> {
    const issues = points.flatMap((p, i) => pointIssues(p, `points.${i}`));
    if (issues.length > 0) throw new ValidationError('metric points', issues, 'METRICS.INVALID');
    if (points.length === 0) return;
    const client = await this.client.get();
    await this.ensureDescriptors(client, points);
    for (const batch of rounds(points)) {
      await call('write time series', () =>
        client.createTimeSeries({ name: this.project, timeSeries: batch.map((p) => this.series(p)) }),
      );
    }
  }

  /** Points of one metric for a model since a time, oldest first (`listTimeSeries`, full view). */
  async read(modelId: string, metric: MetricName, since: string): Promise<MetricPoint[]> {
    const client = await this.client.get();
    const [series] = await call('list time series', () =>
      client.listTimeSeries({
        name: this.project,
        filter: `metric.type = "${METRIC_TYPE_PREFIX}${metric}" AND metric.labels.model_id = "${modelId.replace(/"/g, '\\"')}"`,
        interval: { startTime: protoTime(since), endTime: protoTime(this.clock().toISOString()) },
        view: 'FULL',
      }),
    );
    const out: MetricPoint[] = [];
    for (const s of series) {
      const { model_id: _m, version = '', ...labels } = (s.metric?.labels ?? {}) as Record<string, string>;
      for (const p of s.points ?? []) {
        out.push({
          modelId,
          version,
          metric,
          labels,
          value: Number(p.value?.doubleValue ?? p.value?.int64Value ?? 0),
          at: isoTime(p.interval?.endTime),
        });
      }
    }
    return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }

  /** Close the client if it was ever created. */
  async close(): Promise<void> {
    const pending = this.client.peek();
    if (pending) await (await pending).close();
  }

  private async ensureDescriptors(client: v3.MetricServiceClient, points: MetricPoint[]): Promise<void> {
    const wanted = new Map<MetricName, Set<string>>();
    for (const p of points) {
      const keys = wanted.get(p.metric) ?? new Set(this.described.get(p.metric) ?? BASE_LABELS);
      for (const key of Object.keys(p.labels)) keys.add(key);
      wanted.set(p.metric, keys);
    }
    for (const [metric, keys] of wanted) {
      const known = this.described.get(metric);
      if (known && [...keys].every((k) => known.has(k))) continue;
      await call('create metric descriptor', async () => {
        try {
          await client.createMetricDescriptor({ name: this.project, metricDescriptor: descriptor(metric, [...keys]) });
        } catch (err) {
          if (googleStatusCode(err) !== GRPC.ALREADY_EXISTS) throw err;
        }
      });
      this.described.set(metric, keys);
    }
  }

  private series(p: MetricPoint): TimeSeries {
    return {
      metric: { type: METRIC_TYPE_PREFIX + p.metric, labels: { ...p.labels, model_id: p.modelId, version: p.version } },
      resource: { type: 'global', labels: { project_id: this.options.projectId } },
      metricKind: 'GAUGE',
      valueType: 'DOUBLE',
      points: [{ interval: { endTime: protoTime(p.at) }, value: { doubleValue: p.value } }],
    };
  }
}

/** Split points into requests with each series at most once and at most 200 series, oldest points first. */
function rounds(points: MetricPoint[]): MetricPoint[][] {
  const sorted = [...points].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const out: MetricPoint[][] = [];
  const lastRound = new Map<string, number>();
  for (const p of sorted) {
    const key = seriesKey(p);
    let i = (lastRound.get(key) ?? -1) + 1;
    while (i < out.length && out[i].length >= MAX_SERIES_PER_REQUEST) i += 1;
    (out[i] ??= []).push(p);
    lastRound.set(key, i);
  }
  return out;
}

function seriesKey(p: MetricPoint): string {
  return JSON.stringify([p.metric, p.modelId, p.version, Object.entries(p.labels).sort()]);
}

function descriptor(metric: MetricName, labelKeys: string[]) {
  return {
    type: METRIC_TYPE_PREFIX + metric,
    metricKind: 'GAUGE' as const,
    valueType: 'DOUBLE' as const,
    displayName: `ipo-mlops ${metric}`,
    description: `ipo-mlops monitoring metric ${metric}`,
    labels: labelKeys.sort().map((key) => ({ key, valueType: 'STRING' as const })),
  };
}

function pointIssues(p: MetricPoint, at: string): Issue[] {
  const issues: Issue[] = [];
  if (!METRIC_NAMES.includes(p.metric))
    issues.push({ path: `${at}.metric`, message: `must be one of ${METRIC_NAMES.join(', ')}` });
  if (!Number.isFinite(p.value)) issues.push({ path: `${at}.value`, message: 'must be a finite number' });
  if (Number.isNaN(Date.parse(p.at))) issues.push({ path: `${at}.at`, message: 'must be an ISO time' });
  for (const [key, value] of Object.entries(p.labels)) {
    if (!LABEL_KEY.test(key) || BASE_LABELS.includes(key))
      issues.push({
        path: `${at}.labels.${key}`,
        message: 'label keys are lower_snake_case and not model_id or version',
      });
    if (typeof value !== 'string')
      issues.push({ path: `${at}.labels.${key}`, message: 'label values must be strings' });
  }
  return issues;
}

function protoTime(iso: string): ProtoTime {
  const ms = Date.parse(iso);
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

function isoTime(
  t: { seconds?: number | string | { toString(): string } | null; nanos?: number | null } | string | null | undefined,
): string {
  if (typeof t === 'string') return new Date(t).toISOString();
  return new Date(Number(t?.seconds ?? 0) * 1000 + Math.round((t?.nanos ?? 0) / 1e6)).toISOString();
}

const HTTP_TO_GRPC: Record<number, number> = {
  400: GRPC.INVALID_ARGUMENT,
  401: GRPC.UNAUTHENTICATED,
  403: GRPC.PERMISSION_DENIED,
  404: GRPC.NOT_FOUND,
  409: GRPC.ABORTED,
  429: GRPC.RESOURCE_EXHAUSTED,
  499: GRPC.CANCELLED,
  500: GRPC.INTERNAL,
  503: GRPC.UNAVAILABLE,
  504: GRPC.DEADLINE_EXCEEDED,
};

/**
 * The gRPC status code of a Google Cloud client error on either transport. gRPC errors carry it as
 * `code`; the REST fallback throws a GaxiosError whose `code` is the HTTP status and whose message is
 * Google's JSON error body, so the body's `status` name is preferred (409 is ALREADY_EXISTS or ABORTED).
 */
export function googleStatusCode(err: unknown): number | undefined {
  const code = grpcCode(err);
  if (code === undefined || code < 100) return code;
  try {
    const name = (JSON.parse(errorMessage(err)) as { error?: { status?: string } }).error?.status;
    if (name !== undefined && name in GRPC) return GRPC[name as keyof typeof GRPC];
  } catch {
    // Not a JSON body: fall back to the HTTP status.
  }
  return HTTP_TO_GRPC[code] ?? GRPC.UNKNOWN;
}

/** Whether a gRPC status code is worth retrying (unknown failures, e.g. network errors, are). */
export function isRetryableStatus(code: number | undefined): boolean {
  return (
    code === undefined ||
    (
      [
        GRPC.UNKNOWN,
        GRPC.UNAVAILABLE,
        GRPC.DEADLINE_EXCEEDED,
        GRPC.RESOURCE_EXHAUSTED,
        GRPC.INTERNAL,
        GRPC.ABORTED,
      ] as number[]
    ).includes(code)
  );
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = googleStatusCode(err);
    const retryable = isRetryableStatus(code);
    const message = `Cloud Monitoring: ${what} failed: ${errorMessage(err)}`;
    throw retryable
      ? new TransientError('METRICS.UNAVAILABLE', message, { grpcCode: code })
      : new PermanentError('METRICS.REJECTED', message, { grpcCode: code });
  }
}
