/**
 * Entry of the standalone broker (`npm run broker`). The only file here that reads process.env
 * and owns signals and exit codes (STYLE.md rule 5): config errors exit 1, a clean stop exits 0.
 */
import { ConfigError } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { loadBrokerConfig } from './config.ts';
import { createBroker, MQTT_WS_PATH } from './create-broker.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadBrokerConfig>;
  try {
    config = loadBrokerConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  const logger = createLogger('broker', { level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const broker = createBroker(config, { logger });
  const { mqttPort, wsPort } = await broker.start();
  logger.info(
    `MQTT on ${config.MQTT_HOST}:${mqttPort}, MQTT over WebSocket on ws://${config.MQTT_HOST}:${wsPort}${MQTT_WS_PATH}`,
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping broker');
    broker.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'broker did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('broker failed to start:', err);
  process.exit(1);
});
