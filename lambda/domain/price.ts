/**
 * Twilio's price of a message, exactly: the Message resource carries `price` as a signed decimal string
 * ("-0.00790", null until Twilio knows it) and `price_unit` as an ISO 4217 code ("USD"). Money is never
 * held as a float here: a price is parsed into integer micro-units (millionths of the unit, a bigint), so
 * sums over any number of messages are exact, and formatted back as the decimal string it came from.
 *
 * Twilio quotes prices with at most 5 decimal places; micro-units (6) hold every one of them exactly. A
 * string with more places, or that is not a decimal at all, is refused (undefined), never rounded.
 */

/** A known price: what Twilio charged (negative, Twilio's sign) in micro-units of `unit`. */
export interface Price {
  micros: bigint;
  /** ISO 4217, upper case. */
  unit: string;
}

const MICRO_DIGITS = 6;
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d{1,6}))?$/;
const CURRENCY = /^[A-Z]{3}$/;

/** Twilio's `price` and `price_unit` as a Price; undefined while either is unknown or malformed. */
export function parsePrice(price: unknown, unit: unknown): Price | undefined {
  if (typeof price !== 'string' || typeof unit !== 'string') return undefined;
  const micros = parseMicros(price);
  const currency = unit.trim().toUpperCase();
  if (micros === undefined || !CURRENCY.test(currency)) return undefined;
  return { micros, unit: currency };
}

/** A decimal string as integer micro-units; undefined when it is not one (or has more than 6 places). */
export function parseMicros(decimal: string): bigint | undefined {
  const match = DECIMAL.exec(decimal.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match as unknown as [string, string, string, string?];
  const micros = BigInt(whole) * 10n ** BigInt(MICRO_DIGITS) + BigInt(fraction.padEnd(MICRO_DIGITS, '0'));
  return sign === '-' ? -micros : micros;
}

/** Micro-units as a decimal string with `places` decimals (default 5, Twilio's): -7900n -> "-0.00790". */
export function formatMicros(micros: bigint, places = 5): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const scale = 10n ** BigInt(MICRO_DIGITS);
  const whole = abs / scale;
  const fraction = (abs % scale).toString().padStart(MICRO_DIGITS, '0');
  const shown = places >= MICRO_DIGITS ? fraction : fraction.slice(0, places);
  if (places < MICRO_DIGITS && /[1-9]/.test(fraction.slice(places))) {
    throw new RangeError(`${micros} micro-units do not fit ${places} decimal places`);
  }
  return `${negative && abs !== 0n ? '-' : ''}${whole}${shown ? `.${shown}` : ''}`;
}

/** Spend per unit, exactly: the sum of the prices of each currency (prices in different units never add). */
export function sumPrices(prices: Iterable<Price>): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const { micros, unit } of prices) totals.set(unit, (totals.get(unit) ?? 0n) + micros);
  return totals;
}
