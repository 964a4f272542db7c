/**
 * The Host/Origin guard shared by `npm start`'s server and the `--stack` console proxy: what each
 * accepts and refuses, and that each keeps its own wording.
 */
import type { IncomingMessage } from 'node:http';
import { addressGuard, repeatedAddressHeader } from '../../local/http-guard';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

const server = addressGuard(3000, {
  loopback: ['127.0.0.1', 'localhost', '[::1]'],
  publicOrigin: 'https://tunnel.example',
  foldHostCase: true,
  refuseHost: (host, hosts) => `Host "${host}" is not this server (${hosts.join(', ')})`,
  refuseOrigin: (origin) => `Origin "${origin}" may not call this server`,
});

const proxy = addressGuard(4000, {
  loopback: ['127.0.0.1', 'localhost'],
  refuseHost: (host, hosts) => `Host "${host}" is not this console's address (${hosts[0]})`,
  refuseOrigin: (origin, hosts) => `Origin "${origin}" is not this console's origin (http://${hosts[0]})`,
});

it('accepts its own loopback hosts and origins, and the public origin when there is one', () => {
  for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000', 'LOCALHOST:3000', 'tunnel.example'])
    expect(server(request({ host }))).toBeUndefined();
  expect(server(request({ host: 'tunnel.example', origin: 'https://tunnel.example' }))).toBeUndefined();
  expect(server(request({ host: '127.0.0.1:3000', origin: 'http://localhost:3000' }))).toBeUndefined();
  expect(proxy(request({ host: '127.0.0.1:4000', origin: 'http://127.0.0.1:4000' }))).toBeUndefined();
  expect(proxy(request({ host: 'localhost:4000' }))).toBeUndefined();
});

it('refuses another Host (exactly as sent, for the proxy) or Origin, in each server’s words', () => {
  expect(server(request({ host: 'evil.example:3000' }))).toBe(
    'Host "evil.example:3000" is not this server (127.0.0.1:3000, localhost:3000, [::1]:3000, tunnel.example)',
  );
  expect(server(request({ host: '127.0.0.1:3001' }))).toMatch(/^Host "127\.0\.0\.1:3001" is not/);
  expect(server(request({ host: '127.0.0.1:3000', origin: 'https://evil.example' }))).toBe(
    'Origin "https://evil.example" may not call this server',
  );
  expect(server(request({}))).toMatch(/^Host "" is not this server/);
  expect(proxy(request({ host: '[::1]:4000' }))).toBe(
    `Host "[::1]:4000" is not this console's address (127.0.0.1:4000)`,
  );
  expect(proxy(request({ host: 'LOCALHOST:4000' }))).toMatch(/is not this console's address/);
  expect(proxy(request({ host: 'localhost:4000', origin: 'http://localhost:4001' }))).toBe(
    `Origin "http://localhost:4001" is not this console's origin (http://127.0.0.1:4000)`,
  );
  expect(proxy(request({ host: `${'a'.repeat(300)}:4000` }))).toBe(
    `Host "${'a'.repeat(100)}" is not this console's address (127.0.0.1:4000)`,
  );
});

it('finds a Host or Origin sent more than once, in the raw header lines (any case), and nothing else', () => {
  const raw = (...lines: string[]) => ({ rawHeaders: lines }) as unknown as IncomingMessage;
  expect(repeatedAddressHeader(raw('Host', '127.0.0.1:3000', 'host', 'evil.example'))).toBe('Host');
  expect(repeatedAddressHeader(raw('HOST', 'a', 'Origin', 'x', 'Host', 'a'))).toBe('Host');
  expect(repeatedAddressHeader(raw('Host', 'a', 'origin', 'x', 'ORIGIN', 'y'))).toBe('Origin');
  expect(repeatedAddressHeader(raw('Host', 'a', 'Origin', 'x'))).toBeUndefined();
  // Other headers may repeat (the handlers judge those), and a value naming Host counts for nothing.
  expect(
    repeatedAddressHeader(raw('Host', 'a', 'Accept', 'x', 'Accept', 'y', 'X-Note', 'Host')),
  ).toBeUndefined();
  expect(repeatedAddressHeader(raw())).toBeUndefined();
});
