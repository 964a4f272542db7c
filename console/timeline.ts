/** A message's history as the timeline shows it. */
import { rankOf } from '../lambda/domain/lifecycle';

export interface TimelineStep {
  status: string;
  at: string;
  /** Seen after a later status of the lifecycle: kept in the history, the status did not move back. */
  late: boolean;
}

/** The statuses in the order they were first seen (lifecycle order for equal times). */
export function timelineOf(statusTimes: Record<string, string>): TimelineStep[] {
  const rank = (status: string) => rankOf(status) ?? -1;
  const steps = Object.entries(statusTimes).sort(
    ([a, at], [b, bt]) => Date.parse(at) - Date.parse(bt) || rank(a) - rank(b),
  );
  let highest = -1;
  return steps.map(([status, at]) => {
    const late = rank(status) >= 0 && rank(status) < highest;
    highest = Math.max(highest, rank(status));
    return { status, at, late };
  });
}
