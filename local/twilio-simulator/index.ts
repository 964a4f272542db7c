/**
 * A Twilio simulator for local runs, the demo and the tests: the Messages and Messaging Services REST
 * subset on 127.0.0.1, message lifecycles that post signed status callbacks the way Twilio does (out of
 * order, duplicated, sometimes lost, retried under the URL's connection overrides), and the truth a
 * correct tracker must end with.
 *
 *   const sim = await startTwilioSimulator({ seed: 1 });
 *   const client = twilioClientFor(sim.url, sim.accountSid, sim.authToken); // ./client
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatorEngine } from './engine';
import { handleRequest } from './rest';
import type { SimulatorOptions, TwilioSimulator } from './types';

export type {
  ApiKey,
  SimulatedAccount,
  Channel,
  CreateFailure,
  OutcomeWeights,
  SimulatedMessage,
  SimulatedService,
  SimulatorOptions,
  SimulatorStats,
  TruthEntry,
  TwilioSimulator,
} from './types';
export { DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, SERVICE_SENDER_NUMBER, resolveOptions } from './engine';
export { parseCallbackUrl, type ConnectionOverrides, type FailureKind } from './callbacks';
export { messageJson, rfc2822, serviceJson } from './rest';

export async function startTwilioSimulator(options: SimulatorOptions = {}): Promise<TwilioSimulator> {
  const engine = new SimulatorEngine(options);
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    void handleRequest(engine, req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(engine.options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;

  return {
    url,
    accountSid: engine.options.accountSid,
    get authToken() {
      return engine.options.authToken;
    },
    truth: () => engine.truth(),
    messages: () => engine.messages(),
    message: (sid) => engine.getMessage(sid),
    idle: () => engine.idle(),
    stats: () => engine.stats(),
    setOptions: (partial) => engine.setOptions(partial),
    createService: (service) => engine.createService(service),
    services: () => engine.services(),
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await engine.stop();
        // Connections still open after the engine stopped are idle keep-alives or stuck clients.
        for (const socket of sockets) socket.destroy();
        await closed;
      })();
      return stopping;
    },
  };
}
