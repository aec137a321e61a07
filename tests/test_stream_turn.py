"""`client.turn.run_turn` on its own: a real demo agent, a recording presenter, nothing written by the turn.

The CLI tests check what a user sees; these check the contract between the turn and any presenter: the order
of the calls, the ids at the end, typed notices instead of output, and the typed errors of Ctrl-C and --timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from a2acli.client.message import build_request
from a2acli.client.turn import TurnPlan, run_turn
from a2acli.errors import DeadlineExpired, Interrupted
from a2acli.render import notices
from a2acli.render.events_output import PresenterBase, TurnIds
from a2acli.settings import connection_settings
from tests.support.agent import demo_agent


class Recorder(PresenterBase):
    """Every call the turn makes, in order."""

    def __init__(self, *, wants_events: bool = True, wants_result: bool = True) -> None:
        self.wants_events = wants_events
        self.wants_result = wants_result
        self.takes_raw = False
        self.calls: list[tuple[str, Any]] = []

    def start(self, ids: TurnIds | None = None) -> None:
        self.calls.append(("start", None))

    def event(self, event: dict[str, Any]) -> None:
        self.calls.append(("event", event))

    def notice(self, notice: notices.Notice) -> None:
        self.calls.append(("notice", notice))

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        self.calls.append(("finish", (result, ids)))

    def abort(self, ids: TurnIds) -> None:
        self.calls.append(("abort", ids))

    def close(self) -> None:
        self.calls.append(("close", None))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.calls]


@pytest.fixture(scope="module")
def agent() -> Iterator[str]:
    with demo_agent(delay=0.01) as url:
        yield url


def _turn(url: str, text: str, presenter: Recorder, **plan: Any) -> None:
    settings = connection_settings(agent_card=url, timeout=plan.get("timeout"))
    request = build_request([{"text": text}])
    asyncio.run(run_turn(settings, TurnPlan(request=request, **{"streaming": True, **plan}), presenter))


def test_a_streamed_turn_calls_the_presenter_in_order_and_writes_nothing(
    agent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    presenter = Recorder()
    _turn(agent, "hello", presenter)
    assert capsys.readouterr() == ("", "")
    kinds = presenter.kinds()
    assert kinds[0] == "start" and kinds[-3:] == ["finish", "notice", "close"]
    assert set(kinds[1:-3]) == {"event"}
    result, ids = presenter.calls[-3][1]
    assert ids.state == "TASK_STATE_COMPLETED" and ids.task_id and ids.context_id
    assert result["task"]["id"] == ids.task_id  # what the events built, for a presenter that wants it
    outcome = presenter.calls[-2][1]
    assert isinstance(outcome, notices.Outcome) and outcome.state == "TASK_STATE_COMPLETED"


def test_a_presenter_of_the_final_object_gets_the_task_as_the_agent_holds_it(agent: str) -> None:
    presenter = Recorder(wants_events=False)
    _turn(agent, "hello", presenter, streaming=False)
    assert presenter.kinds() == ["start", "finish", "notice", "close"]
    result, ids = presenter.calls[1][1]
    assert result["task"]["status"]["state"] == ids.state == "TASK_STATE_COMPLETED"
    assert result["task"]["artifacts"]


def test_cancelling_the_turn_is_an_interruption_with_the_ids_and_the_resume_command(agent: str) -> None:
    presenter = Recorder()

    async def main() -> None:
        settings = connection_settings(agent_card=agent)
        plan = TurnPlan(
            request=build_request([{"text": "/scenario long-running 30"}]),
            streaming=True,
            cancel_on_interrupt=True,
            follow_up=lambda ids: [f"a2a task subscribe {ids.task_id}"],
        )
        turn = asyncio.ensure_future(run_turn(settings, plan, presenter))
        while not any(kind == "event" for kind in presenter.kinds()):
            await asyncio.sleep(0.05)
        turn.cancel()  # what asyncio.run does on Ctrl-C
        await turn

    with pytest.raises(Interrupted) as caught:
        asyncio.run(main())
    ids = next(value for kind, value in presenter.calls if kind == "abort")
    assert caught.value.message.startswith(f"interrupted (task {ids.task_id}, context ")
    assert caught.value.hint == f"a2a task subscribe {ids.task_id}"
    assert ("notice", notices.CancelRequested(ids.task_id)) in presenter.calls
    assert ids.state == "TASK_STATE_CANCELED"
    assert presenter.kinds()[-2:] == ["abort", "close"]


def test_the_timeout_with_a_task_under_way_is_a_deadline_naming_it(agent: str) -> None:
    presenter = Recorder()
    with pytest.raises(DeadlineExpired) as caught:
        _turn(agent, "/scenario long-running 30", presenter, timeout=1.0)
    ids = next(value for kind, value in presenter.calls if kind == "abort")
    assert caught.value.message.startswith(f"--timeout expired before the task finished (task {ids.task_id}")
    assert caught.value.exit_status == 5
