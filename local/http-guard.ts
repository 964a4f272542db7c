/**
 * The Host/Origin check of the servers that bind loopback (`npm start`'s server, local/server.ts, and the
 * `--stack` console proxy, local/console/proxy.ts). A web page whose name resolves to 127.0.0.1 (DNS
 * rebinding) sends its own name as Host; another site's page sends its own Origin. Either is refused.
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
