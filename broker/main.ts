/**
 * Entry of the standalone broker (`npm run broker`). The only file here that reads process.env
 * and owns signals and exit codes (STYLE.md rule 5): config errors exit 1, a clean stop exits 0.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createLogger } from '../shared/log.ts';
import { createOpsServer } from '../shared/ops-server.ts';
import { runMain, stopOnSignals } from '../shared/run-service.ts';
import { BurstCompaction } from './burst-compaction.ts';
import { loadBrokerConfig } from './config.ts';
import { createBroker, MQTT_WS_PATH } from './create-broker.ts';

runMain('broker', async () => {
  const config = loadBrokerConfig(process.env);
  const logger = createLogger('broker', { level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const broker = createBroker(config, { logger, metrics });
  // Give back the heap a connection storm leaves behind (burst-compaction.ts).
  const compaction =
    config.MQTT_COMPACT_AFTER_CONNECTS > 0
      ? new BurstCompaction({
          minConnects: config.MQTT_COMPACT_AFTER_CONNECTS,
          onCompacted: (info) => logger.info(info, 'heap compacted after a connection burst'),
        })
      : undefined;
  if (compaction) broker.aedes.on('client', () => compaction.connected());
  const { mqttPort, wsPort, mqttsPort } = await broker.start();
  const ws = mqttsPort === undefined ? 'ws' : 'wss';
  logger.info(
    [
      mqttPort ? `MQTT on ${config.MQTT_HOST}:${mqttPort}` : 'plain MQTT off (MQTT_TLS_ONLY)',
      mqttsPort === undefined ? undefined : `MQTT over TLS on ${config.MQTT_HOST}:${mqttsPort}`,
      `MQTT over WebSocket on ${ws}://${config.MQTT_HOST}:${wsPort}${MQTT_WS_PATH}`,
    ]
      .filter(Boolean)
      .join(', '),
  );
  // /metrics and /healthz (README "Monitoring"); the broker is healthy while it serves.
  const ops = createOpsServer({
    port: config.OPS_PORT,
    host: config.OPS_HOST,
    token: config.METRICS_TOKEN,
    registry: metrics,
    logger,
    health: () => ({ ok: true, clients: broker.aedes.connectedClients }),
  });
  if (config.OPS_PORT) await ops.start();
  stopOnSignals(logger, 'broker', async () => {
    compaction?.stop();
    await ops.stop();
    await broker.stop();
  });
});
