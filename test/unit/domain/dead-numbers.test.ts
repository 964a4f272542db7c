import {
  countsAgainstRecipient,
  deadNumberNotice,
  deadNumberPath,
  isDeadAfter,
  isDeadNumberPolicy,
  UNKNOWN_DESTINATION_THRESHOLD,
} from '../../../lambda/domain/dead-numbers';

describe('dead-number rule', () => {
  it.each([21610, 21211, 21614, 30006])('code %i marks a recipient dead at its first failure', (code) => {
    expect(isDeadAfter(code, 1)).toBe(true);
  });

  it('an unknown destination (30005) is dead only after three distinct failed messages', () => {
    expect(UNKNOWN_DESTINATION_THRESHOLD).toBe(3);
    expect(isDeadAfter(30005, 1)).toBe(false);
    expect(isDeadAfter(30005, 2)).toBe(false);
    expect(isDeadAfter(30005, 3)).toBe(true);
  });

  it.each([30003, 30008, 30007, 21611, 99999])(
    'transient or unrelated code %i never marks it dead',
    (code) => {
      expect(isDeadAfter(code, 100)).toBe(false);
      expect(countsAgainstRecipient('undelivered', code)).toBe(false);
    },
  );

  it('only failed and undelivered statuses with a dead-number code count', () => {
    expect(countsAgainstRecipient('undelivered', 30006)).toBe(true);
    expect(countsAgainstRecipient('failed', 21610)).toBe(true);
    expect(countsAgainstRecipient('delivered', 21610)).toBe(false);
    expect(countsAgainstRecipient('failed', undefined)).toBe(false);
  });

  it('the policy setting is refuse or warn', () => {
    expect(isDeadNumberPolicy('refuse')).toBe(true);
    expect(isDeadNumberPolicy('warn')).toBe(true);
    expect(isDeadNumberPolicy('block')).toBe(false);
  });

  it('a notice names the code, its meaning and how to clear it', () => {
    const text = deadNumberNotice({ reason: 21610 });
    expect(text).toContain('21610');
    expect(text).toContain('opted out');
    expect(text).toContain('DELETE /dead-numbers/');
    expect(deadNumberPath('whatsapp:+14155550100')).toBe('/dead-numbers/whatsapp%3A%2B14155550100');
  });
});
