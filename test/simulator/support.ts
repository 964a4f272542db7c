/**
 * A tiny callback receiver for the simulator tests: records every request and checks its
 * X-Twilio-Signature with the twilio helper library against the URL it was posted to.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import {
  startTwilioSimulator,
  type SimulatorOptions,
  type TwilioSimulator,
} from '../../local/twilio-simulator';
import { twilioClientFor } from '../../local/twilio-simulator/client';

/** Twilio's lifecycle order, written out here so the simulator is checked independently. */
export const RANK: Readonly<Record<string, number>> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  partially_delivered: 4,
  failed: 5,
  undelivered: 5,
  canceled: 5,
  delivered: 6,
  read: 7,
};

export function rank(status: string | undefined): number {
  const value = status === undefined ? undefined : RANK[status];
  if (value === undefined) throw new Error(`unknown status ${String(status)}`);
  return value;
}

export interface ReceivedCallback {
  /** The URL the request was posted to, as a receiver reconstructs it (what Twilio signed). */
  url: string;
  path: string;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  signatureValid: boolean;
  token: string;
  /** 1 for the first request carrying this idempotency token, 2 for the next... */
  attempt: number;
  /** The status the receiver answered (undefined when it left the request hanging). */
  answered?: number;
}

/** Decides the answer: an HTTP status, or 'hang' to never answer (until the receiver closes). */
export type Responder = (callback: ReceivedCallback) => number | 'hang';

export interface Receiver {
  url: string;
  port: number;
  callbacks: ReceivedCallback[];
  /** Requests being handled right now, and the most seen at once. */
  inFlight: number;
  maxInFlight: number;
  /** Callbacks answered 2xx, grouped by MessageSid, in arrival order. */
  accepted(): Map<string, ReceivedCallback[]>;
  close(): Promise<void>;
}

export async function startReceiver(
  authToken: () => string,
  respond: Responder = () => 200,
  options: { answerDelayMs?: number } = {},
): Promise<Receiver> {
  const callbacks: ReceivedCallback[] = [];
  const attempts = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();
  const state = { inFlight: 0, maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let done = false;
    // Counted out just before the answer is written, so the sender cannot start its next request first.
    const leave = () => {
      if (!done) state.inFlight--;
      done = true;
    };
    res.once('close', leave);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const url = `http://${req.headers.host}${req.url}`;
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      const token = String(req.headers['i-twilio-idempotency-token'] ?? '');
      const attempt = (attempts.get(token) ?? 0) + 1;
      attempts.set(token, attempt);
      const callback: ReceivedCallback = {
        url,
        path: req.url ?? '',
        params,
        headers: req.headers,
        signatureValid: validateRequest(authToken(), signature, url, params),
        token,
        attempt,
      };
      callbacks.push(callback);
      const answer = respond(callback);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      const reply = () => {
        callback.answered = answer;
        leave();
        res.writeHead(answer, { 'Content-Type': 'text/plain' });
        res.end(answer < 300 ? 'OK' : 'error');
      };
      if (options.answerDelayMs) setTimeout(reply, options.answerDelayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    callbacks,
    get inFlight() {
      return state.inFlight;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    accepted() {
      const bySid = new Map<string, ReceivedCallback[]>();
      for (const cb of callbacks) {
        if (cb.answered === undefined || cb.answered >= 300) continue;
        const sid = cb.params.MessageSid ?? '';
        bySid.set(sid, [...(bySid.get(sid) ?? []), cb]);
      }
      return bySid;
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The highest-ranked status among callbacks (the status a correct tracker ends with). */
export function highestStatus(callbacks: readonly ReceivedCallback[]): string | undefined {
  let best: ReceivedCallback | undefined;
  for (const cb of callbacks) {
    if (!best || rank(cb.params.MessageStatus) > rank(best.params.MessageStatus)) best = cb;
  }
  return best?.params.MessageStatus;
}

/** The real twilio client, pointed at the simulator (with its own token unless told otherwise). */
export function clientOf(
  sim: TwilioSimulator,
  authToken = sim.authToken,
): ReturnType<typeof twilioClientFor> {
  return twilioClientFor(sim.url, sim.accountSid, authToken);
}

export interface Rig {
  sim: TwilioSimulator;
  receiver: Receiver;
}

/** A simulator and a receiver that checks the signatures of its callbacks with the simulator's token. */
export async function startRig(
  options: SimulatorOptions,
  respond?: Responder,
  receiverOptions?: { answerDelayMs?: number },
): Promise<Rig> {
  const sim = await startTwilioSimulator(options);
  const receiver = await startReceiver(() => sim.authToken, respond, receiverOptions);
  return { sim, receiver };
}

export async function stopRig(rig: Rig): Promise<void> {
  await rig.sim.stop();
  await rig.receiver.close();
}

/**
 * Runs `body` on a fresh rig and stops it afterwards, also when `body` fails: a simulator left
 * running keeps sending callbacks into the next test and keeps Jest from exiting.
 */
export async function withRig<T>(
  options: SimulatorOptions,
  body: (rig: Rig) => Promise<T>,
  respond?: Responder,
  receiverOptions?: { answerDelayMs?: number },
): Promise<T> {
  const rig = await startRig(options, respond, receiverOptions);
  try {
    return await body(rig);
  } finally {
    await stopRig(rig);
  }
}
