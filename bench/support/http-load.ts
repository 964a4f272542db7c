/**
 * The throughput benchmark's load generator, run in its own process (`node --import tsx`) so that
 * sending requests never competes with the server for one event loop: it plays Twilio's role.
 *
 * Input: the path of a JSON file ({ url, concurrency, limitMs, lanes: [[{ body, signature }]] }).
 * Each lane's requests go one after another on a keep-alive agent with `concurrency` sockets; lanes run
 * `concurrency` at a time. Output (stdout, one JSON line): elapsed time, status counts, latency figures.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

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

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function run(plan: LoadPlan): Promise<LoadResult> {
  const target = new URL('/message-status', plan.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + plan.limitMs;

  const post = (request: LoadRequest) =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
            'content-length': Buffer.byteLength(request.body),
            'user-agent': 'TwilioProxy/1.1',
            'x-twilio-signature': request.signature,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - started);
            statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(request.body);
    });

  let next = 0;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    while (next < plan.lanes.length && Date.now() < deadline) {
      const lane = plan.lanes[next++]!;
      for (const request of lane) await post(request);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length + errors,
    elapsedMs,
    cpuCores: (cpu.user + cpu.system) / 1000 / elapsedMs,
    statuses,
    errors,
    latencyMs: {
      p50: quantile(latencies, 0.5),
      p90: quantile(latencies, 0.9),
      p99: quantile(latencies, 0.99),
      max: latencies[latencies.length - 1] ?? 0,
    },
  };
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node --import tsx bench/support/http-load.ts <plan.json>');
    process.exit(2);
  }
  const plan = JSON.parse(readFileSync(file, 'utf8')) as LoadPlan;
  run(plan).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
