/** One message: each status with the time it was first seen, its error and what it carries. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { describeTwilioError } from '../lambda/domain/error-codes';
import { ApiError, getJson, type MessageRecord } from './api';
import { formatTime, statusTone } from './format';
import { onChange } from './live';
import { timelineOf } from './timeline';

export function TimelineView({ messageSid }: { messageSid: string }) {
  const [message, setMessage] = useState<MessageRecord | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);

  const load = useCallback(async () => {
    try {
      setMessage(await getJson<MessageRecord>(`/messages/${encodeURIComponent(messageSid)}`));
      setProblem(undefined);
    } catch (error) {
      setProblem(
        error instanceof ApiError && error.status === 404
          ? `No message ${messageSid} is recorded.`
          : error instanceof Error
            ? error.message
            : String(error),
      );
    }
  }, [messageSid]);

  useEffect(() => {
    setMessage(undefined);
    void load();
    return onChange((change) => {
      if (change.messageSid === undefined || change.messageSid === messageSid) void load();
    });
  }, [load, messageSid]);

  return (
    <section aria-labelledby="message-title">
      <p>
        <a href="#/">← Newest messages</a>
      </p>
      <h1 id="message-title" class="sid">
        {messageSid}
      </h1>
      {problem && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
      {message && <MessageDetails message={message} />}
    </section>
  );
}

function MessageDetails({ message }: { message: MessageRecord }) {
  const steps = timelineOf(message.statusTimes);
  const tags = Object.entries(message.tags ?? {});
  return (
    <>
      <p class="current">
        <span class={`badge ${statusTone(message.status)}`}>{message.status ?? 'unknown'}</span>
        {message.final ? ' final' : ' not final yet'}
        {message.unresolved && ' · unresolved (still not final after the reconciler gave up)'}
      </p>
      {message.errorCode !== undefined && (
        <div class="error-box">
          <h2>Error {message.errorCode}</h2>
          <p class="meaning">{message.errorMessage ?? describeTwilioError(message.errorCode).message}</p>
        </div>
      )}
      <h2>Timeline</h2>
      <ol class="timeline">
        {steps.map((step) => (
          <li key={step.status} data-status={step.status}>
            <time dateTime={step.at}>{formatTime(step.at)}</time>{' '}
            <span class={`badge ${statusTone(step.status)}`}>{step.status}</span>
            {step.late && (
              <span class="late"> arrived late: kept in the history, the status did not go back</span>
            )}
          </li>
        ))}
      </ol>
      <h2>Details</h2>
      <dl class="details">
        <Field name="To" value={message.to} />
        <Field name="From" value={message.from} />
        <Field name="Reference" value={message.clientReference} />
        <Field name="Created" value={formatTime(message.createdAt)} />
        <Field name="Last change" value={formatTime(message.updatedAt)} />
        <Field
          name="Callbacks recorded"
          value={message.callbackCount === undefined ? undefined : String(message.callbackCount)}
        />
        <Field name="Last callback" value={formatTime(message.lastCallbackAt)} />
        <Field name="Status moved last by" value={message.source} />
        <Field name="Messaging Service" value={message.messagingServiceSid} />
        <Field name="Account" value={message.accountSid} />
        <Field name="Channel" value={message.channelPrefix} />
      </dl>
      <h2>Tags</h2>
      {tags.length === 0 ? (
        <p>No tags.</p>
      ) : (
        <table class="tags">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {tags.map(([key, value]) => (
              <tr key={key}>
                <td>{key}</td>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Field({ name, value }: { name: string; value: string | undefined }) {
  if (!value) return null;
  return (
    <div>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </div>
  );
}
