/**
 * The broker's doors: MQTT over TCP (unless MQTT_TLS_ONLY), MQTT over TLS (when a certificate is
 * configured) and MQTT over WebSocket at `/mqtt` (wss with the same certificate). Every accepted
 * connection is handed to `accept`, which guards it and gives it to aedes (create-broker.ts); any
 * other HTTP request gets 426 and where to go.
 *
 * Closing is in two steps because a broker stop drains in between (stop-drain.ts): first stop
 * accepting, then, once the durable consumers had their chance, drop every connection.
 */
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Logger, rateLimitedLog } from '../shared/log.ts';
import type { BrokerConfig } from './config.ts';
import { loadTlsOptions } from './tls.ts';

/** The WebSocket path mqtt.js and most browser MQTT clients use by default. */
export const MQTT_WS_PATH = '/mqtt';

export interface ListenerDeps {
  /** A new connection and who it comes from; `req` is the WebSocket upgrade request. */
  accept(connection: Duplex, remote: string | undefined, req?: IncomingMessage): void;
  log: Logger;
  limited: ReturnType<typeof rateLimitedLog>;
}

export interface Listeners {
  mqttPort: number;
  wsPort: number;
  mqttsPort?: number;
  websocket: 'ws' | 'wss';
  /** Stops accepting; resolves once every server has closed (after `dropConnections`). */
  stopAccepting(): Promise<void>;
  /** Ends every MQTT over WebSocket connection at once, without a closing handshake. */
  terminateWebSockets(): void;
  /** Destroys every TCP and TLS connection still open, and the HTTP server's idle ones. */
  dropConnections(): void;
}

/**
 * Opens every configured listener, or none: a port that cannot be bound closes the ones already
 * open before the error is thrown.
 *
 * @example
 * const doors = await openListeners(config, { accept: (c, remote, req) => aedes.handle(c, req), log, limited });
 * // at a stop:
 * const closed = doors.stopAccepting();
 * await drain();
 * doors.terminateWebSockets();
 * await closeAedes();
 * doors.dropConnections();
 * await closed;
 */
export async function openListeners(config: BrokerConfig, deps: ListenerDeps): Promise<Listeners> {
  const { log, limited } = deps;
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    deps.accept(socket, socket.remoteAddress);
  };
  const tlsOptions = await loadTlsOptions(config);
  const tcp: TcpServer | undefined = config.MQTT_TLS_ONLY ? undefined : createTcpServer(onSocket);
  const mqtts: TcpServer | undefined = tlsOptions ? createTlsServer(tlsOptions, onSocket) : undefined;
  // A client that does not trust the certificate ends the handshake; nothing reached aedes.
  mqtts?.on('tlsClientError', (err: Error, socket: Socket) =>
    limited(`tls:${err.message}`, (suppressed) =>
      log.warn({ remote: socket.remoteAddress, reason: err.message, suppressed }, 'TLS handshake failed'),
    ),
  );
  const upgradeOnly = (_req: unknown, res: ServerResponse) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    res.end(`MQTT over WebSocket is served at ${MQTT_WS_PATH}\n`);
  };
  const http: HttpServer = tlsOptions
    ? createHttpsServer(tlsOptions, upgradeOnly)
    : createHttpServer(upgradeOnly);
  // ws buffers a whole message before emitting it (default limit 100 MiB): cap it too.
  // +5 covers the fixed header of an MQTT packet sent in one WebSocket message.
  const wss = new WebSocketServer({
    server: http,
    path: MQTT_WS_PATH,
    maxPayload: config.MQTT_MAX_PACKET_BYTES + 5,
  });
  wss.on('connection', (ws, req) => deps.accept(createWebSocketStream(ws), req.socket.remoteAddress, req));
  const onServerError = (err: Error) => log.error({ err }, 'listener error');
  // ws re-emits its HTTP server's errors, a failed listen included: without a listener from the
  // start, a busy WebSocket port would crash the process instead of failing start().
  wss.on('error', onServerError);

  const stopAccepting = () => {
    const closing = [tcp, mqtts, http]
      .filter((s) => s?.listening)
      .map((s) => new Promise<void>((r) => s!.close(() => r())));
    wss.close();
    return Promise.all(closing).then(() => undefined);
  };
  const terminateWebSockets = () => {
    for (const ws of wss.clients) ws.terminate();
  };
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
    http.closeAllConnections();
  };
  try {
    const mqttPort = tcp ? await listen(tcp, config.MQTT_PORT, config.MQTT_HOST) : 0;
    const mqttsPort = mqtts ? await listen(mqtts, config.MQTTS_PORT, config.MQTT_HOST) : undefined;
    const wsPort = await listen(http, config.MQTT_WS_PORT, config.MQTT_HOST);
    tcp?.on('error', onServerError);
    mqtts?.on('error', onServerError);
    const ports = mqttsPort === undefined ? { mqttPort, wsPort } : { mqttPort, wsPort, mqttsPort };
    return {
      ...ports,
      websocket: tlsOptions ? 'wss' : 'ws',
      stopAccepting,
      terminateWebSockets,
      dropConnections,
    };
  } catch (err) {
    const closed = stopAccepting();
    terminateWebSockets();
    dropConnections();
    await closed;
    throw err;
  }
}

function listen(server: TcpServer | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
