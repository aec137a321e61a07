"""Card resolution against small real servers (uvicorn on 127.0.0.1, port 0) that behave and misbehave."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from a2acli.client.card_resolver import (
    LEGACY_WELL_KNOWN_PATH,
    WELL_KNOWN_PATH,
    ResolvedCard,
    classify_reference,
    resolve_card,
)
from a2acli.errors import (
    AuthFailedError,
    CardInvalidError,
    CardNotFoundError,
    TimeoutExpiredError,
    UnreachableError,
)
from a2acli.net import is_loopback_host
from a2acli.settings import ConnectionSettings
from tests.support.server import free_port, serve_in_thread

CARD: dict[str, Any] = {
    "name": "Resolver Test Agent",
    "description": "answers",
    "version": "1.0.0",
    "supportedInterfaces": [{"url": "http://127.0.0.1:1/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
    "capabilities": {},
    "defaultInputModes": ["text/plain"],
    "defaultOutputModes": ["text/plain"],
    "skills": [],
}
SEEN: list[dict[str, str]] = []
DECLARED = b"{" + b" " * (2 * 1024 * 1024) + b"}"
BOMB = gzip.compress(b"{" + b" " * (20 * 1024 * 1024) + b"}")  # ~20 KiB that inflates to 20 MiB


async def _big_body() -> AsyncIterator[bytes]:
    chunk = b" " * 65536
    for _ in range(800):  # 50 MiB, never fully read by the client
        yield chunk


def _app() -> Starlette:
    async def card(request: Request) -> Response:
        SEEN.append(dict(request.headers))
        return JSONResponse(CARD)

    async def html(request: Request) -> Response:
        return Response("<!doctype html><html><body>app</body></html>", media_type="text/html")

    async def text(request: Request) -> Response:
        return PlainTextResponse("hello, not json")

    async def array(request: Request) -> Response:
        return JSONResponse([1, 2, 3])

    async def loop_a(request: Request) -> Response:
        return RedirectResponse("/loop/b", status_code=302)

    async def loop_b(request: Request) -> Response:
        return RedirectResponse("/loop/a", status_code=302)

    async def endless(request: Request) -> Response:
        n = int(request.path_params["n"])
        return RedirectResponse(f"/endless/{n + 1}", status_code=307)

    async def moved(request: Request) -> Response:
        return RedirectResponse("/cards/ok.json", status_code=301)

    async def huge(request: Request) -> Response:
        return StreamingResponse(_big_body(), media_type="application/json")

    async def huge_declared(request: Request) -> Response:
        return Response(DECLARED, media_type="application/json")

    async def bomb(request: Request) -> Response:
        return Response(BOMB, media_type="application/json", headers={"content-encoding": "gzip"})

    async def gz(request: Request) -> Response:
        return Response(
            gzip.compress(json.dumps(CARD).encode()),
            media_type="application/json",
            headers={"content-encoding": "gzip"},
        )

    async def server_error(request: Request) -> Response:
        return Response("<html>oops</html>", status_code=500, media_type="text/html")

    async def unauthorized(request: Request) -> Response:
        return Response("", status_code=401, headers={"WWW-Authenticate": "Bearer"})

    async def guarded(request: Request) -> Response:
        """A card endpoint that asks for a bearer token (and answers with one)."""
        SEEN.append(dict(request.headers))
        if request.headers.get("authorization") == "Bearer s3cret-token":
            return JSONResponse(CARD)
        return Response("", status_code=401, headers={"WWW-Authenticate": 'Bearer realm="cards"'})

    async def slow(request: Request) -> Response:
        await asyncio.sleep(5)
        return JSONResponse(CARD)

    async def truncated(request: Request) -> Response:
        return Response(b'{"name": "x", "skills": [', media_type="application/json")

    async def deep(request: Request) -> Response:
        return Response(b"[" * 100000 + b"]" * 100000, media_type="application/json")

    async def nan(request: Request) -> Response:
        return Response(b'{"name": NaN}', media_type="application/json")

    return Starlette(
        routes=[
            Route("/cards/ok.json", card),
            Route("/cards/html.json", html),
            Route("/cards/text.json", text),
            Route("/cards/array.json", array),
            Route("/loop/a", loop_a),
            Route("/loop/b", loop_b),
            Route("/endless/{n:int}", endless),
            Route("/moved.json", moved),
            Route("/huge.json", huge),
            Route("/huge-declared.json", huge_declared),
            Route("/bomb.json", bomb),
            Route("/gz.json", gz),
            Route("/500.json", server_error),
            Route("/401.json", unauthorized),
            Route("/guarded.json", guarded),
            Route("/slow.json", slow),
            Route("/truncated.json", truncated),
            Route("/deep.json", deep),
            Route("/nan.json", nan),
            Route("/prefixed/agent" + WELL_KNOWN_PATH, card),
        ]
    )


def _origin_app(paths: dict[str, Any]) -> Starlette:
    """An agent serving given bodies at given paths (404 elsewhere)."""

    async def handler(request: Request) -> Response:
        body = paths[request.url.path]
        if isinstance(body, Response):
            return body
        return JSONResponse(body)

    return Starlette(routes=[Route(p, handler) for p in paths])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_in_thread(_app()) as base:
        yield base


def resolve(ref: str, **kwargs: Any) -> ResolvedCard:
    conn = kwargs.pop("conn", ConnectionSettings(agent_card=ref))
    return asyncio.run(resolve_card(ref, conn, **kwargs))


# ------------------------------------------------------------------------------------------------ classification


@pytest.mark.parametrize(
    ("ref", "kind", "first"),
    [
        ("localhost:8001", "url", "http://localhost:8001" + WELL_KNOWN_PATH),
        ("127.0.0.1", "url", "http://127.0.0.1" + WELL_KNOWN_PATH),
        ("[::1]:9000", "url", "http://[::1]:9000" + WELL_KNOWN_PATH),
        ("::1", "url", "http://[::1]" + WELL_KNOWN_PATH),
        ("agent.example.com", "url", "https://agent.example.com" + WELL_KNOWN_PATH),
        ("agent.example.com:8443", "url", "https://agent.example.com:8443" + WELL_KNOWN_PATH),
        ("https://agent.example.com/", "url", "https://agent.example.com" + WELL_KNOWN_PATH),
        ("https://x.example/cards/a.json", "url", "https://x.example/cards/a.json"),
        ("https://x.example/api/card", "url", "https://x.example/api/card"),
        ("http://x.example/.well-known/agent.json", "url", "http://x.example/.well-known/agent.json"),
    ],
)
def test_classify_urls(ref: str, kind: str, first: str) -> None:
    card_ref = classify_reference(ref)
    assert card_ref.kind == kind
    assert card_ref.candidates[0] == first


def test_classify_origin_has_legacy_fallback() -> None:
    assert classify_reference("localhost:1").candidates == (
        "http://localhost:1" + WELL_KNOWN_PATH,
        "http://localhost:1" + LEGACY_WELL_KNOWN_PATH,
    )
    # a URL with a path that is not a .json file may be an agent base URL mounted below a prefix
    assert classify_reference("https://x.example/agents/one").candidates[1:] == (
        "https://x.example/agents/one" + WELL_KNOWN_PATH,
        "https://x.example/agents/one" + LEGACY_WELL_KNOWN_PATH,
    )


@pytest.mark.parametrize("ref", ["./card.json", "/tmp/none.json", "~/card.json", "file:///tmp/c.json", "card.json"])
def test_classify_files(ref: str) -> None:
    assert classify_reference(ref).kind == "file"


def test_classify_stdin_and_bad() -> None:
    assert classify_reference("-").kind == "stdin"
    for bad in ("", "ftp://x/y", "http://", "host:notaport", "file://remote/x.json"):
        with pytest.raises(CardNotFoundError):
            classify_reference(bad)


def test_loopback_detection() -> None:
    assert is_loopback_host("localhost") and is_loopback_host("127.8.9.1") and is_loopback_host("[::1]")
    assert is_loopback_host("api.localhost")
    assert not is_loopback_host("example.com") and not is_loopback_host("10.0.0.1")


# ------------------------------------------------------------------------------------------------------ fetching


def test_origin_resolves_well_known_and_sends_version(server: str) -> None:
    with serve_in_thread(_origin_app({WELL_KNOWN_PATH: CARD})) as base:
        card = resolve(base)
        assert card.document == CARD
        assert json.loads(card.raw) == CARD
        assert card.source == base + WELL_KNOWN_PATH
        assert card.base_url == base
        assert card.content_type == "application/json"


def test_bare_host_port_uses_http_for_loopback() -> None:
    with serve_in_thread(_origin_app({WELL_KNOWN_PATH: CARD})) as base:
        card = resolve(base.removeprefix("http://"))
        assert card.document["name"] == CARD["name"]


def test_legacy_path_fallback_on_404() -> None:
    legacy = {"name": "Old", "url": "http://127.0.0.1:1/", "version": "0.1"}
    with serve_in_thread(_origin_app({LEGACY_WELL_KNOWN_PATH: legacy})) as base:
        card = resolve(base)
        assert card.document == legacy
        assert card.source.endswith(LEGACY_WELL_KNOWN_PATH)
        assert any("legacy" in n for n in card.notes)


def test_html_catch_all_then_legacy_card() -> None:
    html = Response("<html>spa</html>", media_type="text/html")
    with serve_in_thread(_origin_app({WELL_KNOWN_PATH: html, LEGACY_WELL_KNOWN_PATH: CARD})) as base:
        assert resolve(base).document == CARD


def test_404_on_both_paths_is_card_not_found() -> None:
    with serve_in_thread(_origin_app({"/other": {}})) as base:
        with pytest.raises(CardNotFoundError) as err:
            resolve(base)
        assert err.value.exit_status == 3
        assert "agent-card.json" in err.value.message and "agent.json" in err.value.message


def test_prefixed_base_url_falls_back_to_well_known(server: str) -> None:
    assert resolve(server + "/prefixed/agent").document == CARD


def test_full_card_url_and_version_header(server: str) -> None:
    SEEN.clear()
    card = resolve(server + "/cards/ok.json")
    assert card.document == CARD
    assert SEEN[-1]["a2a-version"] == "1.0"
    assert "authorization" not in SEEN[-1]


def test_credentials_not_sent_unless_asked(server: str) -> None:
    conn = ConnectionSettings(bearer="s3cret-token", api_key="k3y-value")
    SEEN.clear()
    resolve(server + "/cards/ok.json", conn=conn)
    assert "authorization" not in SEEN[-1] and "x-api-key" not in SEEN[-1]
    # Asked for, yet a card endpoint that declared nothing gets nothing (A2ACLI_AUTH_008) ...
    resolve(server + "/cards/ok.json", conn=conn, send_credentials=True)
    assert "authorization" not in SEEN[-1] and "x-api-key" not in SEEN[-1]
    # ... and one whose challenge takes a bearer token gets that, and only that, on the retry.
    SEEN.clear()
    assert resolve(server + "/guarded.json", conn=conn, send_credentials=True).document == CARD
    assert [h.get("authorization") for h in SEEN] == [None, "Bearer s3cret-token"]
    assert all("x-api-key" not in h for h in SEEN)
    with pytest.raises(AuthFailedError):
        resolve(server + "/guarded.json", conn=conn)


def test_credentials_dropped_on_cross_origin_redirect(server: str) -> None:
    async def hop(request: Request) -> Response:
        return RedirectResponse(server + "/cards/ok.json", status_code=302)

    async def hop_guarded(request: Request) -> Response:
        return RedirectResponse(server + "/guarded.json", status_code=302)

    conn = ConnectionSettings(bearer="s3cret-token")
    routes = [Route("/card.json", hop), Route("/guarded.json", hop_guarded)]
    with serve_in_thread(Starlette(routes=routes)) as other:
        SEEN.clear()
        card = resolve(other + "/card.json", conn=conn, send_credentials=True)
        assert card.source == server + "/cards/ok.json"
        assert card.base_url == server
        assert "authorization" not in SEEN[-1]
        # Another origin's challenge is not the asking origin's: nothing is presented there.
        SEEN.clear()
        with pytest.raises(AuthFailedError):
            resolve(other + "/guarded.json", conn=conn, send_credentials=True)
    assert SEEN and all("authorization" not in h for h in SEEN)


def test_same_origin_redirect_followed(server: str) -> None:
    card = resolve(server + "/moved.json")
    assert card.source == server + "/cards/ok.json"
    assert any("redirected" in n for n in card.notes)


def test_gzip_body_decoded(server: str) -> None:
    assert resolve(server + "/gz.json").document == CARD


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("/cards/html.json", "HTML"),
        ("/cards/text.json", "not valid JSON"),
        ("/cards/array.json", "array"),
        ("/truncated.json", "not valid JSON"),
        ("/deep.json", "nested"),
        ("/nan.json", "not valid JSON"),
    ],
)
def test_not_a_card_is_invalid(server: str, path: str, needle: str) -> None:
    with pytest.raises(CardInvalidError) as err:
        resolve(server + path)
    assert needle in err.value.message
    assert err.value.exit_status == 1
    assert "\n" not in err.value.message


def test_redirect_loop_is_bounded(server: str) -> None:
    with pytest.raises(CardNotFoundError, match="redirect loop"):
        resolve(server + "/loop/a")
    with pytest.raises(CardNotFoundError, match="too many redirects"):
        resolve(server + "/endless/0")


@pytest.mark.parametrize("path", ["/huge.json", "/huge-declared.json", "/bomb.json"])
def test_size_cap(server: str, path: str) -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(CardInvalidError, match="larger than"):
            resolve(server + path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # a 50 MiB body is never held whole


def test_size_cap_configurable(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CardInvalidError, match="larger than 100 bytes"):
        resolve(server + "/cards/ok.json", max_bytes=100)
    monkeypatch.setenv("A2ACLI_MAX_CARD_BYTES", "50")
    with pytest.raises(CardInvalidError, match="larger than 50 bytes"):
        resolve(server + "/cards/ok.json")


def test_http_errors(server: str) -> None:
    with pytest.raises(UnreachableError) as err:
        resolve(server + "/500.json")
    assert err.value.a2a_code == 500
    with pytest.raises(AuthFailedError):
        resolve(server + "/401.json")


def test_unreachable() -> None:
    with pytest.raises(UnreachableError) as err:
        resolve(f"127.0.0.1:{free_port()}")
    assert err.value.exit_status == 3


def test_timeout(server: str) -> None:
    conn = ConnectionSettings(timeout=0.5)
    with pytest.raises(TimeoutExpiredError) as err:
        resolve(server + "/slow.json", conn=conn)
    assert err.value.exit_status == 5


# ------------------------------------------------------------------------------------------------ local sources


def test_file_path_and_file_url(tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    path.write_text(json.dumps(CARD))
    for ref in (str(path), path.as_uri()):
        card = resolve(ref)
        assert card.document == CARD
        assert card.base_url is None
        assert card.source == str(path)


def test_relative_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mycard.json").write_text(json.dumps(CARD))
    assert resolve("mycard.json").document == CARD
    with pytest.raises(CardNotFoundError, match="no card file"):
        resolve("missing.json")
    with pytest.raises(CardNotFoundError, match="directory"):
        resolve("./")


def test_file_too_big_and_bad_utf8(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b"{" + b" " * (2 * 1024 * 1024) + b"}")
    with pytest.raises(CardInvalidError, match="larger than"):
        resolve(str(big))
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"name": "\xff\xfe"}')
    with pytest.raises(CardInvalidError, match="UTF-8"):
        resolve(str(bad))


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeStdin:
        buffer = io.BytesIO(json.dumps(CARD).encode())

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    card = resolve("-")
    assert card.document == CARD and card.source == "stdin"


# ------------------------------------------------------------------------------------------------------ caching


def _caching_app(counter: dict[str, int]) -> Starlette:
    body = json.dumps(CARD).encode()

    def handler(headers: dict[str, str]) -> Any:
        async def route(request: Request) -> Response:
            counter[request.url.path] = counter.get(request.url.path, 0) + 1
            counter["conditional"] = counter.get("conditional", 0) + ("if-none-match" in request.headers)
            if request.headers.get("if-none-match") == '"v1"' and "etag" in {k.lower() for k in headers}:
                return Response(status_code=304, headers={"ETag": '"v1"'})
            return Response(body, media_type="application/json", headers=headers)

        return route

    return Starlette(
        routes=[
            Route("/etag.json", handler({"ETag": '"v1"', "Cache-Control": "no-cache"})),
            Route("/fresh.json", handler({"Cache-Control": "max-age=60"})),
            Route("/nostore.json", handler({"Cache-Control": "no-store", "ETag": '"v1"'})),
            Route("/plain.json", handler({})),
        ]
    )


def test_card_cache_revalidates_and_honours_max_age(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    counter: dict[str, int] = {}
    with serve_in_thread(_caching_app(counter)) as base:
        first = resolve(base + "/etag.json")
        second = resolve(base + "/etag.json")
        assert second.document == first.document == CARD and second.raw == first.raw
        assert counter["/etag.json"] == 2 and counter["conditional"] == 1  # the second was a 304
        assert any("304" in n for n in second.notes)
        resolve(base + "/fresh.json")
        fresh = resolve(base + "/fresh.json")
        assert counter["/fresh.json"] == 1  # served from the cache, no request
        assert any("cache" in n for n in fresh.notes)
        for _ in range(2):
            resolve(base + "/nostore.json")
            resolve(base + "/plain.json")
        assert counter["/nostore.json"] == 2 and counter["/plain.json"] == 2
        # credentials sent to the card endpoint: never cached, never served from cache
        resolve(base + "/fresh.json", conn=ConnectionSettings(bearer="tok-12345"), send_credentials=True)
        assert counter["/fresh.json"] == 2
        monkeypatch.setenv("A2ACLI_CARD_CACHE", "off")
        resolve(base + "/fresh.json")
        assert counter["/fresh.json"] == 3


def test_card_cache_is_keyed_by_a2a_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    counter: dict[str, int] = {}
    with serve_in_thread(_caching_app(counter)) as base:
        resolve(base + "/fresh.json")
        resolve(base + "/fresh.json", conn=ConnectionSettings(a2a_version="0.3"))
        assert counter["/fresh.json"] == 2


def test_corrupt_cache_entries_are_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    counter: dict[str, int] = {}
    with serve_in_thread(_caching_app(counter)) as base:
        resolve(base + "/fresh.json")
        entries = list((tmp_path / "a2a-cli" / "cards").glob("*.json"))
        assert len(entries) == 1 and oct(entries[0].stat().st_mode & 0o777) == "0o600"
        for entry in entries:
            entry.write_text("{not json")
        assert resolve(base + "/fresh.json").document == CARD
        assert counter["/fresh.json"] == 2
