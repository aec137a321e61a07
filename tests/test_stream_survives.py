"""`a2a send --stream` / `a2a stream` through a proxy that cuts the event stream mid-flight: the CLI resumes by
itself (SubscribeToTask, GetTask fallback) and the user sees every word exactly once, then the final state."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from a2acli.cli import run
from tests.support.agent import demo_agent
from tests.test_resume_proxy import cutting_proxy

TEXT = "one two three four five six seven eight nine ten eleven twelve"


@pytest.mark.parametrize("cuts", [[4], [3, 2]])
def test_cut_streams_are_resumed_without_losing_or_repeating_a_word(
    cuts: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    with cutting_proxy(cuts) as proxy, demo_agent(text=TEXT, delay=0.05, public_url=proxy.url) as url:
        upstream = urlsplit(url)
        proxy.upstream = (upstream.hostname or "127.0.0.1", int(upstream.port or 0))
        code = run(["send", "go", "-a", url, "--stream", "-o", "json", "--transport", "JSONRPC"])
        out, err = capsys.readouterr()
        assert proxy.cut_done == len(cuts), err
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    words = "".join(
        p.get("text", "") for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"]
    )
    assert words == TEXT
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert "reconnecting" in err or "dropped" in err


def test_cut_stream_in_the_text_floor(capsys: pytest.CaptureFixture[str]) -> None:
    with cutting_proxy([5]) as proxy, demo_agent(text=TEXT, delay=0.05, public_url=proxy.url) as url:
        upstream = urlsplit(url)
        proxy.upstream = (upstream.hostname or "127.0.0.1", int(upstream.port or 0))
        code = run(["stream", "go", "-a", url])
        out, err = capsys.readouterr()
    assert code == 0, err
    assert f"Artifact: response\n{TEXT}\n\n" in out  # one block, every word once
    assert "the stream dropped" in err
    assert out.splitlines()[-2] == "State: COMPLETED"
