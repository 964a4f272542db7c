/**
 * The console: newest messages (live), a message's timeline, and charts of a time window. Routes live
 * in the URL's fragment (`#/`, `#/messages/SM...`, `#/charts`), so they never collide with the API's
 * own paths. Every value a message carries is rendered as text by Preact; nothing here sets HTML.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AnomaliesView } from './anomalies-view';
import { historyOn, liveMode, takeTokenFromUrl } from './api';
import { ChartsView, HistoryOff } from './charts-view';
import { MessagesView } from './messages-view';
import { filtersFromQuery } from './query';
import { TimelineView } from './timeline-view';

type Route =
  { view: 'messages'; query: string } | { view: 'message'; messageSid: string } | { view: 'charts' };

function routeOf(hash: string): Route {
  const message = /^#\/messages\/([^/?#]+)$/.exec(hash);
  if (message) return { view: 'message', messageSid: decodeURIComponent(message[1]!) };
  if (hash === '#/charts') return { view: 'charts' };
  return { view: 'messages', query: /^#\/\?(.*)$/.exec(hash)?.[1] ?? '' };
}

function App() {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  // Each navigation (a link, back, forward) renders its view afresh from the URL.
  const [navigation, setNavigation] = useState(0);
  // Told by the server in the page (no report is fetched to find out): charts only when history is on.
  const history = historyOn();

  useEffect(() => {
    const follow = () => {
      setRoute(routeOf(location.hash));
      setNavigation((n) => n + 1);
    };
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);

  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          Twilio status tracker
        </a>
        <nav aria-label="Views">
          <a href="#/" aria-current={route.view === 'messages' ? 'page' : undefined}>
            Messages
          </a>
          {history && (
            <a href="#/charts" aria-current={route.view === 'charts' ? 'page' : undefined}>
              Charts
            </a>
          )}
        </nav>
      </header>
      <main>
        {liveMode() === 'sse' && <AnomaliesView />}
        {route.view === 'messages' && (
          <MessagesView key={navigation} initial={filtersFromQuery(route.query)} />
        )}
        {route.view === 'message' && <TimelineView messageSid={route.messageSid} />}
        {route.view === 'charts' && (history ? <ChartsView /> : <HistoryOff />)}
      </main>
    </>
  );
}

takeTokenFromUrl();
render(<App />, document.getElementById('app')!);
