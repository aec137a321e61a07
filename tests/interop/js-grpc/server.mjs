// The @a2a-js/sdk 1.3 gRPC server (its server/grpc entry on @grpc/grpc-js), for tests/test_grpc_interop.py.
// Usage: node server.mjs. Streams "Hello from the a2a-js gRPC server" word by word as one artifact, through the
// SDK's DefaultRequestHandler + grpcService at 127.0.0.1:0. Prints its card (one JSON line, 1.0 proto JSON, the
// GRPC interface) once listening; stops when stdin closes.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { TaskState } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { A2AService, UserBuilder, grpcService } from '@a2a-js/sdk/server/grpc';

const REPLY = 'Hello from the a2a-js gRPC server';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const status = (state) => ({ state, message: undefined, timestamp: new Date().toISOString() });

class Words {
  async execute(ctx, bus) {
    const { taskId, contextId } = ctx;
    if (!ctx.task) {
      bus.publish({
        kind: 'task',
        data: { id: taskId, contextId, status: status(TaskState.TASK_STATE_SUBMITTED), artifacts: [],
                history: [ctx.userMessage], metadata: undefined },
      });
    }
    bus.publish({ kind: 'statusUpdate', data: { taskId, contextId, status: status(TaskState.TASK_STATE_WORKING), metadata: undefined } });
    const words = REPLY.split(' ').map((w, i, all) => (i < all.length - 1 ? `${w} ` : w));
    const artifactId = randomUUID();
    for (let i = 0; i < words.length; i++) {
      await sleep(20);
      bus.publish({
        kind: 'artifactUpdate',
        data: {
          taskId, contextId, append: i > 0, lastChunk: i === words.length - 1, metadata: undefined,
          artifact: { artifactId, name: 'reply', description: '', metadata: undefined, extensions: [],
                      parts: [{ content: { $case: 'text', value: words[i] }, metadata: undefined, filename: '', mediaType: '' }] },
        },
      });
    }
    bus.publish({ kind: 'statusUpdate', data: { taskId, contextId, status: status(TaskState.TASK_STATE_COMPLETED), metadata: undefined } });
    bus.finished();
  }
  async cancelTask(taskId, bus) {
    bus.publish({ kind: 'statusUpdate', data: { taskId, contextId: '', status: status(TaskState.TASK_STATE_CANCELED), metadata: undefined } });
    bus.finished();
  }
}

const server = new grpc.Server();
const port = await new Promise((resolve, reject) =>
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);
const target = `127.0.0.1:${port}`;
const card = {
  name: 'a2a-js gRPC peer',
  description: 'the @a2a-js/sdk 1.3 gRPC server',
  supportedInterfaces: [{ url: target, protocolBinding: 'GRPC', protocolVersion: '1.0', tenant: '' }],
  provider: undefined,
  version: '1.0.0',
  documentationUrl: undefined,
  capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
  securitySchemes: {},
  securityRequirements: [],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'words', name: 'Words', description: 'streams a reply', tags: ['demo'], examples: [],
             inputModes: [], outputModes: [], securityRequirements: [] }],
  signatures: [],
  iconUrl: undefined,
};
const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), new Words());
server.addService(A2AService, grpcService({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
console.log(JSON.stringify({
  name: card.name, description: card.description, version: card.version,
  supportedInterfaces: [{ url: target, protocolBinding: 'GRPC', protocolVersion: '1.0' }],
  capabilities: { streaming: true }, defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'],
  skills: [{ id: 'words', name: 'Words', description: 'streams a reply', tags: ['demo'] }],
}));
process.stdin.resume();
process.stdin.on('end', () => server.tryShutdown(() => process.exit(0)));
