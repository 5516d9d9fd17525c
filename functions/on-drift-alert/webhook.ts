/** The drift webhook's functions-framework HTTP entry point (the logic is `shared/services/webhook.service.ts`). */
import type { Request, Response } from '@google-cloud/functions-framework';
import type { DepsProvider } from '../../shared/services/edge.js';
import { handleWebhook } from '../../shared/services/webhook.service.js';

/** The functions-framework HTTP handler of the drift webhook. `getToken` reads the configured token (Secret Manager on Google Cloud). */
export function onDriftAlertWebhook(getDeps: DepsProvider, getToken: () => Promise<string | undefined>) {
  return async (req: Request, res: Response): Promise<void> => {
    const result = await handleWebhook(
      { method: req.method, token: req.query.token, body: req.body },
      getDeps,
      await getToken(),
    );
    res.status(result.status).json(result.body);
  };
}
