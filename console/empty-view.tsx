/**
 * What the messages view shows instead of an empty table: how to send the first message when nothing
 * is there, or that the filters match nothing.
 */
import { liveMode } from './api';
import { firstMessageCommands } from './first-message';
import { WINDOWS, type WindowKey } from './query';

export function NoMessages({ window, filtered }: { window: WindowKey; filtered: boolean }) {
  if (filtered)
    return (
      <div class="empty">
        <p>
          No message created in the {WINDOWS[window].label} matches these filters. <a href="#/">Show all</a>
        </p>
      </div>
    );
  const live = liveMode();
  const commands = firstMessageCommands(location.origin, live);
  return (
    <div class="empty" aria-labelledby="empty-title">
      <h2 id="empty-title">No messages in the {WINDOWS[window].label}</h2>
      <p>
        Send the first one from a terminal in the project's folder
        {live === 'poll' ? ', naming the stack this console reads:' : ':'}
      </p>
      <pre>
        <code class="send-command">{commands.send}</code>
      </pre>
      {commands.demo && (
        <>
          <p>
            Or watch a demo: 50 messages through this tracker's Twilio simulator, shown here as they settle:
          </p>
          <pre>
            <code class="demo-command">{commands.demo}</code>
          </pre>
        </>
      )}
    </div>
  );
}
