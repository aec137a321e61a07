"""`a2a serve --exec CMD`: a plain SDK `AgentExecutor` that runs a command for every message.

One run per task, without a shell (argv split as a shell would: `shlex`), in its own process group:
- stdin: the message's text (text parts joined by newlines), or with `--exec-input json` the whole Message as
  A2A 1.0 JSON; then closed;
- environment: `A2A_TASK_ID`, `A2A_CONTEXT_ID`, and `A2A_MESSAGE_FILE` / `A2A_TASK_FILE`, paths of private files
  (0600, removed after the run) holding the Message and the Task as A2A 1.0 JSON. Files, not variables: a message
  may be as large as the body limit, past what one environment variable may hold;
- stdout: streamed as chunks of ONE artifact as it is printed (each read of the pipe gives one chunk of the whole
  lines it holds; a line longer than a read is sent in pieces). The first chunk has `append=false`; after the
  output ends an empty chunk says `lastChunk=true`. Past `max_output_bytes` the rest is read and dropped (said in
  a status message), so no output can fill memory or block the command;
- stderr: each line a WORKING status message; the last lines kept for a failure;
- exit 0 -> COMPLETED; non-zero, a signal, or `--exec-timeout` -> FAILED with the tail of stderr;
- a cancel: SIGTERM to the group, SIGKILL after a grace period, then CANCELED.
`max_concurrency` runs at once; a task beyond it stays SUBMITTED until a slot frees.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import os
import signal
import tempfile
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.tasks import TaskUpdater
from a2a.types.a2a_pb2 import Part, Task, TaskState, TaskStatus
from google.protobuf.json_format import MessageToJson

if TYPE_CHECKING:
    from a2acli.agent.modes import ExecOptions

log = logging.getLogger("a2acli.serve")

ARTIFACT_NAME = "stdout"
READ_SIZE = 64 * 1024
STDERR_LINE_CHARS = 4096  # one status message at most this long
STDERR_TAIL_LINES = 20
STDERR_TAIL_CHARS = 4096
DRAIN_AFTER_EXIT = 2.0  # seconds the pipes may stay open after the command exits (a background child holds them)


@dataclass
class Run:
    """One running command: its process (the leader of its group) and whether a cancel asked it to stop."""

    process: asyncio.subprocess.Process | None = None
    canceled: bool = False


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def stop_group(process: asyncio.subprocess.Process, grace: float) -> None:
    """SIGTERM to the command's whole group; SIGKILL to the group if the leader is still there after `grace`."""
    if process.returncode is None:
        _signal_group(process.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), grace)
    # The group may outlive its leader (a child that ignored SIGTERM): it goes too.
    _signal_group(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        await process.wait()


class LineChunker:
    """Bytes -> text of whole lines, decoded incrementally (UTF-8, invalid bytes replaced)."""

    def __init__(self, max_pending: int = READ_SIZE) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._max = max_pending

    def feed(self, data: bytes) -> str:
        """The whole lines now complete (a too long partial line too, in pieces); '' when none."""
        text = self._pending + self._decoder.decode(data)
        cut = text.rfind("\n") + 1
        if cut == 0 and len(text) >= self._max:
            cut = len(text)
        self._pending = text[cut:]
        return text[:cut]

    def end(self) -> str:
        rest = self._pending + self._decoder.decode(b"", final=True)
        self._pending = ""
        return rest


class ExecAgentExecutor(AgentExecutor):
    """Runs `options.argv` for each message (module doc)."""

    def __init__(self, options: ExecOptions) -> None:
        self.options = options
        self._slots = asyncio.Semaphore(max(1, options.max_concurrency))
        self._runs: dict[str, Run] = {}

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        message = context.message
        task_id = context.task_id or str(uuid.uuid4())
        current = context.current_task
        context_id = (current.context_id if current is not None else "") or context.context_id or str(uuid.uuid4())
        updater = TaskUpdater(event_queue, task_id, context_id)
        task = current
        if task is None:
            task = Task(id=task_id, context_id=context_id, status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED))
            if message is not None:
                task.history.append(message)
            await event_queue.enqueue_event(task)
        run = Run()
        self._runs[task_id] = run
        try:
            async with self._slots:
                if run.canceled:
                    return
                await updater.start_work()
                with tempfile.TemporaryDirectory(prefix="a2a-exec-") as folder:
                    stdin, env = self._inputs(Path(folder), context, task)
                    await self._run(run, updater, stdin, env)
        finally:
            process = run.process
            if process is not None and process.returncode is None:
                await stop_group(process, self.options.kill_grace)
            self._runs.pop(task_id, None)

    def _inputs(self, folder: Path, context: RequestContext, task: Task) -> tuple[bytes, dict[str, str]]:
        message = context.message
        message_json = MessageToJson(message, indent=None) if message is not None else "{}"
        task_json = MessageToJson(task, indent=None)
        message_file = folder / "message.json"
        task_file = folder / "task.json"
        for path, body in ((message_file, message_json), (task_file, task_json)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(body)
        env = dict(os.environ)
        env.update(
            A2A_TASK_ID=task.id,
            A2A_CONTEXT_ID=task.context_id,
            A2A_MESSAGE_FILE=str(message_file),
            A2A_TASK_FILE=str(task_file),
        )
        if self.options.input == "json":
            stdin = message_json.encode()
        else:
            texts = [p.text for p in (message.parts if message is not None else ()) if p.HasField("text")]
            stdin = "\n".join(texts).encode()
        return stdin, env

    async def _run(self, run: Run, updater: TaskUpdater, stdin: bytes, env: dict[str, str]) -> None:
        options = self.options
        try:
            process = await asyncio.create_subprocess_exec(
                *options.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                start_new_session=True,  # its own process group: a cancel stops the command and its children
            )
        except OSError as exc:
            await updater.failed(updater.new_agent_message([Part(text=f"cannot run {options.program}: {exc}")]))
            return
        run.process = process
        tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        artifact_id = str(uuid.uuid4())
        sent = {"chunks": 0, "bytes": 0, "dropped": 0}
        # One writer of events at a time: stdout chunks and stderr lines interleave in the order they are read.
        lock = asyncio.Lock()

        async def feed_stdin() -> None:
            # A command may exit, or close its stdin, without reading it: the pipe is then closed under us
            # (BrokenPipe, or uvloop's RuntimeError on a closed transport). Its stdin was not wanted; not an error.
            assert process.stdin is not None
            with contextlib.suppress(OSError, RuntimeError):
                process.stdin.write(stdin)
                await process.stdin.drain()
            with contextlib.suppress(OSError, RuntimeError):
                process.stdin.close()

        async def chunk(text: str) -> None:
            if run.canceled:
                return
            room = options.max_output_bytes - sent["bytes"]
            data = text.encode()
            size = len(data)
            if size > room:
                kept = data[: max(0, room)].decode(errors="ignore")
                sent["dropped"] += size - len(kept.encode())
                if not kept:
                    return
                text, size = kept, len(kept.encode())
            async with lock:
                await updater.add_artifact(
                    [Part(text=text)],
                    artifact_id=artifact_id,
                    name=ARTIFACT_NAME,
                    append=sent["chunks"] > 0,
                )
            sent["chunks"] += 1
            sent["bytes"] += size

        async def read_stdout() -> None:
            assert process.stdout is not None
            lines = LineChunker()
            while data := await process.stdout.read(READ_SIZE):
                text = lines.feed(data)
                if text:
                    await chunk(text)
            rest = lines.end()
            if rest:
                await chunk(rest)

        async def read_stderr() -> None:
            assert process.stderr is not None
            lines = LineChunker()
            while True:
                data = await process.stderr.read(READ_SIZE)
                text = lines.feed(data) if data else lines.end()
                for line in text.splitlines():
                    if run.canceled:
                        break
                    line = line[:STDERR_LINE_CHARS]
                    tail.append(line)
                    async with lock:
                        await updater.update_status(
                            TaskState.TASK_STATE_WORKING, updater.new_agent_message([Part(text=line)])
                        )
                if not data:
                    return

        readers = [asyncio.ensure_future(f()) for f in (feed_stdin, read_stdout, read_stderr)]
        timed_out = False
        try:
            try:
                await asyncio.wait_for(process.wait(), options.timeout or None)
            except TimeoutError:
                timed_out = True
                await stop_group(process, options.kill_grace)
            # What the command printed before it exited is still in the pipes: read it, briefly.
            _done, pending = await asyncio.wait(readers, timeout=DRAIN_AFTER_EXIT)
            if pending:
                _signal_group(process.pid, signal.SIGKILL)  # a child still holds the pipes open
                for reader in pending:
                    reader.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            for reader in readers:
                if reader.done() and not reader.cancelled() and reader.exception() is not None:
                    raise reader.exception()  # type: ignore[misc]
        finally:
            for reader in readers:
                reader.cancel()
        if run.canceled:
            return  # cancel() writes CANCELED
        if sent["chunks"]:
            async with lock:
                await updater.add_artifact(
                    [Part(text="")], artifact_id=artifact_id, name=ARTIFACT_NAME, append=True, last_chunk=True
                )
        if sent["dropped"]:
            await updater.update_status(
                TaskState.TASK_STATE_WORKING,
                updater.new_agent_message(
                    [Part(text=f"output past {options.max_output_bytes} bytes was dropped ({sent['dropped']} bytes)")]
                ),
            )
        code = process.returncode
        if not timed_out and code == 0:
            await updater.complete()
            return
        name = options.command if len(options.command) <= 200 else options.program
        if timed_out:
            reason = f"{name} timed out after {options.timeout:g} s"
        elif code is not None and code < 0:
            reason = f"{name} was killed by {_signal_name(-code)}"
        else:
            reason = f"{name} exited with status {code}"
        detail = "\n".join(tail)[-STDERR_TAIL_CHARS:]
        await updater.failed(updater.new_agent_message([Part(text=f"{reason}\n{detail}" if detail else reason)]))

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        task_id = context.task_id or ""
        run = self._runs.get(task_id)
        if run is not None:
            run.canceled = True
            if run.process is not None:
                await stop_group(run.process, self.options.kill_grace)
        updater = TaskUpdater(event_queue, task_id, context.context_id or "")
        await updater.cancel()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
