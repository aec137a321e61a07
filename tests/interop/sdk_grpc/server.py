"""A plain a2a-sdk 1.3 gRPC server (no a2acli code), for tests/test_grpc_interop.py.

Usage: python server.py [1.0|0.3]. Serves an agent that streams "Hello from the a2a-sdk gRPC server" word by
word as one artifact, through the SDK's own DefaultRequestHandlerV2 + GrpcHandler (1.0, lf.a2a.v1) or
CompatGrpcHandler (0.3, a2a.v1) on grpc.aio at 127.0.0.1:0. Prints its card (one JSON line, GRPC interface
first) once listening; runs until stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

import grpc.aio
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandlerV2
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import a2a_pb2, a2a_pb2_grpc
from google.protobuf.json_format import MessageToDict

REPLY = "Hello from the a2a-sdk gRPC server"


class Words(AgentExecutor):
    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        task_id = context.task_id or str(uuid.uuid4())
        context_id = context.context_id or str(uuid.uuid4())
        if context.current_task is None:
            task = a2a_pb2.Task(
                id=task_id, context_id=context_id, status=a2a_pb2.TaskStatus(state=a2a_pb2.TASK_STATE_SUBMITTED)
            )
            if context.message is not None:
                task.history.append(context.message)
            await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task_id, context_id)
        await updater.start_work()
        words = [w + " " for w in REPLY.split(" ")]
        words[-1] = words[-1].rstrip()
        artifact_id = str(uuid.uuid4())
        for i, word in enumerate(words):
            await asyncio.sleep(0.02)
            await event_queue.enqueue_event(
                a2a_pb2.TaskArtifactUpdateEvent(
                    task_id=task_id,
                    context_id=context_id,
                    artifact=a2a_pb2.Artifact(artifact_id=artifact_id, name="reply", parts=[a2a_pb2.Part(text=word)]),
                    append=i > 0,
                    last_chunk=i == len(words) - 1,
                )
            )
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        await TaskUpdater(event_queue, context.task_id or "", context.context_id or "").cancel()


async def main(version: str) -> None:
    server = grpc.aio.server()
    port = server.add_insecure_port("127.0.0.1:0")
    target = f"127.0.0.1:{port}"
    card = a2a_pb2.AgentCard(
        name="a2a-sdk gRPC peer",
        description="a plain a2a-sdk 1.3 server",
        version="1.0.0",
        supported_interfaces=[a2a_pb2.AgentInterface(url=target, protocol_binding="GRPC", protocol_version=version)],
        capabilities=a2a_pb2.AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[a2a_pb2.AgentSkill(id="words", name="Words", description="streams a reply", tags=["demo"])],
    )
    handler = DefaultRequestHandlerV2(agent_executor=Words(), task_store=InMemoryTaskStore(), agent_card=card)
    if version == "0.3":
        from a2a.compat.v0_3 import a2a_v0_3_pb2_grpc
        from a2a.compat.v0_3.grpc_handler import CompatGrpcHandler

        a2a_v0_3_pb2_grpc.add_A2AServiceServicer_to_server(CompatGrpcHandler(handler), server)
    else:
        from a2a.server.request_handlers.grpc_handler import GrpcHandler

        a2a_pb2_grpc.add_A2AServiceServicer_to_server(GrpcHandler(handler), server)
    await server.start()
    print(json.dumps(MessageToDict(card)), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await server.stop(0.5)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "1.0"))
