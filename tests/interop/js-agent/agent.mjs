// A plain @a2a-js/sdk 1.3 agent, the SDK's own request handler and express transports (JSON-RPC at /, HTTP+JSON
// at /), no TCK scenarios: each message starts a task that streams a four-word story as one artifact and
// completes. For tests/test_conformance_agents.py and the TCK comparison (tests/support/tck.py).
// Usage: node agent.mjs [PORT]   (0 or none: a free port) — prints {"url": "http://127.0.0.1:PORT"} when ready.
import { randomUUID } from 'node:crypto';
import express from 'express';
import { TaskState } from '@a2a-js/sdk';
import { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { UserBuilder, agentCardHandler, jsonRpcHandler, restHandler } from '@a2a-js/sdk/server/express';

const port = Number(process.argv[2] || 0);
const WORDS = ['Once ', 'upon ', 'a ', 'time.'];
// The SDK's own (ts-proto) shapes: enums are numbers, a part's content is a tagged union.
const status = (state) => ({ state, message: undefined, timestamp: new Date().toISOString() });
const textPart = (text) => ({ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: '' });

class StoryExecutor {
  async execute(context, bus) {
    const { taskId, contextId } = context;
    if (!context.task) {
      bus.publish(AgentEvent.task({
        id: taskId, contextId, status: status(TaskState.TASK_STATE_SUBMITTED), history: [context.userMessage],
        artifacts: [], metadata: undefined,
      }));
    }
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: status(TaskState.TASK_STATE_WORKING), metadata: undefined }));
    const artifactId = randomUUID();
    WORDS.forEach((word, i) => {
      bus.publish(AgentEvent.artifactUpdate({
        taskId, contextId, append: i > 0, lastChunk: i === WORDS.length - 1,
        artifact: { artifactId, name: 'story', description: '', parts: [textPart(word)], metadata: undefined, extensions: [] },
        metadata: undefined,
      }));
    });
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: status(TaskState.TASK_STATE_COMPLETED), metadata: undefined }));
    bus.finished();
  }

  async cancelTask(taskId, bus) {
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId: '', status: status(TaskState.TASK_STATE_CANCELED), metadata: undefined }));
    bus.finished();
  }
}

const app = express();
const server = app.listen(port, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const card = {
    name: 'JS story agent',
    description: 'a plain @a2a-js/sdk 1.3 agent: each message starts a task that streams a short story',
    version: '1.0.0',
    supportedInterfaces: [
      { url: `${base}/`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${base}/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'story', name: 'Story', description: 'tells a four-word story', tags: ['story'] }],
  };
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), new StoryExecutor());
  const userBuilder = UserBuilder.noAuthentication;
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: handler }));
  app.use('/rest', restHandler({ requestHandler: handler, userBuilder }));
  app.use('/', jsonRpcHandler({ requestHandler: handler, userBuilder }));
  process.stdout.write(JSON.stringify({ url: base }) + '\n');
});
