/**
 * A message's price on its item: Twilio's `price` and `price_unit`, read from the Message resource once
 * Twilio knows them (status callbacks never carry them), kept exactly as integer micro-units
 * (price.ts).
 *
 * Stored attributes: `priceMicros` (a number: micro-units, negative as Twilio charges), `priceUnit`
 * (ISO 4217), `pricedAt` (when it was recorded) and `priceAttempts` (the Messages API reads spent on
 * it). A price is written only while none is stored (a condition), so it is never overwritten and never
 * goes back to null. The record users see has `price` (Twilio's decimal string, "-0.00790") and
 * `priceUnit`, both null until known; the micro-units and the attempts are the store's.
 */
import { formatMicros, type Price } from './price';
import { UpdateExpressionBuilder, type UpdatePlan } from './update-expression';

export const PRICE_MICROS_ATTRIBUTE = 'priceMicros';
export const PRICE_UNIT_ATTRIBUTE = 'priceUnit';
export const PRICED_AT_ATTRIBUTE = 'pricedAt';
export const PRICE_ATTEMPTS_ATTRIBUTE = 'priceAttempts';

/** Stored for the price but not part of the record users see (which has `price` instead). */
export const INTERNAL_PRICE_ATTRIBUTES: readonly string[] = [
  PRICE_MICROS_ATTRIBUTE,
  PRICE_ATTEMPTS_ATTRIBUTE,
];

/** Only on an item that exists and has no price yet. */
const UNPRICED_ITEM = (b: UpdateExpressionBuilder) =>
  `attribute_exists(${b.name('messageSid')}) AND attribute_not_exists(${b.name(PRICE_MICROS_ATTRIBUTE)})`;

/** The write that records a price (and the attempts it took); fails its condition when one is stored. */
export function priceWritePlan(messageSid: string, price: Price, attempts: number, at: string): UpdatePlan {
  const b = new UpdateExpressionBuilder();
  b.set(PRICE_MICROS_ATTRIBUTE, Number(price.micros));
  b.set(PRICE_UNIT_ATTRIBUTE, price.unit);
  b.set(PRICED_AT_ATTRIBUTE, at);
  b.set(PRICE_ATTEMPTS_ATTRIBUTE, attempts);
  return b.build(messageSid, { condition: UNPRICED_ITEM(b), returnPrevious: false });
}

/** The write that counts a read that found no price yet; fails its condition once a price is stored. */
export function priceAttemptPlan(messageSid: string, attempts: number): UpdatePlan {
  const b = new UpdateExpressionBuilder();
  b.set(PRICE_ATTEMPTS_ATTRIBUTE, attempts);
  return b.build(messageSid, { condition: UNPRICED_ITEM(b), returnPrevious: false });
}

/** The stored price as micro-units and unit, when the item has one. */
export function storedPriceOf(item: Record<string, unknown>): Price | undefined {
  const micros = item[PRICE_MICROS_ATTRIBUTE];
  const unit = item[PRICE_UNIT_ATTRIBUTE];
  if ((typeof micros !== 'number' && typeof micros !== 'bigint') || typeof unit !== 'string')
    return undefined;
  if (typeof micros === 'number' && !Number.isSafeInteger(micros)) return undefined;
  return { micros: BigInt(micros), unit };
}

/** Twilio's decimal string for micro-units: five places, six when a sixth digit is needed. */
export function priceText(micros: bigint): string {
  return formatMicros(micros, micros % 10n === 0n ? 5 : 6);
}

/** `price` and `priceUnit` as the API answers them: the decimal string and the unit, or both null. */
export function publicPriceOf(item: Record<string, unknown>): {
  price: string | null;
  priceUnit: string | null;
} {
  const price = storedPriceOf(item);
  return price ? { price: priceText(price.micros), priceUnit: price.unit } : { price: null, priceUnit: null };
}
