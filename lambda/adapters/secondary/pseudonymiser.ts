/**
 * The keyed hash history rows carry instead of addresses: HMAC-SHA256 under a key only the tracker
 * holds (a generated secret in AWS, a local key file with `npm start`), first 128 bits, base64url. The
 * same address under the same key gives the same hash, so history can count and group by recipient;
 * without the key nobody can test candidate numbers against it.
 */
import { createHmac } from 'node:crypto';
import type { Pseudonymise } from '../../domain/history/row';

/** Shortest key accepted: 32 bytes of entropy's worth of characters. */
export const MIN_HASH_KEY_LENGTH = 32;

export function createPseudonymiser(key: string): Pseudonymise {
  if (key.length < MIN_HASH_KEY_LENGTH)
    throw new Error(`the history hash key must be at least ${MIN_HASH_KEY_LENGTH} characters`);
  return (address) =>
    createHmac('sha256', key).update(address).digest().subarray(0, 16).toString('base64url');
}
