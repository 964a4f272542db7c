/**
 * The throughput benchmark's load generator, run in its own process (`node --import tsx`) so that
 * sending requests never competes with the server for one event loop: it plays Twilio's role.
 *
 * Input: paths of JSON files, one a line on stdin ({ url, concurrency, limitMs, lanes: [[{ body, signature }]] }).
 * Each lane's requests go one after another on one of `concurrency` keep-alive connections; lanes run
 * `concurrency` at a time. Output (stdout, one JSON line per plan): elapsed time, status counts, latency.
 *
 * The requests' bytes are built before the clock starts and sent on plain sockets: on a shared 2-core
 * machine every microsecond this stand-in for Twilio spends is taken from the server under test. A full
 * client costs more: node:http about 240 µs of CPU per callback, undici about 125 µs, this about 65 µs
 * (measured here under the benchmark's load). Nothing else in the project uses this client.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { connect, type Socket } from 'node:net';
import { percentile } from './stats';

export interface LoadRequest {
  body: string;
  signature: string;
}

export interface LoadPlan {
  url: string;
  concurrency: number;
  limitMs: number;
  lanes: LoadRequest[][];
}

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  /** CPU this load generator used, in cores (CPU time / wall time). */
  cpuCores: number;
  statuses: Record<string, number>;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

/**
 * One keep-alive HTTP/1.1 connection that sends prepared request bytes and reads each response's status
 * line and Content-Length: all the load generator needs, at a fraction of a full client's CPU.
 */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private pending?: { resolve(status: number): void; reject(error: Error): void };

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(host: string, port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  get open(): boolean {
    return !this.socket.destroyed;
  }

  /** Sends one request; resolves with the response's status code once its whole body has arrived. */
  send(bytes: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headEnd = this.buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.fail(new Error('response without Content-Length'));
    const total = headEnd + 4 + Number(length[1]);
    if (this.buffered.length < total) return;
    this.buffered = this.buffered.subarray(total);
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve(Number(head.slice(9, 12)));
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
    this.socket.destroy();
  }
}

/** The bytes of one signed callback request, as Twilio sends it. */
function requestBytes(target: URL, request: LoadRequest): Buffer {
  const body = Buffer.from(request.body);
  const head =
    `POST ${target.pathname} HTTP/1.1\r\n` +
    `host: ${target.host}\r\n` +
    `content-type: application/x-www-form-urlencoded; charset=utf-8\r\n` +
    `content-length: ${body.length}\r\n` +
    `user-agent: TwilioProxy/1.1\r\n` +
    `x-twilio-signature: ${request.signature}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

async function run(plan: LoadPlan): Promise<LoadResult> {
  const target = new URL('/message-status', plan.url);
  const lanes = plan.lanes.map((lane) => lane.map((request) => requestBytes(target, request)));
  const host = target.hostname;
  const port = Number(target.port);
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + plan.limitMs;

  let next = 0;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  // Each worker is one connection (as the pool of a sender like Twilio's would be), reopened after an error.
  const worker = async () => {
    let connection: Connection | undefined;
    while (next < lanes.length && Date.now() < deadline) {
      for (const bytes of lanes[next++]!) {
        const sent = performance.now();
        try {
          if (!connection?.open) connection = await Connection.open(host, port);
          const status = await connection.send(bytes);
          latencies.push(performance.now() - sent);
          statuses[status] = (statuses[status] ?? 0) + 1;
        } catch {
          errors++;
        }
      }
    }
    connection?.close();
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  // 0 rather than NaN when every request failed: the line stays valid JSON numbers.
  const at = (p: number) => (latencies.length === 0 ? 0 : percentile(latencies, p));
  return {
    requests: latencies.length + errors,
    elapsedMs,
    cpuCores: (cpu.user + cpu.system) / 1000 / elapsedMs,
    statuses,
    errors,
    latencyMs: {
      p50: at(50),
      p90: at(90),
      p99: at(99),
      max: at(100),
    },
  };
}

if (require.main === module) {
  // One plan file per line on stdin, one result line per plan on stdout: the process (and its JIT-compiled
  // HTTP client) lives across runs, warmed up like the server it loads.
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (file) => {
    queue = queue.then(async () => {
      const plan = JSON.parse(readFileSync(file.trim(), 'utf8')) as LoadPlan;
      process.stdout.write(`${JSON.stringify(await run(plan))}\n`);
    });
    queue.catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
  lines.on('close', () => void queue.then(() => process.exit(0)));
}
