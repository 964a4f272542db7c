/**
 * The Messaging Service custom resource against the simulator's Messaging Services API, through the
 * real twilio library: CloudFormation create, update and delete leave the service as a user expects.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  decodePhysicalId,
  onServiceCallbackEvent,
} from '../../lambda/adapters/primary/messaging-service-resource';
import { messagingServices } from '../../lambda/adapters/secondary/twilio-messaging-service';
import type { MessagingServicePort } from '../../lambda/use-cases/ports';
import { startTwilioSimulator, type TwilioSimulator } from '../../local/twilio-simulator';

const SERVICE = 'MG9752274e9e519418a7406176694466fa';
const OTHER_SERVICE = 'MG00000000000000000000000000000001';
const ORIGINAL = 'https://old.example.com/status';
const OURS = 'https://abc.execute-api.eu-west-1.amazonaws.com/message-status';

let simulator: TwilioSimulator;
let services: MessagingServicePort;

const base = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:000000000000:function:provider',
  ResponseURL: 'https://example.com/response',
  StackId: 'stack',
  RequestId: 'request',
  LogicalResourceId: 'ServiceCallback',
  ResourceType: 'Custom::MessagingServiceStatusCallback',
};

/** The resource's properties as the stack sets them, and the id CloudFormation holds for it. */
interface Resource {
  service: string;
  url: string;
  physicalId?: string;
}

function event(type: 'Create' | 'Update' | 'Delete', resource: Resource): CloudFormationCustomResourceEvent {
  const ResourceProperties = {
    ServiceToken: base.ServiceToken,
    MessagingServiceSid: resource.service,
    StatusCallbackUrl: resource.url,
  };
  if (type === 'Create') return { ...base, RequestType: 'Create', ResourceProperties };
  if (type === 'Update') {
    return {
      ...base,
      RequestType: 'Update',
      ResourceProperties,
      OldResourceProperties: ResourceProperties,
      PhysicalResourceId: resource.physicalId!,
    };
  }
  return { ...base, RequestType: 'Delete', ResourceProperties, PhysicalResourceId: resource.physicalId! };
}

/** CloudFormation sends `type` for the resource; the handler answers it against `port` (the simulator). */
function handle(
  type: 'Create' | 'Update' | 'Delete',
  resource: Resource,
  port: Parameters<typeof onServiceCallbackEvent>[1] = services,
) {
  return onServiceCallbackEvent(event(type, resource), port);
}

beforeAll(async () => {
  simulator = await startTwilioSimulator({ seed: 1 });
  simulator.createService({ sid: SERVICE, statusCallback: ORIGINAL });
  simulator.createService({ sid: OTHER_SERVICE });
  services = messagingServices(
    { accountSid: simulator.accountSid, authToken: simulator.authToken },
    { baseUrl: simulator.url },
  );
});
afterAll(() => simulator.stop());

describe('Messaging Service status callback custom resource', () => {
  it('sets our URL on create, keeps the original through updates, restores it on delete', async () => {
    const created = await handle('Create', { service: SERVICE, url: OURS });
    expect(await services.getStatusCallback(SERVICE)).toBe(OURS);
    expect(created.Data).toEqual({ PreviousStatusCallback: ORIGINAL });

    const newUrl = 'https://hooks.example.com/message-status';
    const updated = await handle('Update', {
      service: SERVICE,
      url: newUrl,
      physicalId: created.PhysicalResourceId,
    });
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(await services.getStatusCallback(SERVICE)).toBe(newUrl);

    await handle('Delete', { service: SERVICE, url: newUrl, physicalId: updated.PhysicalResourceId });
    expect(await services.getStatusCallback(SERVICE)).toBe(ORIGINAL);
  });

  it('moving to another service gets a new id, so the old one is restored by its delete', async () => {
    const created = await handle('Create', { service: SERVICE, url: OURS });
    const moved = await handle('Update', {
      service: OTHER_SERVICE,
      url: OURS,
      physicalId: created.PhysicalResourceId,
    });
    expect(moved.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect(decodePhysicalId(moved.PhysicalResourceId)).toEqual({ serviceSid: OTHER_SERVICE, previous: '' });
    await handle('Delete', { service: SERVICE, url: OURS, physicalId: created.PhysicalResourceId });
    expect(await services.getStatusCallback(SERVICE)).toBe(ORIGINAL);
    expect(await services.getStatusCallback(OTHER_SERVICE)).toBe(OURS);
  });

  it('rejects a malformed service SID or a non-https URL before calling Twilio', async () => {
    await expect(handle('Create', { service: 'MG1', url: OURS })).rejects.toThrow(/MessagingServiceSid/);
    await expect(handle('Create', { service: SERVICE, url: 'http://x/y' })).rejects.toThrow(/https/);
  });

  it('a delete after a failed create (id not ours) changes nothing and needs no credentials', async () => {
    const before = await services.getStatusCallback(SERVICE);
    await handle(
      'Delete',
      { service: SERVICE, url: OURS, physicalId: 'request-id-of-a-failed-create' },
      async () => {
        throw new Error('the secret has no credentials yet');
      },
    );
    expect(await services.getStatusCallback(SERVICE)).toBe(before);
  });
});
