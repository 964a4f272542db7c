/** A status-change event's detail as the stream consumer makes it, for history tests. */
import { isFinal, rankOf } from '../../lambda/domain/lifecycle';
import type { StatusChangeDetail } from '../../lambda/domain/status-event';

export function statusChange(
  sid: string,
  status: string,
  at: string | null,
  extra: Partial<StatusChangeDetail> = {},
): StatusChangeDetail {
  return {
    eventId: `${sid}:${status}`,
    messageSid: sid,
    accountSid: 'AC0123456789abcdef0123456789abcdef',
    status,
    previousStatus: null,
    statusRank: rankOf(status)!,
    final: isFinal(status),
    at,
    errorCode: null,
    errorMessage: null,
    to: '+14155550100',
    from: '+15017250604',
    messagingServiceSid: null,
    clientReference: null,
    tags: {},
    channelPrefix: null,
    eventType: null,
    source: 'callback',
    statusTimes: at === null ? {} : { [status]: at },
    ...extra,
  };
}
