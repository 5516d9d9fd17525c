/** `npm start`: run the whole lifecycle on the embedded stack until interrupted. */
import { loadConfig } from '../config.js';
import { errorMessage } from '../domain/errors.js';
import { startPlatform } from './server.js';

try {
  const config = loadConfig();
  const platform = await startPlatform(config);
  const lines = [
    `ipo-mlops local platform on ${platform.url}`,
    `  status page      ${platform.url}/`,
    `  console          ${platform.url}/console/`,
    `  status JSON      ${platform.url}/api/status`,
    `  predict          POST ${platform.url}/v1/projects/local/locations/local/endpoints/${platform.stack.deps.settings.endpointId}:predict`,
    `  drift webhook    POST ${platform.url}/webhooks/monitoring?token=${platform.webhookToken}`,
    `  landing folder   ${platform.landingDir} (drop a CSV to retrain)`,
    `  data directory   ${platform.stack.dataDir}`,
    'Ctrl-C to stop; state survives a restart.',
  ];
  process.stderr.write(lines.join('\n') + '\n');
  const stop = (): void => {
    void platform.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  process.stderr.write(`ipo-mlops: cannot start: ${errorMessage(err)}\n`);
  process.exit(1);
}
