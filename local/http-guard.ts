/**
 * The Host/Origin check of the servers that bind loopback (`npm start`'s server, local/server.ts, and the
 * `--stack` console proxy, local/console/proxy.ts). A web page whose name resolves to 127.0.0.1 (DNS
 * rebinding) sends its own name as Host; another site's page sends its own Origin. Either is refused.
 *
 * A request carrying Host or Origin more than once is refused before either is compared: Node keeps
 * only the first Host in `req.headers` (and joins repeated Origins), so `Host: 127.0.0.1:PORT` followed
 * by `Host: evil.example` would pass a check of `req.headers.host` while a proxy or framework in front
 * might read the other one. Only `req.rawHeaders` shows every line as sent.
 */
import type { IncomingMessage } from 'node:http';

export interface AddressGuardOptions {
  /** The loopback names accepted in Host, with the port: `127.0.0.1` first (the refusals name it). */
  loopback: readonly string[];
  /** A public origin (a tunnel's) also accepted: its host as Host, itself as Origin. */
  publicOrigin?: string;
  /** Whether Host is compared in lower case (the local server) or exactly as sent (the proxy). */
  foldHostCase?: boolean;
  /** The refusal of a Host (cut to 100 characters), given the hosts accepted (loopback first). */
  refuseHost(host: string, hosts: readonly string[]): string;
  /** The refusal of an Origin (cut to 100 characters), given the hosts accepted (loopback first). */
  refuseOrigin(origin: string, hosts: readonly string[]): string;
}

/** Why a request is not for this server (its Host, then its Origin), or undefined when it is. */
export type AddressGuard = (req: IncomingMessage) => string | undefined;

/** The headers that say who a request is for: each may be sent once at most. */
const ADDRESS_HEADERS = ['Host', 'Origin'] as const;

export type AddressHeader = (typeof ADDRESS_HEADERS)[number];

/**
 * The first of Host and Origin that the request carries more than once (counted in `req.rawHeaders`,
 * names in any case), or undefined. Servers answer it 400 before their guard runs.
 */
export function repeatedAddressHeader(req: IncomingMessage): AddressHeader | undefined {
  const counts = new Map<string, number>();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return ADDRESS_HEADERS.find((name) => (counts.get(name.toLowerCase()) ?? 0) > 1);
}

/** The 400 answer's body for a repeated Host or Origin: it names the header. */
export function repeatedHeaderRefusal(header: AddressHeader): { error: string; header: AddressHeader } {
  return { error: `more than one ${header} header: a request may carry ${header} once`, header };
}

/**
 * The guard of a server listening on `port`: built once, after listen (the port is known then), since
 * every request (every status callback) passes through it.
 */
export function addressGuard(port: number, options: AddressGuardOptions): AddressGuard {
  const loopbackHosts = options.loopback.map((name) => `${name}:${port}`);
  const hostList = options.publicOrigin
    ? [...loopbackHosts, new URL(options.publicOrigin).host]
    : loopbackHosts;
  const hosts = new Set(hostList);
  const origins = new Set([
    ...loopbackHosts.map((h) => `http://${h}`),
    ...(options.publicOrigin ? [options.publicOrigin] : []),
  ]);
  return (req) => {
    const host = req.headers.host ?? '';
    if (!hosts.has(options.foldHostCase ? host.toLowerCase() : host))
      return options.refuseHost(host.slice(0, 100), hostList);
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin))
      return options.refuseOrigin(origin.slice(0, 100), hostList);
    return undefined;
  };
}
