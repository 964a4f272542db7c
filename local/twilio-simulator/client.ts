/**
 * A real `twilio` helper-library client whose requests go to the simulator: a RequestClient that
 * rewrites https://api.twilio.com, https://messaging.twilio.com (and any other *.twilio.com host,
 * region/edge variants included) to the simulator's base URL.
 */
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';
import type Response from 'twilio/lib/http/response';
import { rewriteTwilioUrl } from '../../lambda/adapters/secondary/twilio-client';

export { rewriteTwilioUrl };

export class SimulatorRequestClient extends RequestClient {
  constructor(
    readonly baseUrl: string,
    opts?: RequestClient.RequestClientOptions,
  ) {
    super(opts);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    return super.request({ ...opts, uri: rewriteTwilioUrl(opts.uri, this.baseUrl) });
  }
}

/** A twilio client talking to the simulator at baseUrl (e.g. TwilioSimulator.url). */
export function twilioClientFor(
  baseUrl: string,
  accountSid: string,
  authToken: string,
  opts: Omit<twilio.ClientOpts, 'httpClient'> & {
    requestClientOptions?: RequestClient.RequestClientOptions;
  } = {},
): twilio.Twilio {
  const { requestClientOptions, ...clientOpts } = opts;
  return twilio(accountSid, authToken, {
    ...clientOpts,
    httpClient: new SimulatorRequestClient(baseUrl, requestClientOptions),
  });
}
