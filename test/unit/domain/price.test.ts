/**
 * Prices as Twilio reports them, held exactly: integer micro-units, never floats, so spend sums do not drift.
 */
import { formatMicros, parseMicros, parsePrice, sumPrices } from '../../../lambda/domain/price';

describe('Twilio prices, exactly', () => {
  it('reads Twilio price and price_unit as integer micro-units of an upper-case currency', () => {
    expect(parsePrice('-0.00790', 'USD')).toEqual({ micros: -7900n, unit: 'USD' });
    expect(parsePrice('-1.5', 'eur')).toEqual({ micros: -1_500_000n, unit: 'EUR' });
    expect(parsePrice('0', 'USD')).toEqual({ micros: 0n, unit: 'USD' });
  });

  it('has no price while Twilio has none, and refuses what is not a decimal rather than rounding', () => {
    expect(parsePrice(null, 'USD')).toBeUndefined();
    expect(parsePrice('-0.0079', null)).toBeUndefined();
    expect(parsePrice('-0.0079', 'US')).toBeUndefined();
    expect(parseMicros('-0.00000001')).toBeUndefined();
    expect(parseMicros('1e-3')).toBeUndefined();
    expect(parseMicros('')).toBeUndefined();
  });

  it('formats back the string Twilio sent', () => {
    expect(formatMicros(-7900n)).toBe('-0.00790');
    expect(formatMicros(-1_500_000n, 2)).toBe('-1.50');
    expect(formatMicros(0n)).toBe('0.00000');
    expect(() => formatMicros(-1n, 5)).toThrow(RangeError);
  });

  it('sums many prices with no drift, per currency', () => {
    // 0.1 + 0.2 drifts in floats; 100000 messages of -0.00790 must be exactly -790.00000.
    const prices = Array.from({ length: 100_000 }, () => parsePrice('-0.00790', 'USD')!);
    prices.push(parsePrice('-0.10000', 'EUR')!, parsePrice('-0.20000', 'EUR')!);
    const totals = sumPrices(prices);
    expect(formatMicros(totals.get('USD')!)).toBe('-790.00000');
    expect(formatMicros(totals.get('EUR')!)).toBe('-0.30000');
  });
});
