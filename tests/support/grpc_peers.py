"""Real gRPC peers for the gRPC tests: an HTTP/2 server that misbehaves on purpose (h2, no grpcio, so it can say
what grpcio never would), a TCP proxy that cuts a gRPC stream after N bytes from the server, and a card file
naming a gRPC target. Loopback only; every loop is bounded."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def grpc_card(path: Path, target: str, *, version: str = "1.0", extra: list[dict[str, Any]] | None = None) -> str:
    """Write a 1.0 card whose first interface is GRPC at `target` (then `extra` ones); return its path."""
    card = {
        "name": "gRPC peer",
        "description": "a card naming a gRPC target",
        "version": "1.0.0",
        "supportedInterfaces": [{"url": target, "protocolBinding": "GRPC", "protocolVersion": version}, *(extra or [])],
        "capabilities": {"streaming": True},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [],
    }
    path.write_text(json.dumps(card))
    return str(path)


def frame(message: bytes) -> bytes:
    """One gRPC length-prefixed message."""
    return b"\x00" + struct.pack(">I", len(message)) + message


def stream_message(text: str = "hello") -> bytes:
    from a2a.types import a2a_pb2

    msg = a2a_pb2.Message(message_id="m-1", role=a2a_pb2.ROLE_AGENT, parts=[a2a_pb2.Part(text=text)])
    return a2a_pb2.StreamResponse(message=msg).SerializeToString()


def working_task() -> bytes:
    from a2a.types import a2a_pb2

    task = a2a_pb2.Task(id="t-1", context_id="c-1", status=a2a_pb2.TaskStatus(state=a2a_pb2.TASK_STATE_WORKING))
    return a2a_pb2.StreamResponse(task=task).SerializeToString()


class HostileGrpc:
    """An HTTP/2 server answering every call as `mode` says:

    - `status:N` -> trailers-only answer with grpc-status N (any number, e.g. 99) and a message;
    - `cut` -> headers, then half of a message, then the connection is closed;
    - `big:N` -> one well-formed StreamResponse message of about N bytes, then OK;
    - `garbage` -> one message whose bytes are not a protobuf, then OK;
    - `stall` -> a WORKING task, then nothing for up to 10 s (the client is to give up first).
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.target = f"127.0.0.1:{self.port}"
        self.calls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        import h2.config
        import h2.connection
        import h2.events

        conn.settimeout(5)
        h2c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
        h2c.initiate_connection()
        conn.sendall(h2c.data_to_send())
        with contextlib.suppress(OSError):
            for _ in range(1000):  # bounded
                data = conn.recv(65536)
                if not data:
                    return
                for event in h2c.receive_data(data):
                    if isinstance(event, h2.events.StreamEnded):
                        self.calls += 1
                        if self._answer(conn, h2c, event.stream_id):
                            conn.close()
                            return
                    elif isinstance(event, h2.events.DataReceived):
                        h2c.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                conn.sendall(h2c.data_to_send())
        conn.close()

    def _answer(self, conn: socket.socket, h2c: Any, sid: int) -> bool:
        """Answer stream `sid`; True when the connection is to be closed now."""
        headers = [(":status", "200"), ("content-type", "application/grpc")]
        mode, _, arg = self.mode.partition(":")
        if mode == "status":
            trailers = [("grpc-status", arg), ("grpc-message", "a status no one defined")]
            h2c.send_headers(sid, [*headers, *trailers], end_stream=True)
            conn.sendall(h2c.data_to_send())
            return False
        h2c.send_headers(sid, headers)
        if mode == "stall":
            h2c.send_data(sid, frame(working_task()))
            conn.sendall(h2c.data_to_send())
            self._stop.wait(10)
            return True
        if mode == "cut":
            body = frame(stream_message())
            h2c.send_data(sid, body[: len(body) // 2])
            conn.sendall(h2c.data_to_send())
            return True
        payload = stream_message("x" * int(arg)) if mode == "big" else b"\xff\xff\xff\xff not protobuf"
        body = frame(payload)
        max_frame = h2c.max_outbound_frame_size
        sent = 0
        for _ in range(100000):  # bounded; waits for window updates by reading
            if sent >= len(body):
                break
            window = min(h2c.local_flow_control_window(sid), max_frame)
            if window <= 0:
                conn.sendall(h2c.data_to_send())
                data = conn.recv(65536)
                if not data:
                    return True
                h2c.receive_data(data)
                continue
            chunk = body[sent : sent + window]
            h2c.send_data(sid, chunk)
            sent += len(chunk)
            conn.sendall(h2c.data_to_send())
        h2c.send_headers(sid, [("grpc-status", "0")], end_stream=True)
        conn.sendall(h2c.data_to_send())
        return False

    def __enter__(self) -> HostileGrpc:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


class CuttingGrpcProxy:
    """TCP proxy to `upstream`; the first `cuts` connections are closed once the server has sent `after` bytes
    more than its first `skip` (so unary calls on later connections, and the resubscription, pass untouched)."""

    def __init__(self, upstream: tuple[str, int], *, cuts: int = 1, after: int = 1500) -> None:
        self.upstream = upstream
        self.cuts_left = cuts
        self.after = after
        self.cut_done = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.target = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._lock = threading.Lock()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                continue
            with self._lock:
                cut = self.cuts_left > 0
                if cut:
                    self.cuts_left -= 1
            upstream = socket.create_connection(self.upstream, timeout=10)
            threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
            threading.Thread(
                target=self._pipe, args=(upstream, client, self.after if cut else None), daemon=True
            ).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, limit: int | None) -> None:
        sent = 0
        with contextlib.suppress(OSError):
            for _ in range(1_000_000):  # bounded
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
                sent += len(data)
                if limit is not None and sent > limit:
                    with self._lock:
                        self.cut_done += 1
                    break
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def __enter__(self) -> CuttingGrpcProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@contextlib.contextmanager
def hostile_grpc(mode: str) -> Iterator[HostileGrpc]:
    with HostileGrpc(mode) as server:
        yield server
