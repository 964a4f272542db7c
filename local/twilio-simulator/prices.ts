/**
 * The simulator's price list, per destination country calling code and channel, the way Twilio prices
 * outbound messages: per segment, negative on the Message resource (what the account was charged),
 * five decimal places, in `SIMULATED_PRICE_UNIT`. Held in micro-units (lambda/domain/price.ts), so a
 * test can compute the exact spend it expects from this table.
 */
import { formatMicros } from '../../lambda/domain/price';

export const SIMULATED_PRICE_UNIT = 'USD';

/** SMS price per segment, micro-units of USD, by country calling code; others pay `DEFAULT_SMS_MICROS`. */
export const SMS_PRICE_MICROS: Readonly<Record<string, bigint>> = {
  '1': 7_900n,
  '44': 40_000n,
  '33': 78_600n,
  '49': 82_100n,
  '91': 8_300n,
};
export const DEFAULT_SMS_MICROS = 50_000n;
export const MMS_PRICE_MICROS = 20_000n;
export const WHATSAPP_PRICE_MICROS = 5_000n;

/** The country calling code of `to` that the table knows (longest match), channel prefix ignored. */
export function pricedCountryOf(to: string): string | undefined {
  const number = to.slice(to.indexOf(':') + 1);
  if (!number.startsWith('+')) return undefined;
  const digits = number.slice(1);
  return Object.keys(SMS_PRICE_MICROS)
    .filter((code) => digits.startsWith(code))
    .sort((a, b) => b.length - a.length)[0];
}

/** What one message costs, micro-units (positive): per segment, by channel and destination. */
export function simulatedCostMicros(channel: string, to: string, segments: number): bigint {
  const country = pricedCountryOf(to);
  const perSegment =
    channel === 'mms'
      ? MMS_PRICE_MICROS
      : channel === 'whatsapp'
        ? WHATSAPP_PRICE_MICROS
        : country === undefined
          ? DEFAULT_SMS_MICROS
          : (SMS_PRICE_MICROS[country] ?? DEFAULT_SMS_MICROS);
  return perSegment * BigInt(Math.max(1, segments));
}

/** Twilio's `price` string for that cost: negative, five places ("-0.00790"). */
export function simulatedPrice(channel: string, to: string, segments: number): string {
  return formatMicros(-simulatedCostMicros(channel, to, segments));
}
