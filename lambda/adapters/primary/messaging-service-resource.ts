/**
 * The custom resource that points a Messaging Service's Delivery Status Callback at this stack
 * (context `messagingServiceSid`), for the CDK Provider framework:
 *
 *   Create/Update --> remember the service's current callback, set ours
 *   Delete        --> put the remembered callback back
 *
 * The value to restore travels in the physical resource id (`MG...|<base64url of the previous URL>`),
 * the one piece of state CloudFormation keeps for us. An update that keeps the service keeps the id, so
 * the value first found is the one restored however many updates happen; an update to another service
 * gets a new id, and CloudFormation then deletes the old one, restoring that service.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { MessagingServicePort } from '../../use-cases/ports';
import { SID_PATTERNS } from '../../domain/contract';

export interface ServiceCallbackProperties {
  MessagingServiceSid: string;
  StatusCallbackUrl: string;
}

export interface ProviderResult {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/**
 * `services` is asked for only when there is work to do, so a rollback's Delete after a failed Create
 * (for example before the credentials were put in the secret) succeeds without Twilio credentials.
 */
export async function onServiceCallbackEvent(
  event: CloudFormationCustomResourceEvent,
  servicesPort: MessagingServicePort | (() => Promise<MessagingServicePort>),
): Promise<ProviderResult> {
  const services = () =>
    typeof servicesPort === 'function' ? servicesPort() : Promise.resolve(servicesPort);
  if (event.RequestType === 'Delete') {
    const state = decodePhysicalId(event.PhysicalResourceId);
    // A failed create leaves an id that is not ours: nothing was changed, nothing to restore.
    if (state) await (await services()).setStatusCallback(state.serviceSid, state.previous);
    return { PhysicalResourceId: event.PhysicalResourceId };
  }

  const props = event.ResourceProperties as unknown as ServiceCallbackProperties;
  if (!SID_PATTERNS.messagingService.test(props.MessagingServiceSid ?? '')) {
    throw new Error(
      `MessagingServiceSid must be MG followed by 32 hex characters, got "${props.MessagingServiceSid}"`,
    );
  }
  if (!/^https:\/\//.test(props.StatusCallbackUrl ?? '')) {
    throw new Error('StatusCallbackUrl must be an https URL');
  }

  const port = await services();
  const existing = event.RequestType === 'Update' ? decodePhysicalId(event.PhysicalResourceId) : undefined;
  const physicalId =
    existing && existing.serviceSid === props.MessagingServiceSid
      ? encodePhysicalId(existing.serviceSid, existing.previous)
      : encodePhysicalId(props.MessagingServiceSid, await port.getStatusCallback(props.MessagingServiceSid));
  await port.setStatusCallback(props.MessagingServiceSid, props.StatusCallbackUrl);
  return {
    PhysicalResourceId: physicalId,
    Data: { PreviousStatusCallback: decodePhysicalId(physicalId)?.previous ?? '' },
  };
}

export function encodePhysicalId(serviceSid: string, previous: string): string {
  return `${serviceSid}|${Buffer.from(previous, 'utf8').toString('base64url')}`;
}

export function decodePhysicalId(id: string): { serviceSid: string; previous: string } | undefined {
  const [serviceSid, encoded, ...rest] = id.split('|');
  if (
    !serviceSid ||
    !SID_PATTERNS.messagingService.test(serviceSid) ||
    encoded === undefined ||
    rest.length > 0
  )
    return undefined;
  return { serviceSid, previous: Buffer.from(encoded, 'base64url').toString('utf8') };
}
