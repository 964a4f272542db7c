/**
 * Phone numbers are personal data: logs keep only enough to tell numbers apart
 * ("whatsapp:+14155551234" -> "whatsapp:+14*******34"). Hand-written: Powertools for TypeScript has no
 * data-masking utility (only the Python one does), and this is one small pure function.
 */
export function maskAddress(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const colon = address.lastIndexOf(':');
  const prefix = colon >= 0 ? address.slice(0, colon + 1) : '';
  const number = address.slice(prefix.length);
  if (number.length <= 5) return `${prefix}${'*'.repeat(number.length)}`;
  return `${prefix}${number.slice(0, 3)}${'*'.repeat(number.length - 5)}${number.slice(-2)}`;
}
