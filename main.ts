/**
 * `npm start`: the whole system in one process with demo defaults — embedded broker, ingest,
 * dashboard and a simulated Batam fleet; history in an embedded store unless INFLUX_URL is set.
 * Owns env, signals and exit codes (STYLE.md rule 5).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createSystem } from './create-system.ts';
import { type Env, loadConfig, logEnv } from './shared/config.ts';
import { createLogger } from './shared/log.ts';
import { runMain, stopOnSignals } from './shared/run-service.ts';

/** Printed at start so a first-time user can log in; set ADMIN_PASSWORD for anything real. */
const DEMO_ADMIN_PASSWORD = 'jagajarak-demo';

async function main(): Promise<void> {
  const env: Env = {
    SIMULATE: 'on',
    ...process.env,
    ADMIN_USER: process.env.ADMIN_USER || 'admin',
    ADMIN_PASSWORD: process.env.ADMIN_PASSWORD || DEMO_ADMIN_PASSWORD,
    // All services share this process, so a random per-run secret is enough for their MQTT logins.
    MQTT_SERVICE_SECRET: process.env.MQTT_SERVICE_SECRET || randomBytes(24).toString('base64url'),
  };
  const logConfig = loadConfig(z.object(logEnv), env, 'logging');
  const log = createLogger('jagajarak', { level: logConfig.LOG_LEVEL, format: logConfig.LOG_FORMAT });
  const system = createSystem(env, { logger: log });
  const running = await system.start();

  const host = env.HTTP_HOST && env.HTTP_HOST !== '0.0.0.0' ? env.HTTP_HOST : 'localhost';
  const dashboardUrl = `http://${host}:${running.httpPort}`;
  const lines = [
    '',
    '  jagajarak is running',
    `  Dashboard:  ${dashboardUrl}`,
    `  Login:      ${env.ADMIN_USER} / ${env.ADMIN_PASSWORD === DEMO_ADMIN_PASSWORD ? `${DEMO_ADMIN_PASSWORD} (demo default; set ADMIN_PASSWORD)` : '(ADMIN_PASSWORD from the environment)'}`,
    `  MQTT:       mqtt://${host}:${running.mqttPort}   (WebSocket: ws://${host}:${running.wsPort}/mqtt)`,
    `  History:    ${system.store.describe()}`,
    `  Simulator:  ${system.simulator ? 'on (SIMULATE=off to run without it)' : 'off'}`,
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  stopOnSignals(log, 'jagajarak', () => system.stop());
}

runMain('jagajarak', main);
