import t from 'tap';
import { canPublish, canSubscribe, type BrokerUser } from '../../../hub/broker/broker-acl.js';

const postA: BrokerUser = { kind: 'post', postId: 'post-a' };
const hub: BrokerUser = { kind: 'hub' };
const probeA: BrokerUser = { kind: 'post', postId: 'post-a', tool: 'probe' };

type Row = [who: BrokerUser, topic: string, allowed: boolean, why: string];

const PUBLISH: Row[] = [
  [postA, 'chasqui/v1/post-a/up', true, 'a post writes its own up topic'],
  [postA, 'chasqui/v1/post-b/up', false, 'a post cannot impersonate another post'],
  [postA, 'chasqui/v1/post-a/health', true, 'a post writes its own heartbeat'],
  [postA, 'chasqui/v1/post-b/health', false, 'a post cannot report another post\'s health'],
  [postA, 'chasqui/v1/+/health', false, 'no wildcard publishing'],
  [postA, 'chasqui/v1/post-a/health/x', false, 'no extra levels'],
  [postA, 'chasqui/v1/post-a/down', false, 'a post cannot forge hub messages to itself'],
  [postA, 'chasqui/v1/post-b/down', false, 'a post cannot write to another post'],
  [postA, '#', false, 'no wildcard publishing'],
  [postA, 'chasqui/v1/+/up', false, 'no wildcard publishing'],
  [postA, 'chasqui/v1/post-a/#', false, 'no wildcard publishing'],
  [postA, 'chasqui/v1/post-a/up/extra', false, 'no extra levels'],
  [postA, 'chasqui/v1/post-a/up/', false, 'no trailing slash'],
  [postA, '/chasqui/v1/post-a/up', false, 'no leading slash'],
  [postA, 'CHASQUI/v1/post-a/up', false, 'topics are case-sensitive'],
  [postA, 'chasqui/v2/post-a/up', false, 'another protocol version'],
  [postA, '$SYS/broker/clients', false, 'no broker internals'],
  [postA, '', false, 'empty topic'],
  [{ kind: 'post', postId: 'a/#' }, 'chasqui/v1/a/#/up', false, 'an invalid post id grants nothing'],
  [{ kind: 'post', postId: '' }, 'chasqui/v1//up', false, 'an empty post id grants nothing'],
  [probeA, 'chasqui/v1/post-a/up', true, 'a tool session writes as its post'],
  [probeA, 'chasqui/v1/post-a/health', true, 'a tool session may send a heartbeat'],
  [probeA, 'chasqui/v1/post-b/up', false, 'a tool session cannot impersonate another post'],
  [probeA, 'chasqui/v1/post-a/down', false, 'a tool session cannot forge hub messages'],
  [hub, 'chasqui/v1/post-a/down', true, 'the hub writes to any post'],
  [hub, 'chasqui/v1/post-b/down', true, 'the hub writes to any post'],
  [hub, 'chasqui/v1/post-a/up', false, 'the hub cannot forge a post\'s message'],
  [hub, 'chasqui/v1/+/down', false, 'no wildcard publishing'],
  [hub, 'chasqui/v1/#', false, 'no wildcard publishing'],
  [hub, '#', false, 'no wildcard publishing'],
  [hub, 'chasqui/v1/Post-A/down', false, 'not a valid post id'],
  [hub, 'chasqui/v1/post-a/down/x', false, 'no extra levels'],
  [hub, 'chasqui/v1/post-a/sideways', false, 'only up, down and health exist'],
  [hub, 'chasqui/v1/post-a/health', false, 'the hub cannot forge a post\'s heartbeat'],
  [hub, 'other/topic', false, 'nothing outside the Chasqui root'],
];

const SUBSCRIBE: Row[] = [
  [postA, 'chasqui/v1/post-a/down', true, 'a post reads its own down topic'],
  [postA, 'chasqui/v1/post-b/down', false, 'a post cannot read another post\'s mail'],
  [postA, 'chasqui/v1/+/down', false, 'a wildcard would read every post\'s mail'],
  [postA, 'chasqui/v1/post-a/+', false, 'a wildcard would include its own up topic'],
  [postA, 'chasqui/v1/post-a/#', false, 'no wildcards even within its own topics'],
  [postA, 'chasqui/v1/post-a/up', false, 'a post does not read what it sends'],
  [postA, 'chasqui/v1/post-b/up', false, 'a post cannot read another post\'s cases'],
  [postA, 'chasqui/v1/+/up', false, 'a post cannot read every post\'s cases'],
  [postA, '#', false, 'no catch-all'],
  [postA, '+/+/+/+', false, 'no catch-all'],
  [postA, '$SYS/#', false, 'no broker internals'],
  [postA, '$share/g/chasqui/v1/post-a/down', false, 'no shared subscriptions'],
  [postA, '', false, 'empty filter'],
  [postA, 'chasqui/v1/post-a/health', false, 'a post does not read its own heartbeat'],
  [postA, 'chasqui/v1/+/health', false, 'a post cannot read every post\'s health'],
  [{ kind: 'post', postId: 'x/#' }, 'chasqui/v1/x/#/down', false, 'an invalid post id grants nothing'],
  [probeA, 'chasqui/v1/post-a/down', false, 'a tool session never reads its post\'s mail'],
  [probeA, 'chasqui/v1/post-a/health', false, 'a tool session reads nothing'],
  [hub, 'chasqui/v1/+/up', true, 'the hub reads every post'],
  [hub, 'chasqui/v1/post-a/up', true, 'the hub may read one post'],
  [hub, 'chasqui/v1/+/health', true, 'the hub reads every post\'s heartbeat'],
  [hub, 'chasqui/v1/post-a/health', true, 'the hub may read one post\'s heartbeat'],
  [hub, 'chasqui/v1/+/health/#', false, 'no extra levels'],
  [hub, 'chasqui/v1/+/down', false, 'the hub does not read what it sends'],
  [hub, 'chasqui/v1/post-a/down', false, 'the hub does not read what it sends'],
  [hub, 'chasqui/v1/#', false, 'too broad: includes down'],
  [hub, 'chasqui/v1/+/+', false, 'too broad: includes down'],
  [hub, '#', false, 'no catch-all'],
  [hub, '$SYS/#', false, 'no broker internals'],
  [hub, 'chasqui/v1/post-a/up/#', false, 'no extra levels'],
  [hub, 'chasqui/v1/+/up/#', false, 'no extra levels'],
  [hub, '$share/hubs/chasqui/v1/+/up', false, 'shared subscriptions are not used'],
];

function label(who: BrokerUser): string {
  return who.kind === 'hub' ? 'hub' : `post ${JSON.stringify(who.postId)}${who.tool ? ` tool ${who.tool}` : ''}`;
}

t.test('publish', async (t) => {
  for (const [who, topic, allowed, why] of PUBLISH) {
    t.equal(canPublish(who, topic), allowed, `${label(who)} ${allowed ? 'may' : 'may not'} publish ${JSON.stringify(topic)}: ${why}`);
  }
});

t.test('subscribe', async (t) => {
  for (const [who, filter, allowed, why] of SUBSCRIBE) {
    t.equal(canSubscribe(who, filter), allowed, `${label(who)} ${allowed ? 'may' : 'may not'} subscribe ${JSON.stringify(filter)}: ${why}`);
  }
});
