"""A real crash: the app is killed with SIGKILL mid-meeting, and nothing typed half a second before
is lost: the writer gathers keys for a quarter of a second, then writes them (a few milliseconds;
the rest of the half second allows for a loaded machine)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from meetings.storage.store import Store

DEMO_ID = "DEMO-0001"
WORDS = "Robin said the new flat is warm and Sam now walks her to school"

CHILD = textwrap.dedent(
    """
    import asyncio, datetime as dt, os, signal, sys
    from meetings.domain.settings import Settings
    from meetings.storage.store import Store
    from tui.app import CoreGroupApp

    async def main() -> None:
        # The real writer delay, as a chair would run it.
        app = CoreGroupApp(Store(sys.argv[1]), Settings(), clock=lambda: dt.datetime(2026, 11, 20, 10, 0))
        async with app.run_test(size=(80, 24)) as pilot:
            for key in ("enter", "m", "ctrl+s", "escape"):  # open the case, start a meeting, walk-through
                await pilot.press(key)
                await pilot.pause()
            await pilot.press(*sys.argv[2])
            await pilot.pause(0.5)
            os.kill(os.getpid(), signal.SIGKILL)  # no exit, no flush, no unlock

    asyncio.run(main())
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_after_sigkill_every_word_typed_half_a_second_earlier_is_on_disk(store: Store, tmp_path: Path) -> None:
    script = tmp_path / "chair.py"
    script.write_text(CHILD, encoding="utf-8")
    child = subprocess.run(
        [sys.executable, str(script), str(store.root), WORDS], capture_output=True, text=True, timeout=180
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]

    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        meeting = case_file.case.meetings[-1]
        assert meeting.number == 3  # the meeting the child started
        assert meeting.steps[0].notes == WORDS

    # The lock died with the process: the case opens for editing, and the meeting can go on.
    with Store(store.root).open(DEMO_ID) as case_file:
        assert not case_file.read_only
        case_file.case.meetings[-1].steps[0].notes += " (continued)"
        case_file.save(case_file.case.meetings[-1])
