/**
 * The simulator prices messages the way Twilio does: per segment, per destination country and channel,
 * a negative five-place decimal string on the Message resource, exactly what the price table says.
 */
import { formatMicros, parsePrice } from '../../lambda/domain/price';
import {
  DEFAULT_SMS_MICROS,
  SIMULATED_PRICE_UNIT,
  SMS_PRICE_MICROS,
  pricedCountryOf,
  simulatedCostMicros,
  simulatedPrice,
} from '../../local/twilio-simulator/prices';

describe('twilio simulator prices', () => {
  it('charges per segment by destination country, negative, five places', () => {
    expect(simulatedPrice('sms', '+14155550100', 1)).toBe('-0.00790');
    expect(simulatedPrice('sms', '+447700900123', 2)).toBe('-0.08000');
    expect(simulatedPrice('sms', '+33612345678', 1)).toBe(formatMicros(-SMS_PRICE_MICROS['33']!));
    expect(simulatedPrice('sms', '+81312345678', 1)).toBe(formatMicros(-DEFAULT_SMS_MICROS));
    expect(simulatedPrice('whatsapp', 'whatsapp:+14155550100', 1)).toBe('-0.00500');
    expect(simulatedPrice('mms', '+14155550100', 1)).toBe('-0.02000');
  });

  it('reads back exactly through the price parser', () => {
    const price = parsePrice(simulatedPrice('sms', '+4915112345678', 3), SIMULATED_PRICE_UNIT);
    expect(price).toEqual({ micros: -simulatedCostMicros('sms', '+4915112345678', 3), unit: 'USD' });
    expect(pricedCountryOf('whatsapp:+447700900123')).toBe('44');
    expect(pricedCountryOf('12345')).toBeUndefined();
  });
});
