// The @a2a-js/sdk 1.3 gRPC client (its client/grpc entry), for tests/test_grpc_interop.py.
// Usage: node client.mjs BASE_URL. Reads the agent's card over HTTP, picks its GRPC interface (plaintext on
// loopback), streams one message, then gets the task by id. Prints one JSON line per stream event
// ({"kind", "state"?, "text"?, "append"?, "lastChunk"?}), then {"done": true, "transport", "task": state, "text"}.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Role, TaskState } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions } from '@a2a-js/sdk/client';
import { GrpcTransportFactory } from '@a2a-js/sdk/client/grpc';

const [baseUrl] = process.argv.slice(2);
const options = ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
  transports: [new GrpcTransportFactory({ grpcChannelCredentials: grpc.credentials.createInsecure() })],
  preferredTransports: ['GRPC'],
});

async function main() {
  const client = await new ClientFactory(options).createFromUrl(baseUrl);
  const message = {
    messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: 'Tell me a story' }, metadata: undefined, filename: '', mediaType: '' }],
    metadata: undefined, extensions: [], referenceTaskIds: [],
  };
  let taskId = '';
  for await (const event of client.sendMessageStream({ tenant: '', message, configuration: undefined, metadata: undefined })) {
    const payload = event.payload;
    if (!payload) continue;
    const v = payload.value;
    const line = { kind: payload.$case };
    if (payload.$case === 'task') { line.state = TaskState[v.status?.state]; taskId = v.id; }
    if (payload.$case === 'statusUpdate') line.state = TaskState[v.status?.state];
    if (payload.$case === 'artifactUpdate') {
      line.text = v.artifact.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
      line.append = v.append;
      line.lastChunk = v.lastChunk;
    }
    console.log(JSON.stringify(line));
  }
  const task = await client.getTask({ tenant: '', id: taskId, historyLength: undefined });
  const text = task.artifacts.flatMap((a) => a.parts).map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
  console.log(JSON.stringify({ done: true, transport: client.transport?.protocolName, task: TaskState[task.status?.state], text }));
}

main().catch((err) => {
  console.error(`client error: ${err?.stack || err}`);
  process.exit(1);
});
