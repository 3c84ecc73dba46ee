/**
 * Entry of the standalone broker (`npm run broker`). The only file here that reads process.env
 * and owns signals and exit codes (STYLE.md rule 5): config errors exit 1, a clean stop exits 0.
 */
import { createLogger } from '../shared/log.ts';
import { runMain, stopOnSignals } from '../shared/run-service.ts';
import { loadBrokerConfig } from './config.ts';
import { createBroker, MQTT_WS_PATH } from './create-broker.ts';

runMain('broker', async () => {
  const config = loadBrokerConfig(process.env);
  const logger = createLogger('broker', { level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const broker = createBroker(config, { logger });
  const { mqttPort, wsPort } = await broker.start();
  logger.info(
    `MQTT on ${config.MQTT_HOST}:${mqttPort}, MQTT over WebSocket on ws://${config.MQTT_HOST}:${wsPort}${MQTT_WS_PATH}`,
  );
  stopOnSignals(logger, 'broker', () => broker.stop());
});
