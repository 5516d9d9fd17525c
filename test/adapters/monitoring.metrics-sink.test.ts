import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MonitoringMetricsSink } from '../../shared/adapters/gcp/monitoring.metrics-sink.js';
import { ValidationError } from '../../shared/domain/errors.js';
import type { MetricPoint } from '../../shared/ports/metrics-sink.js';
import { googleError, startFakeGcpServer, staticAuthClient, type FakeGcpServer } from '../support/fake-gcp-server.js';

let server: FakeGcpServer;
const sinks: MonitoringMetricsSink[] = [];

beforeAll(async () => {
  server = await startFakeGcpServer();
});
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.on('POST', '/v3/projects/p/metricDescriptors', (req) => ({
    body: (req.body as { metricDescriptor?: unknown }).metricDescriptor ?? req.body,
  }));
  server.on('POST', '/v3/projects/p/timeSeries', { body: {} });
});

function sink(): MonitoringMetricsSink {
  const s = new MonitoringMetricsSink({
    projectId: 'p',
    fallback: true,
    clock: () => new Date('2024-03-10T00:00:00Z'),
    client: { apiEndpoint: '127.0.0.1', port: server.port, protocol: 'http', authClient: staticAuthClient() },
  });
  sinks.push(s);
  return s;
}

const point = (
  metric: MetricPoint['metric'],
  value: number,
  at: string,
  labels: Record<string, string> = {},
): MetricPoint => ({
  modelId: 'ipo',
  version: '1.0.0',
  metric,
  labels,
  value,
  at,
});

interface SeriesBody {
  timeSeries: {
    metric: { type: string; labels: Record<string, string> };
    resource: { type: string };
    metricKind: unknown;
    points: { interval: { endTime: string }; value: { doubleValue: number } }[];
  }[];
}

