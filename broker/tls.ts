/**
 * Optional TLS for MQTT (issue #6 item 5): with MQTT_TLS_CERT and MQTT_TLS_KEY set, the broker
 * also serves MQTT over TLS on MQTTS_PORT (8883, the IANA port for MQTT over TLS) and its WebSocket
 * listener becomes wss. Certificates are read from files once at start, so a renewed certificate
 * takes effect at the next restart.
 */
import { readFile } from 'node:fs/promises';
import type { SecureContextOptions, TlsOptions } from 'node:tls';

export interface TlsPaths {
  MQTT_TLS_CERT?: string | undefined;
  MQTT_TLS_KEY?: string | undefined;
  MQTT_TLS_CA?: string | undefined;
}

/**
 * Reads the PEM files; undefined when TLS is not configured. A missing or unreadable file rejects
 * with the variable and path named (never the file's contents).
 *
 * @example
 * const tls = await loadTlsOptions({ MQTT_TLS_CERT: '/etc/jagajarak/cert.pem', MQTT_TLS_KEY: '/etc/jagajarak/key.pem' });
 * tls && createTlsServer(tls, aedes.handle);
 */
export async function loadTlsOptions(paths: TlsPaths): Promise<TlsOptions | undefined> {
  if (!paths.MQTT_TLS_CERT || !paths.MQTT_TLS_KEY) return undefined;
  const read = async (variable: keyof TlsPaths, path: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new Error(`${variable}: cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  const options: SecureContextOptions = {
    cert: await read('MQTT_TLS_CERT', paths.MQTT_TLS_CERT),
    key: await read('MQTT_TLS_KEY', paths.MQTT_TLS_KEY),
    // TLS 1.2 is the floor of current guidance (RFC 9325) and what ESP32/mbedTLS firmware speaks.
    minVersion: 'TLSv1.2',
  };
  if (paths.MQTT_TLS_CA) options.ca = await read('MQTT_TLS_CA', paths.MQTT_TLS_CA);
  return options;
}
