// Baseline for bench/run.py (benchmark "server"): the 13-word streaming demo agent written plainly on
// @a2a-js/sdk, as its sample-agent does it (express + jsonRpcHandler + DefaultRequestHandler + InMemoryTaskStore).
// Usage: node server.mjs PORT [DELAY_S]   (DELAY_S between words, default 0; binds 127.0.0.1 only; prints "ready" on stdout once listening)
import { randomUUID } from 'node:crypto';
import express from 'express';
import { A2A_PROTOCOL_VERSION, AGENT_CARD_PATH, TaskState, Role } from '@a2a-js/sdk';
import { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';

const PORT = Number(process.argv[2] || 8011);
const DELAY_MS = Number(process.argv[3] || 0) * 1000;
const REPLY =
  "Hello! I'm streaming this response word by word to demonstrate real-time communication capabilities.";
const WORDS = REPLY.split(' ');

const card = {
  name: 'Streaming Demo Agent',
  description: 'Streams its reply word by word.',
  supportedInterfaces: [
    { url: `http://127.0.0.1:${PORT}/`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION },
  ],
  provider: { organization: 'A2A Streaming Lab', url: 'https://example.com' },
  version: '1.0.0',
  capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
  securitySchemes: {},
  securityRequirements: [],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [
    {
      id: 'streaming_response',
      name: 'Streaming Response Generator',
      description: 'Streams a reply word by word.',
      tags: ['streaming', 'real-time', 'communication'],
      examples: ['Tell me a story'],
      inputModes: ['text/plain'],
      outputModes: ['text/plain'],
      securityRequirements: [],
    },
  ],
  documentationUrl: '',
  signatures: [],
};

const status = (state) => ({ state, timestamp: new Date().toISOString(), message: undefined });

class DemoExecutor {
  cancelTask = async () => {};

  async execute(ctx, bus) {
    const taskId = ctx.taskId;
    const contextId = ctx.contextId;
    bus.publish(
      AgentEvent.task(
        ctx.task ?? {
          id: taskId,
          contextId,
          status: status(TaskState.TASK_STATE_SUBMITTED),
          artifacts: [],
          history: [ctx.userMessage],
          metadata: undefined,
        },
      ),
    );
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: status(TaskState.TASK_STATE_WORKING), metadata: undefined }));
    const artifactId = randomUUID();
    for (const [i, word] of WORDS.entries()) {
      if (DELAY_MS > 0) await new Promise((resolve) => setTimeout(resolve, DELAY_MS));
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId,
            name: 'response',
            description: '',
            parts: [
              {
                content: { $case: 'text', value: i === 0 ? word : ` ${word}` },
                metadata: undefined,
                filename: '',
                mediaType: 'text/plain',
              },
            ],
            metadata: undefined,
            extensions: [],
          },
          append: i > 0,
          lastChunk: i === WORDS.length - 1,
          metadata: undefined,
        }),
      );
    }
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: status(TaskState.TASK_STATE_COMPLETED), metadata: undefined }));
  }
}

const requestHandler = new DefaultRequestHandler(card, new InMemoryTaskStore(), new DemoExecutor());
const app = express();
app.use(`/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: requestHandler }));
app.use(jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication }));
const server = app.listen(PORT, '127.0.0.1', (err) => {
  if (err) throw err;
  process.stdout.write('ready\n');
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
void Role;
