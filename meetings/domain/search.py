"""Finding cases in the case list: the one matching rule for the app's search box and for
`coregroup cases --search/--worker/--overdue`, and the cleaning of a case's text for one line of a
table or a tab-separated file. Pure: it reads what the case list holds of a case (its index summary).

Search: the query is split into words; a case matches when every word appears, ignoring case, in
the child's name, the case id, the plan (in words, as the list shows it) or the lead social worker.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from .settings import Settings
from .timescales import summary_core_group_due
from .wording import and_list, humanise


class ListedCase(Protocol):
    """The fields of a `store.CaseSummary` the search reads."""

    @property
    def id(self) -> str: ...
    @property
    def children(self) -> str: ...
    @property
    def plan_categories(self) -> Sequence[str]: ...
    @property
    def lead_social_worker(self) -> str: ...
    @property
    def icpc_date(self) -> str: ...
    @property
    def last_meeting(self) -> str | None: ...
    @property
    def next_meeting(self) -> str | None: ...
    @property
    def plan_ended_on(self) -> str | None: ...
    @property
    def open_action_due(self) -> Sequence[str | None]: ...


C = TypeVar("C", bound=ListedCase)

# Control characters (tabs, line breaks, escape sequences) and the Unicode line and paragraph
# separators: none belongs inside one cell of a table or one field of a tab-separated line.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """`text` safe for one field of a line: every run of control characters (a tab, a line break,
    an escape) becomes one space. Nothing else changes."""
    return _BREAKS.sub(" ", text)


def one_line_each(texts: list[str]) -> list[str]:
    """`one_line` of each text; the texts are looked at together first, since almost none needs it."""
    if not _BREAKS.search("".join(texts)):
        return texts
    return [one_line(t) for t in texts]


def plan_words(categories: Iterable[str]) -> str:
    """The plan's categories in words, as the case list shows them: 'neglect and emotional abuse'."""
    return and_list([humanise(c) for c in categories])


def query_words(query: str) -> list[str]:
    """The words of a search, folded for caseless matching; none means every case matches."""
    return query.casefold().split()


def search_text(case: ListedCase) -> str:
    """What the search looks in, folded: child, case id, plan in words and lead social worker,
    one field a line (a query word never holds a line break, so it never matches across two)."""
    return "\n".join((case.children, case.id, plan_words(case.plan_categories), case.lead_social_worker)).casefold()


def matches(words: Sequence[str], text: str) -> bool:
    """Whether every query word (from `query_words`) is in a case's `search_text`."""
    return all(word in text for word in words)


def narrows(before: Sequence[str], after: Sequence[str]) -> bool:
    """Whether every case matching the words `after` also matches `before` (each earlier word is
    inside a later one: a letter typed at the end, a word added), so a search as you type need
    only look again among the cases it found for the key before."""
    return all(any(old in new for new in after) for old in before)


def matching(texts: Sequence[str], words: Sequence[str], among: Iterable[int] | None = None) -> list[int]:
    """The positions of the `search_text`s holding every word (of those in `among`, if given),
    in order: one tight pass over the strings for each word."""
    at = list(range(len(texts))) if among is None else list(among)
    for word in words:
        at = [i for i in at if word in texts[i]]
    return at


def search(cases: Iterable[C], query: str) -> list[C]:
    """The cases matching `query`, in the order given."""
    words = query_words(query)
    if not words:
        return list(cases)
    return [case for case in cases if matches(words, search_text(case))]


def worker_matches(name: str, worker: str) -> bool:
    """Whether a lead social worker is the one named: every word of `name` is a whole word of the
    worker's name, ignoring case ('kaur' and 'Priya Kaur' name Priya Kaur; 'sam' does not name
    Samantha Lee). An empty name matches no one."""
    wanted = query_words(name)
    have = set(worker.casefold().split())
    return bool(wanted) and all(word in have for word in wanted)


def overdue_actions(case: ListedCase, today: dt.date) -> int:
    """Open actions whose due date has passed."""
    iso = today.isoformat()
    return sum(1 for due in case.open_action_due if due is not None and due < iso)


class DueDates:
    """The timescale due date of each case's next core group (`summary_core_group_due`), worked
    out once for each distinct set of dates: thousands of cases share a handful of ICPC dates, and
    a case with no core group yet counts working days."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._known: dict[tuple[str, str | None, str | None, str | None], dt.date | None] = {}

    def __call__(self, case: ListedCase) -> dt.date | None:
        key = (case.icpc_date, case.last_meeting, case.next_meeting, case.plan_ended_on)
        try:
            return self._known[key]
        except KeyError:
            due = self._known[key] = summary_core_group_due(case, self.settings)
            return due


def is_overdue(case: ListedCase, today: dt.date, due: dt.date | None) -> bool:
    """Overdue, as `coregroup cases --overdue` means it: the next core group's timescale date
    (`due`) has passed, or an open action is past its due date."""
    return (due is not None and due < today) or overdue_actions(case, today) > 0
