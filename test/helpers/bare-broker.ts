/**
 * A real aedes broker with no auth and no ACL on an ephemeral port: for testing one service
 * without the project's broker in the way. Cross-service tests use broker/create-broker.ts.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

export interface BareBroker {
  url: string;
  aedes: Aedes;
  close(): Promise<void>;
}

export async function startBareBroker(): Promise<BareBroker> {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    aedes,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
