/** How times and statuses read on the page. */
import { FAILURE_STATUSES } from '../lambda/domain/lifecycle';

/**
 * `2026-11-30 16:03:50` in the browser's time zone, sortable; `16:03:50.123` when the time has
 * milliseconds (a callback's arrival), never a `.000` that only says Twilio's times are whole seconds.
 */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ` +
    `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}` +
    (at.getMilliseconds() ? `.${pad(at.getMilliseconds(), 3)}` : '')
  );
}

/** The CSS class of a status badge: its colour says good, bad or under way (the text says which). */
export function statusTone(status: string | null | undefined): 'good' | 'bad' | 'pending' | 'unknown' {
  if (!status) return 'unknown';
  if (FAILURE_STATUSES.includes(status)) return 'bad';
  if (status === 'delivered' || status === 'read') return 'good';
  return 'pending';
}
