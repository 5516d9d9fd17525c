/**
 * An operator's `alert.command` (console, `ipo-mlops alerts ack|close`): acknowledge an open alert
 * (who owns it, why), or close it (which frees its slot, so the next finding opens a new alert).
 * Commands on unknown or closed alerts are refused with a clear reason and change nothing.
 */
import type { AlertCommand } from '../domain/contracts/index.js';
import { PermanentError } from '../domain/errors.js';
import { refuseAlertCommand } from '../domain/lifecycle/index.js';
import { COLLECTIONS, SCHEMAS } from '../domain/state.js';
import { DecisionLog, type ServiceDeps } from './context.js';
import { closeAlert } from './drift-alert.service.js';
import { processOnce, type MessageIdentity, type Processed } from './processing.js';
import { getDoc } from './documents.js';

/** Apply an alert command exactly once. */
export async function handleAlertCommand(
  deps: ServiceDeps,
  identity: MessageIdentity,
  command: AlertCommand,
): Promise<Processed> {
  return processOnce(deps, identity, async (tx, now) => {
    const alert = await getDoc(tx, SCHEMAS.AlertDoc, COLLECTIONS.alerts, command.alertId);
    if (!alert) throw new PermanentError('ALERT.NOT_FOUND', `alertId: no alert ${command.alertId}`);
    const refusal = refuseAlertCommand(command.action, alert);
    if (refusal !== undefined) {
      throw new PermanentError(
        command.action === 'ack' && alert.state === 'open' ? 'ALERT.ALREADY_ACKNOWLEDGED' : 'ALERT.NOT_OPEN',
        `alertId: cannot ${command.action} ${command.alertId}: ${refusal}`,
      );
    }
    const at = now.toISOString();
    const log = new DecisionLog(identity, now, deps.settings.commandSigningKey);
    const why = command.reason ?? `${command.action === 'ack' ? 'acknowledged' : 'closed'} by ${command.actor}`;
    if (command.action === 'close') {
      const model = await getDoc(tx, SCHEMAS.ModelDoc, COLLECTIONS.models, alert.modelId);
      if (!model)
        throw new PermanentError(
          'ALERT.UNKNOWN_MODEL',
          `alert ${alert.alertId} names model ${alert.modelId}, which does not exist`,
        );
      return closeAlert(tx, log, at, model, alert, command.actor, why);
    }
    const acknowledged = { actor: command.actor, at, ...(command.reason ? { reason: command.reason } : {}) };
    tx.set(COLLECTIONS.alerts, alert.alertId, { ...alert, acknowledged, updatedAt: at });
    log.event(tx, {
      event: 'alert.acknowledged',
      modelId: alert.modelId,
      subject: { kind: 'alert', id: alert.alertId },
      actor: command.actor,
      reason: why,
    });
    return { outcome: { kind: 'acknowledged', alertId: alert.alertId, actor: command.actor }, messages: log.messages };
  });
}
