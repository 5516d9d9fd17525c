/**
 * The local stand-in for Cloud Scheduler: ticks publish the same messages the Terraform jobs do
 * (monitor check, reconciler, scheduled retrain), each with a `scheduledTime` attribute so a
 * duplicated tick is deduplicated downstream.
 */
import type { EventBus, OutgoingMessage } from '../ports/event-bus.js';
import type { Logger } from '../ports/logger.js';

/** One scheduled job. */
export interface ScheduledJob {
  name: string;
  everyMs: number;
  message: (scheduledTime: string) => OutgoingMessage;
}

/** The jobs of the local platform (mirrors terraform's Cloud Scheduler jobs). */
export function localJobs(
  modelId: string,
  intervals: { monitorMs: number; reconcileMs: number; retrainMs: number },
): ScheduledJob[] {
  const jobs: ScheduledJob[] = [
    {
      name: 'monitor-check',
      everyMs: intervals.monitorMs,
      message: (t) => ({
        topic: 'drift-alerts',
        data: { type: 'monitor.scheduled-check', modelId, scheduledTime: t },
        attributes: { scheduledTime: t, schedulerJob: 'monitor-check' },
      }),
    },
    {
      name: 'reconciler',
      everyMs: intervals.reconcileMs,
      message: (t) => ({
        topic: 'pipeline-events',
        data: { type: 'system.reconcile' },
        attributes: { scheduledTime: t, schedulerJob: 'reconciler' },
      }),
    },
  ];
  if (intervals.retrainMs > 0) {
    jobs.push({
      name: 'scheduled-retrain',
      everyMs: intervals.retrainMs,
      message: (t) => ({
        topic: 'retrain-requests',
        data: { type: 'retrain.requested', modelId, reason: 'schedule', requestedBy: 'scheduler', scheduledTime: t },
        attributes: { scheduledTime: t, schedulerJob: 'scheduled-retrain' },
      }),
    });
  }
  return jobs;
}

/** Start the jobs; each tick's scheduled time is aligned to its period so restarts reuse the same keys. */
export function startScheduler(bus: EventBus, logger: Logger, jobs: ScheduledJob[]): () => void {
  const timers = jobs.map((job) =>
    setInterval(() => {
      const scheduledTime = new Date(Math.floor(Date.now() / job.everyMs) * job.everyMs).toISOString();
      bus
        .publish(job.message(scheduledTime))
        .catch((err: unknown) => logger.log('ERROR', `scheduler ${job.name} could not publish: ${String(err)}`));
    }, job.everyMs),
  );
  return () => timers.forEach((t) => clearInterval(t));
}
