/** `npm start`: run the whole lifecycle on the embedded stack until interrupted. */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config.js';
import { errorMessage } from '../domain/errors.js';
import { startPlatform } from './server.js';
import { createTerminal, eventLine, fileLogger, watchProgress } from './terminal.js';

const isTTY = process.stderr.isTTY === true;
const terminal = createTerminal((text) => void process.stderr.write(text), isTTY);
try {
  const config = loadConfig();
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dataDir, 'platform.log');
  const platform = await startPlatform(config, { logger: fileLogger(logFile, config.logLevel, terminal) });
  const token = platform.operatorToken;
  const lines = [
    `ipo-mlops local platform on ${platform.url}`,
    `  console          ${platform.url}/console/  (sign in with the operator token)`,
    `  operator token   ${token.source === 'configured' ? '(IPO_OPERATOR_TOKEN)' : `${token.value}  (kept in ${token.file ?? ''})`}`,
    `  status JSON      ${platform.url}/api/status  (authorization: Bearer TOKEN)`,
    `  predict          POST ${platform.url}/v1/projects/local/locations/local/endpoints/${platform.stack.deps.settings.endpointId}:predict`,
    `  drift webhook    POST ${platform.url}/webhooks/monitoring?token=${platform.webhookToken}`,
    `  notifications    ${platform.notifying ? 'lifecycle events worth a human go to IPO_NOTIFY_WEBHOOK_URL' : 'off (set IPO_NOTIFY_WEBHOOK_URL)'}`,
    `  landing folder   ${platform.landingDir} (drop a CSV to retrain)`,
    `  data directory   ${platform.stack.dataDir}; JSON log in ${logFile}`,
    'Ctrl-C to stop; state survives a restart. Lifecycle events and training progress follow.',
  ];
  terminal.line(lines.join('\n'));
  platform.events.subscribe((event) => terminal.line(eventLine(event)));
  const stopProgress = watchProgress(platform.stack.store, terminal, { isTTY });
  const stop = (): void => {
    stopProgress();
    terminal.endProgress();
    void platform.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  terminal.line(`ipo-mlops: cannot start: ${errorMessage(err)}`);
  process.exit(1);
}