describe('MonitoringMetricsSink (real client, fake server)', () => {
  it('creates each descriptor once per process and writes gauge points with model, version and point labels', async () => {
    const s = sink();
    await s.write([
      point('accuracy_by_sector', 0.8, '2024-03-01T00:00:00Z', { sector: 'tech' }),
      point('drift_share', 0.25, '2024-03-01T00:00:00Z'),
    ]);
    await s.write([point('drift_share', 0.3, '2024-03-02T00:00:00Z')]);
    const descriptors = server
      .calls('POST', '/v3/projects/p/metricDescriptors')
      .map((r) => r.body as { type: string; labels: { key: string }[]; metricKind: unknown; valueType: unknown });
    expect(descriptors.map((d) => [d.type, d.labels.map((l) => l.key)])).toEqual([
      ['custom.googleapis.com/ipo_mlops/accuracy_by_sector', ['model_id', 'sector', 'version']],
      ['custom.googleapis.com/ipo_mlops/drift_share', ['model_id', 'version']],
    ]);
    const writes = server.calls('POST', '/v3/projects/p/timeSeries').map((r) => r.body as SeriesBody);
    expect(writes).toHaveLength(2);
    const first = writes[0].timeSeries[0];
    expect(first.metric).toEqual({
      type: 'custom.googleapis.com/ipo_mlops/accuracy_by_sector',
      labels: { sector: 'tech', model_id: 'ipo', version: '1.0.0' },
    });
    expect(first.resource.type).toBe('global');
    expect(first.points).toEqual([{ interval: { endTime: '2024-03-01T00:00:00.000Z' }, value: { doubleValue: 0.8 } }]);
    expect(writes[1].timeSeries.map((t) => t.points[0].value.doubleValue)).toEqual([0.3]);
  });

  it('treats ALREADY_EXISTS as success and re-creates the descriptor when new label keys appear', async () => {
    server.on('POST', '/v3/projects/p/metricDescriptors', googleError(409, 'ALREADY_EXISTS', 'descriptor exists'));
    const s = sink();
    await s.write([point('valuation_error_quantile', 0.1, '2024-03-01T00:00:00Z', { quantile: 'p50' })]);
    await s.write([point('valuation_error_quantile', 0.2, '2024-03-02T00:00:00Z', { quantile: 'p90', sector: 'bio' })]);
    expect(server.calls('POST', '/v3/projects/p/metricDescriptors')).toHaveLength(2);
    expect(server.calls('POST', '/v3/projects/p/timeSeries')).toHaveLength(2);
  });

  it('sends one point per series per request, oldest first', async () => {
    const s = sink();
    await s.write([
      point('drift_share', 0.2, '2024-03-02T00:00:00Z'),
      point('drift_share', 0.1, '2024-03-01T00:00:00Z'),
      point('r2_on_actuals', 0.7, '2024-03-01T00:00:00Z'),
    ]);
    const writes = server
      .calls('POST', '/v3/projects/p/timeSeries')
      .map((r) => (r.body as SeriesBody).timeSeries.map((t) => t.points[0].value.doubleValue));
    expect(writes).toEqual([[0.1, 0.7], [0.2]]);
  });

  it('rejects invalid points before any request and maps a server rejection to a permanent error', async () => {
    const s = sink();
    const err = await s
      .write([point('drift_share', Number.NaN, '2024-03-01T00:00:00Z', { 'Bad-Key': 'x' })])
      .catch((e: unknown) => e);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['points.0.value', 'points.0.labels.Bad-Key']);
    expect(server.requests).toHaveLength(0);
    server.on(
      'POST',
      '/v3/projects/p/timeSeries',
      googleError(400, 'INVALID_ARGUMENT', 'points must be written in order'),
    );
    await expect(s.write([point('drift_share', 1, '2024-03-01T00:00:00Z')])).rejects.toMatchObject({
      code: 'METRICS.REJECTED',
      retryable: false,
    });
    server.on('POST', '/v3/projects/p/timeSeries', googleError(503, 'UNAVAILABLE', 'try later'));
    await expect(s.write([point('drift_share', 1, '2024-03-01T00:00:00Z')])).rejects.toMatchObject({
      code: 'METRICS.UNAVAILABLE',
      retryable: true,
    });
  });

  it('reads points through listTimeSeries with a filter and interval, oldest first', async () => {
    server.on('GET', '/v3/projects/p/timeSeries', {
      body: {
        timeSeries: [
          {
            metric: {
              type: 'custom.googleapis.com/ipo_mlops/accuracy_by_sector',
              labels: { model_id: 'ipo', version: '1.1.0', sector: 'tech' },
            },
            metricKind: 'GAUGE',
            valueType: 'DOUBLE',
            points: [
              { interval: { endTime: '2024-03-05T00:00:00Z' }, value: { doubleValue: 0.9 } },
              { interval: { endTime: '2024-03-04T00:00:00Z' }, value: { doubleValue: 0.85 } },
            ],
          },
        ],
      },
    });
    const points = await sink().read('ipo', 'accuracy_by_sector', '2024-03-01T00:00:00Z');
    expect(points).toEqual([
      {
        modelId: 'ipo',
        version: '1.1.0',
        metric: 'accuracy_by_sector',
        labels: { sector: 'tech' },
        value: 0.85,
        at: '2024-03-04T00:00:00.000Z',
      },
      {
        modelId: 'ipo',
        version: '1.1.0',
        metric: 'accuracy_by_sector',
        labels: { sector: 'tech' },
        value: 0.9,
        at: '2024-03-05T00:00:00.000Z',
      },
    ]);
    const query = server.calls('GET', '/v3/projects/p/timeSeries')[0].query;
    expect(query.get('filter')).toBe(
      'metric.type = "custom.googleapis.com/ipo_mlops/accuracy_by_sector" AND metric.labels.model_id = "ipo"',
    );
    expect(query.get('interval.startTime')).toBe('2024-03-01T00:00:00.000Z');
    expect(query.get('interval.endTime')).toBe('2024-03-10T00:00:00.000Z');
  });
});
