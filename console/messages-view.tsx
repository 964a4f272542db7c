/** The newest messages, filtered and searched, kept current by live updates (live.ts). */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeTwilioError } from '../lambda/domain/error-codes';
import { advances, KNOWN_STATUSES } from '../lambda/domain/lifecycle';
import { getJson, type MessagePage, type MessageRecord } from './api';
import { NoMessages } from './empty-view';
import { formatTime, statusTone } from './format';
import { onChange } from './live';
import {
  DEFAULT_FILTERS,
  filtersToQuery,
  interpretSearch,
  listParams,
  MAX_ROWS,
  PAGE_SIZE,
  WINDOWS,
  type ConsoleFilters,
  type WindowKey,
} from './query';

/** Events come in bursts (a message's lifecycle, a campaign): read the list again at most this often. */
const REFRESH_AFTER_EVENT_MS = 400;

export function MessagesView({ initial }: { initial: ConsoleFilters }) {
  const [filters, setFiltersState] = useState<ConsoleFilters>(initial);
  const [searchText, setSearchText] = useState(initial.search);
  const [limit, setLimit] = useState(PAGE_SIZE);
  const [messages, setMessages] = useState<MessageRecord[] | undefined>(undefined);
  const [more, setMore] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [updatedAt, setUpdatedAt] = useState<string | undefined>(undefined);
  const latest = useRef(0);
  // On a phone the filter panel is folded behind a toggle; a wide screen always shows it (CSS).
  const [panelOpen, setPanelOpen] = useState(false);

  /** New filters: the first page again, and the route's query says them (no new history entry). */
  const setFilters = (next: ConsoleFilters) => {
    setFiltersState(next);
    setLimit(PAGE_SIZE);
    const query = filtersToQuery(next);
    history.replaceState(null, '', `${location.pathname}${location.search}#/${query ? `?${query}` : ''}`);
  };

  const load = useCallback(async () => {
    const params = listParams(filters, Date.now(), limit);
    const asked = ++latest.current;
    if (!params) {
      setMessages([]);
      setMore(false);
      setProblem(
        'No failure status is picked: clear "failures only" or pick failed, undelivered or canceled.',
      );
      return;
    }
    try {
      const page = await getJson<MessagePage>(`/messages?${params}`);
      // An older answer arriving after a newer one (a filter changed meanwhile) is dropped.
      if (asked !== latest.current) return;
      setMessages(page.messages);
      setMore(page.nextCursor !== null && limit < MAX_ROWS);
      setProblem(undefined);
      setUpdatedAt(new Date().toLocaleTimeString());
    } catch (error) {
      if (asked === latest.current) setProblem(error instanceof Error ? error.message : String(error));
    }
  }, [filters, limit]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = onChange((change) => {
      // Show the new status at once, then read the list again: new messages, rows leaving a filter.
      if (change.messageSid && change.status) {
        setMessages((rows) =>
          rows?.map((row) =>
            row.messageSid === change.messageSid && advances(row.status ?? undefined, change.status!)
              ? {
                  ...row,
                  status: change.status!,
                  statusRank: change.statusRank,
                  final: !!change.final,
                  errorCode: change.errorCode ?? undefined,
                }
              : row,
          ),
        );
      }
      timer ??= setTimeout(() => {
        timer = undefined;
        void load();
      }, REFRESH_AFTER_EVENT_MS);
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [load]);

  const submitSearch = (event: Event) => {
    event.preventDefault();
    const search = interpretSearch(searchText);
    if (search.kind === 'sid') location.hash = `#/messages/${search.messageSid}`;
    else setFilters({ ...filters, search: searchText });
  };
  const toggleStatus = (status: string, on: boolean) =>
    setFilters({
      ...filters,
      statuses: on ? [...filters.statuses, status] : filters.statuses.filter((s) => s !== status),
    });
  const search = interpretSearch(filters.search);
  // Filters in force, told on the folded panel's toggle.
  const active =
    filters.statuses.length +
    (filters.failuresOnly ? 1 : 0) +
    (filters.window === DEFAULT_FILTERS.window ? 0 : 1);

  return (
    <section aria-labelledby="messages-title">
      <h1 id="messages-title">Newest messages</h1>
      <form class="filters" onSubmit={submitSearch} role="search">
        <div class="search">
          <label for="search">Search</label>
          <input
            id="search"
            type="search"
            value={searchText}
            placeholder="SM..., reference, +14155551234 or tag=value"
            onInput={(e) => setSearchText((e.target as HTMLInputElement).value)}
          />
          <button type="submit">Search</button>
        </div>
        <button
          type="button"
          class="filters-toggle"
          aria-expanded={panelOpen}
          aria-controls="filter-panel"
          onClick={() => setPanelOpen(!panelOpen)}
        >
          Filters{active > 0 ? ` (${active})` : ''}
        </button>
        <div id="filter-panel" class={`filter-panel${panelOpen ? '' : ' folded'}`}>
          <div class="row">
            <label for="window">Created</label>
            <select
              id="window"
              value={filters.window}
              onChange={(e) =>
                setFilters({ ...filters, window: (e.target as HTMLSelectElement).value as WindowKey })
              }
            >
              {Object.entries(WINDOWS).map(([key, { label }]) => (
                <option key={key} value={key}>
                  {label}
                </option>
              ))}
            </select>
            <label class="check">
              <input
                type="checkbox"
                checked={filters.failuresOnly}
                onChange={(e) =>
                  setFilters({ ...filters, failuresOnly: (e.target as HTMLInputElement).checked })
                }
              />
              Failures only
            </label>
          </div>
          <fieldset class="statuses">
            <legend>Status</legend>
            {KNOWN_STATUSES.map((status) => (
              <label class="check" key={status}>
                <input
                  type="checkbox"
                  name="status"
                  value={status}
                  checked={filters.statuses.includes(status)}
                  onChange={(e) => toggleStatus(status, (e.target as HTMLInputElement).checked)}
                />
                {status}
              </label>
            ))}
          </fieldset>
        </div>
      </form>
      <p class="summary" aria-live="polite">
        {search.kind === 'param' && `${search.label} "${search.value}" · `}
        {messages === undefined ? 'Loading…' : `${messages.length} messages`}
        {updatedAt && ` · updated ${updatedAt}`}
      </p>
      {problem && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
      {messages && messages.length > 0 && <MessagesTable messages={messages} />}
      {messages && messages.length === 0 && !problem && (
        <NoMessages window={filters.window} filtered={filtered(filters)} />
      )}
      {more && (
        <button type="button" class="more" onClick={() => setLimit(Math.min(limit + PAGE_SIZE, MAX_ROWS))}>
          Show {PAGE_SIZE} more
        </button>
      )}
    </section>
  );
}

/** Whether anything but the time window narrows the list. */
function filtered(filters: ConsoleFilters): boolean {
  return filters.statuses.length > 0 || filters.failuresOnly || filters.search.trim() !== '';
}

function MessagesTable({ messages }: { messages: MessageRecord[] }) {
  return (
    <div class="table-wrap">
      <table class="messages">
        <thead>
          <tr>
            <th scope="col">Message</th>
            <th scope="col">Status</th>
            <th scope="col" class="wide">
              Created
            </th>
            <th scope="col">To</th>
            <th scope="col">Error</th>
            <th scope="col" class="wide">
              Reference
            </th>
          </tr>
        </thead>
        <tbody>
          {messages.map((m) => (
            <tr key={m.messageSid} data-sid={m.messageSid}>
              <td class="sid">
                <a href={`#/messages/${m.messageSid}`}>{m.messageSid}</a>
              </td>
              <td>
                <span class={`badge ${statusTone(m.status)}`}>{m.status ?? 'unknown'}</span>
              </td>
              <td class="wide">{formatTime(m.createdAt)}</td>
              <td data-label="To">{m.to}</td>
              <td
                data-label="Error"
                title={m.errorCode === undefined ? undefined : describeTwilioError(m.errorCode).message}
              >
                {m.errorCode}
              </td>
              <td class="wide ref">{m.clientReference}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
