"""Baseline for `bench/run.py server`: the 13-word streaming demo agent written plainly on a2a-sdk 1.3.

The SDK's own building blocks, used as its docs show: an `AgentExecutor` publishing through `TaskUpdater`,
`DefaultRequestHandler` + `InMemoryTaskStore`, the JSON-RPC and agent-card Starlette routes, under uvicorn
with its defaults. No tuning: this is what a user writing the agent by hand gets.

Usage: python bench/baselines/sdk_server.py PORT [DELAY_S]
(DELAY_S between words, default 0; binds 127.0.0.1; prints "ready" on stdout when listening)
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn
from a2a.helpers import new_task_from_user_message, new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types.a2a_pb2 import AgentCapabilities, AgentCard, AgentInterface, AgentProvider, AgentSkill
from starlette.applications import Starlette

REPLY = "Hello! I'm streaming this response word by word to demonstrate real-time communication capabilities."


class DemoExecutor(AgentExecutor):
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        task = context.current_task
        if task is None:
            assert context.message is not None
            task = new_task_from_user_message(context.message)
            await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        await updater.start_work()
        words = REPLY.split(" ")
        for i, word in enumerate(words):
            if self.delay:
                await asyncio.sleep(self.delay)
            await updater.add_artifact(
                [new_text_part(word if i == 0 else " " + word)],
                artifact_id="response",
                name="response",
                append=i > 0,
                last_chunk=i == len(words) - 1,
            )
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.task_id is not None and context.context_id is not None
        await TaskUpdater(event_queue, context.task_id, context.context_id).cancel()


def build_app(port: int, delay: float = 0.0) -> Starlette:
    card = AgentCard(
        name="Streaming Demo Agent",
        description="Streams its reply word by word.",
        version="1.0.0",
        provider=AgentProvider(organization="A2A Streaming Lab", url="https://example.com"),
        supported_interfaces=[
            AgentInterface(url=f"http://127.0.0.1:{port}/", protocol_binding="JSONRPC", protocol_version="1.0")
        ],
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[
            AgentSkill(
                id="streaming_response",
                name="Streaming Response Generator",
                description="Streams a reply word by word.",
                tags=["streaming", "real-time", "communication"],
                examples=["Tell me a story"],
            )
        ],
    )
    handler = DefaultRequestHandler(agent_executor=DemoExecutor(delay), task_store=InMemoryTaskStore(), agent_card=card)
    routes = create_agent_card_routes(card) + create_jsonrpc_routes(handler, rpc_url="/")
    return Starlette(routes=routes)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8012
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    config = uvicorn.Config(build_app(port, delay), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    original_startup = server.startup

    async def startup(sockets: object = None) -> None:
        await original_startup(sockets)  # type: ignore[arg-type]
        sys.stdout.write("ready\n")
        sys.stdout.flush()

    server.startup = startup  # type: ignore[method-assign]
    server.run()


if __name__ == "__main__":
    main()
