/**
 * The throughput benchmark's load generator, run in its own process (`node --import tsx`) so that
 * sending requests never competes with the server for one event loop: it plays Twilio's role.
 *
 * Input: paths of JSON files, one a line on stdin ({ url, concurrency, limitMs, lanes: [[{ body, signature }]] }).
 * Each lane's requests go one after another over a keep-alive pool of `concurrency` connections; lanes
 * run `concurrency` at a time. Output (stdout, one JSON line per plan): elapsed time, status counts, latency.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

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
  // undici (Node's own HTTP client library) rather than node:http: Twilio's side of the exchange should
  // cost this shared machine as little CPU as it can, so the server is what gets measured.
  const pool = new Pool(new URL(plan.url).origin, {
    connections: plan.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + plan.limitMs;

  const post = async (request: LoadRequest): Promise<void> => {
    const started = performance.now();
    try {
      const res = await pool.request({
        path: '/message-status',
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          'user-agent': 'TwilioProxy/1.1',
          'x-twilio-signature': request.signature,
        },
        body: request.body,
      });
      await res.body.dump();
      latencies.push(performance.now() - started);
      statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
    } catch {
      errors++;
    }
  };

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
  await pool.close();
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
