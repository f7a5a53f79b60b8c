"""The private parts of Textual the app overrides or uses, named so that an upgrade that changes
them fails here rather than in a chair's meeting.

Textual has no public hook for an unhandled error: it prints a traceback with local variables,
which would show a child's details. `CoreGroupApp` overrides `App._handle_exception` (where an
error arrives) and `App._fatal_error` (which prints it) to print only the kind of error and
where it happened. tests/test_tui_safety.py checks the report itself.
"""

from __future__ import annotations

import inspect

from textual.app import App

from tui.app import CoreGroupApp


def test_the_overridden_private_methods_still_exist_with_the_same_signatures() -> None:
    assert list(inspect.signature(App._handle_exception).parameters) == ["self", "error"]
    assert list(inspect.signature(App._fatal_error).parameters) == ["self"]
    assert CoreGroupApp._handle_exception is not App._handle_exception
    assert CoreGroupApp._fatal_error is not App._fatal_error


def test_what_the_overrides_use_of_textual_is_still_there() -> None:
    # Attributes the overrides read or set: a rename in Textual would break the crash report.
    source = inspect.getsource(App)
    for name in ("_return_code", "_exception", "_exception_event", "_exit_renderables", "_close_messages_no_wait"):
        assert name in source, name


def test_the_footer_key_the_keys_footer_styles_is_still_there() -> None:
    # tui/widgets/footer.py makes each key in the footer's style from the start (a private class).
    from textual.widgets._footer import FooterKey

    assert isinstance(FooterKey.compact, object) and "compact" in dict(inspect.getmembers(FooterKey))
    assert "-compact" in inspect.getsource(FooterKey) or "compact" in inspect.getsource(FooterKey)
