// The @a2a-js/sdk client streaming one message from an agent, for tests/test_interop_js.py.
// Usage: node client.mjs BASE_URL [JSONRPC|HTTP+JSON] [1.0|0.3]
// Prints one JSON line per stream event ({"kind": ..., "state"?: ..., "text"?: ..., "append"?, "lastChunk"?}),
// then {"done": true, "transport": ..., "version": ...}. Exit 0 when the stream ended, 1 on error.
import { randomUUID } from 'node:crypto';
import { Role, TaskState } from '@a2a-js/sdk';
import {
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from '@a2a-js/sdk/client';
import { isLegacyAgentCard, parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';

const [baseUrl, binding = 'JSONRPC', version = '1.0'] = process.argv.slice(2);
const legacyCompat = { enabled: true };

const options = ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
  transports: [new JsonRpcTransportFactory({ legacyCompat }), new RestTransportFactory({ legacyCompat })],
  preferredTransports: [binding],
});

async function main() {
  const factory = new ClientFactory(options);
  let client;
  if (version === '0.3') {
    // As a 0.3 client sees the agent: the card fetched without A2A-Version, read through its 0.3 fields only
    // (url, preferredTransport, additionalInterfaces, protocolVersion) by the SDK's own legacy parser.
    const res = await fetch(`${baseUrl}/.well-known/agent-card.json`);
    const raw = await res.json();
    delete raw.supportedInterfaces;
    if (!isLegacyAgentCard(raw)) throw new Error('the card is not a 0.3 card');
    const card = parseLegacyAgentCard(raw);
    client = await factory.createFromAgentCard(card);
  } else {
    client = await factory.createFromUrl(baseUrl);
  }
  const transport = client.transport ?? {};
  const message = {
    messageId: randomUUID(),
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: 'Tell me a story' }, metadata: undefined, filename: '', mediaType: '' }],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
  for await (const event of client.sendMessageStream({ tenant: '', message, configuration: undefined, metadata: undefined })) {
    const payload = event.payload;
    if (!payload) continue;
    const v = payload.value;
    const line = { kind: payload.$case };
    if (payload.$case === 'task') line.state = TaskState[v.status?.state] ?? v.status?.state;
    if (payload.$case === 'statusUpdate') line.state = TaskState[v.status?.state] ?? v.status?.state;
    if (payload.$case === 'artifactUpdate') {
      line.text = v.artifact.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
      line.append = v.append;
      line.lastChunk = v.lastChunk;
      line.artifactId = v.artifact.artifactId;
    }
    console.log(JSON.stringify(line));
  }
  console.log(JSON.stringify({ done: true, transport: transport.protocolName, version: transport.protocolVersion }));
}

main().catch((err) => {
  console.error(`client error: ${err?.stack || err}`);
  process.exit(1);
});
