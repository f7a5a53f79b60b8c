"""Hypothesis strategies for case files the import accepts.

`valid_cases`: ordinary cases, the shape a chair's case takes (a few of each record, dates of this
century). `edge_cases`: every field of every record, each drawn from the whole of what the schema
allows, leaning on its edges: dates on the first and last day a case may hold, texts of the
longest length allowed, characters that are unusual but allowed (markup, combining marks, emoji,
zero-width and right-to-left letters, noncharacters), empty lists, many records, optional fields
left empty, numbers up to the largest a case file can store. Every case drawn is valid: the
generator keeps to the rules across fields (`check`) and across records (`Case.check`); a drawn
case the schema refuses is a mistake here, not a reason to skip it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from typing import Any

from hypothesis import strategies as st

from meetings.domain import schema
from meetings.domain.records import (
    ASSESSMENT_TYPES,
    SCHEMA_VERSION,
    ActionStatus,
    ActionType,
    AssessmentStatus,
    AttendanceMode,
    AttendanceStatus,
    Case,
    Gender,
    Impact,
    MeetingMode,
    Mobility,
    PlanCategory,
    Relationship,
    SessionMode,
    SourceKind,
)

# ----- ordinary cases ---------------------------------------------------------------------------
# What a one-line field may hold: no control characters, no line or paragraph separators (Zl, Zp),
# no bidirectional embeddings, overrides or isolates (meetings/domain/text.py).
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_ONE_LINE = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters=_BIDI_CONTROLS),
    max_size=20,
)
_NAME = _ONE_LINE.filter(lambda s: s.strip() != "")
_NOTES = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00\x7f\r"), max_size=60).filter(
    lambda s: all(c in "\n\t" or ord(c) >= 0x20 for c in s)
)
_DATES = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))
_ANSWER = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), _NOTES)


def _iso(day: dt.date) -> str:
    return day.isoformat()


@st.composite
def valid_cases(draw: st.DrawFn) -> dict[str, Any]:
    """An ordinary case: a few of each record, dates of this century."""
    people_ids = draw(st.lists(st.integers(1, 500), unique=True, max_size=4))
    people = [
        {
            "id": pid,
            "name": draw(_NAME),
            "relationship": draw(st.sampled_from(Relationship)).value,
            "gender": draw(st.sampled_from(Gender)).value,
            "lives_in_household": draw(st.booleans()),
            "known_to": draw(st.lists(_ONE_LINE, max_size=2)),
            "risks": draw(_NOTES),
        }
        for pid in people_ids
    ]
    person = st.one_of(st.none(), st.sampled_from(people_ids)) if people_ids else st.none()
    numbers = draw(st.lists(st.integers(1, 300), unique=True, max_size=3))
    meetings = []
    for number in numbers:
        online = draw(st.booleans())
        meetings.append(
            {
                "number": number,
                "date": _iso(draw(_DATES)),
                "start_time": draw(st.sampled_from([None, "09:30", "14:00"])),
                "mode": "online" if online else "in_person",
                "mode_reason": draw(_NAME) if online else draw(_NOTES),
                "attendees": [
                    {
                        "name": draw(_NAME),
                        "person_id": draw(person),
                        "status": AttendanceStatus.ATTENDED.value,
                        "mode": draw(st.sampled_from(AttendanceMode)).value,
                    }
                    for _ in range(draw(st.integers(0, 3)))
                ],
                "steps": [
                    {
                        "key": key,
                        "title": draw(_NAME),
                        "notes": draw(_NOTES),
                        "answers": draw(st.dictionaries(_ONE_LINE, _ANSWER, max_size=3)),
                    }
                    for key in draw(st.lists(st.sampled_from(["welcome", "visits", "scaling"]), unique=True))
                ],
                "decisions": draw(_NOTES),
            }
        )
    actions = []
    for number in draw(st.lists(st.integers(1, 900), unique=True, max_size=5)):
        kind = draw(st.sampled_from(ActionType))
        status = draw(st.sampled_from(ActionStatus))
        actions.append(
            {
                "number": number,
                "text": draw(_NOTES.filter(lambda s: s.strip() != "")),
                "type": kind.value,
                "person_id": draw(person),
                "raised_at": draw(st.one_of(st.none(), st.sampled_from(numbers))) if numbers else None,
                "due": draw(st.one_of(st.none(), _DATES.map(_iso))),
                "status": status.value,
                "evidence": draw(_NAME),
                "decision_informed": draw(_NAME),
            }
        )
    chronology = []
    for entry_id in draw(st.lists(st.integers(1, 5000), unique=True, max_size=4)):
        day = draw(_DATES)
        chronology.append(
            {
                "id": entry_id,
                "date": _iso(day),
                "end_date": draw(st.one_of(st.none(), st.just(_iso(day + dt.timedelta(days=3))))),
                "source": draw(_NAME),
                "event": draw(_NOTES.filter(lambda s: s.strip() != "")),
                "impact": draw(st.sampled_from(Impact)).value,
            }
        )
    concerns = [
        {
            "id": cid,
            "received_on": _iso(draw(_DATES)),
            "source_kind": draw(st.sampled_from(SourceKind)).value,
            "reported": draw(_NOTES.filter(lambda s: s.strip() != "")),
            "response": draw(_NOTES),
        }
        for cid in draw(st.lists(st.integers(1, 99), unique=True, max_size=3))
    ]
    born = draw(st.booleans())
    return {
        "id": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}", fullmatch=True)),
        "children": [
            {
                "id": 1,
                "name": draw(_NAME),
                "date_of_birth": _iso(draw(_DATES)) if born else None,
                "due_date": None if born else _iso(draw(_DATES)),
                "mobility": draw(st.sampled_from([Mobility.MOBILE, Mobility.NON_MOBILE])).value
                if born
                else Mobility.UNBORN.value,
            }
        ],
        "plan_categories": [c.value for c in draw(st.lists(st.sampled_from(PlanCategory), min_size=1, unique=True))],
        "icpc_date": _iso(draw(_DATES)),
        "review_conferences": [_iso(d) for d in draw(st.lists(_DATES, max_size=2))],
        "lead_social_worker": draw(_ONE_LINE),
        "danger_statement": draw(_NOTES),
        "people": people,
        "meetings": meetings,
        "actions": actions,
        "concerns": concerns,
        "chronology": chronology,
    }


# ----- cases at the edges of what the schema allows ---------------------------------------------
# Characters a chair or another system may well put in a case, all of them allowed: markup, an
# escape, combining marks, emoji with skin tones and joiners, zero-width characters, a byte-order
# mark, right-to-left letters (the bidirectional controls are refused, the letters are not),
# full-width and no-break spaces, a private-use character and the noncharacters U+FFFE and U+FFFF.
_UNUSUAL = (
    "[b]", "[/]", "[@click=app.quit]", "\\[", "\u0301", "e\u0301", "\U0001f9d2\U0001f3fd", "\U0001f468\u200d\U0001f469",
    "\u200b", "\u200d", "\ufeff", "\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627", "\u00a0", "\u3000",
    "\ue000", "\U0010fffd", "\ufffe", "\uffff", "%s", "{}", "&<>\"'", "\u00df", "\u0130",
)  # fmt: skip
_ONE_LINE_CHARS = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters=_BIDI_CONTROLS + "\x85")
_MANY_LINES_CHARS = st.one_of(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00\x7f\x85").filter(
        lambda c: c in "\n\t\r" or ord(c) >= 0x20
    ),
    st.sampled_from("\n\t"),
)
_EDGE_DAYS = (
    schema.EARLIEST_DATE,
    schema.EARLIEST_DATE + dt.timedelta(days=1),
    schema.LATEST_DATE,
    schema.LATEST_DATE - dt.timedelta(days=1),
    dt.date(2000, 2, 29),
    dt.date(2100, 2, 28),
    dt.date(1999, 12, 31),
)
_ANY_DAY = st.one_of(
    st.sampled_from(_EDGE_DAYS), st.dates(min_value=schema.EARLIEST_DATE, max_value=schema.LATEST_DATE)
)
_LIMIT = 2**63  # the largest whole numbers a case file can store (schema._INT_LIMIT)
# Number fields with no limit of their own whose record keeps them in a range.
_RANGES: dict[str, tuple[int, int]] = {"age": (0, 120), "attendance_percent": (0, 100)}
# Number fields that name another record: made to name one by `_link` (or nothing).
_LINKS = frozenset({"person_id", "raised_at", "meeting", "child_id"})
_COLLECTION_KEYS = {
    "children": "id",
    "people": "id",
    "meetings": "number",
    "actions": "number",
    "concerns": "id",
    "chronology": "id",
    "services": "id",
    "breaches": "id",
    "visits": "id",
}


@st.composite
def _text(draw: st.DrawFn, meta: typing.Mapping[str, Any]) -> str:
    """Empty, short (allowed characters, unusual ones among them), or now and then the longest
    text allowed: one character repeated, or lines of notes."""
    multiline = bool(meta.get("multiline"))
    limit = int(meta.get("max_length", 200_000))
    roll = draw(st.integers(0, 39))
    if roll == 39:
        filler = "Line of fictional notes.\n" if multiline else "W"
        char = draw(st.sampled_from([filler, "x", "\u00e9", "[", "\U0001f9d2", "\u05e9"]))
        found = (char * (limit // len(char) + 1))[:limit]
    elif roll < 6 and not meta.get("required"):
        found = ""
    else:
        chars = _MANY_LINES_CHARS if multiline else _ONE_LINE_CHARS
        pieces = draw(st.lists(st.one_of(chars, st.sampled_from(_UNUSUAL)), max_size=6))
        found = "".join(pieces)[:limit]
    if meta.get("required") and not found.strip():
        found += "Fictional"
    return found


def _number(name: str, meta: typing.Mapping[str, Any]) -> st.SearchStrategy[int]:
    lo, hi = _RANGES.get(name, (-_LIMIT, _LIMIT - 1))
    if meta.get("minimum") is not None:
        lo = max(lo, meta["minimum"])
    if meta.get("maximum") is not None:
        hi = min(hi, meta["maximum"])
    return st.one_of(st.sampled_from(sorted({lo, hi, min(max(lo, 1), hi)})), st.integers(lo, hi))


def _optional(tp: Any) -> tuple[bool, Any]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) < len(typing.get_args(tp)):
            return True, args[0] if len(args) == 1 else typing.Union[tuple(args)]  # noqa: UP007
    return False, tp


def _answer() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(), _number("", {}), _text({"multiline": True, "max_length": 200}), _ANY_DAY.map(_iso)
    )


def _value(name: str, tp: Any, meta: typing.Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
    optional, inner = _optional(tp)
    if optional:
        return st.one_of(st.none(), _value(name, inner, meta, depth))
    origin = typing.get_origin(inner)
    if origin in (typing.Union, types.UnionType):
        return _answer()
    if origin is list:
        (item,) = typing.get_args(inner)
        return st.lists(_value(name, item, {}, depth + 1), min_size=int(meta.get("min_items", 0)), max_size=2)
    if origin is dict:
        return st.dictionaries(_text({"max_length": 300}), _answer(), max_size=3)
    if dataclasses.is_dataclass(inner):
        return record(typing.cast(type, inner), depth + 1)
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return st.sampled_from([m.value for m in inner])
    if inner is bool:
        return st.booleans()
    if inner is int:
        return _number(name, meta)
    if inner is str:
        return _text(meta)
    if inner is dt.date:
        return _ANY_DAY.map(_iso)
    if inner is dt.time:
        return st.sampled_from(["00:00", "23:59", "09:30", "12:00"])
    if inner is dt.datetime:
        return st.one_of(
            st.sampled_from(
                [
                    dt.datetime.combine(schema.EARLIEST_DATE, dt.time(0, 0)),
                    dt.datetime.combine(schema.LATEST_DATE, dt.time(23, 59, 59)),
                ]
            ),
            st.datetimes(
                min_value=dt.datetime.combine(schema.EARLIEST_DATE, dt.time()),
                max_value=dt.datetime.combine(schema.LATEST_DATE, dt.time(23, 59, 59)),
            ),
        ).map(lambda m: m.isoformat(timespec="seconds"))
    raise TypeError(f"no strategy for {inner!r} ({name})")


@st.composite
def record(draw: st.DrawFn, cls: type, depth: int = 0) -> dict[str, Any]:
    """One record of type `cls` as JSON data: every field drawn (or, for an optional one, often
    left out), then the rules across its fields kept."""
    hints = typing.get_type_hints(cls)
    data: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if _may_be_left_out(f) and draw(st.booleans()):
            continue  # left out: the import fills in its default
        data[f.name] = draw(_value(f.name, hints[f.name], f.metadata, depth))
    return _keep_rules(cls.__name__, data)


def _may_be_left_out(f: dataclasses.Field[Any]) -> bool:
    """Whether the import takes a field's default for it when it is left out: only if the default
    is itself allowed (a record's number defaults to 0, which is not)."""
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
        return False
    minimum = f.metadata.get("minimum")
    return not f.metadata.get("required") and (
        minimum is None or f.default is dataclasses.MISSING or f.default >= minimum
    )


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def _keep_rules(kind: str, d: dict[str, Any]) -> dict[str, Any]:
    """Mend what a record's `check` refuses, changing as little as possible."""
    if kind == "Child":
        if d.get("mobility") == Mobility.UNBORN.value:
            d["date_of_birth"] = None
        if d.get("date_of_birth") is None and d.get("due_date") is None:
            d["due_date"] = schema.LATEST_DATE.isoformat()
    elif kind == "Person":
        if d.get("assessment_status") == AssessmentStatus.NOT_NEEDED.value and _blank(
            d.get("assessment_not_needed_reason")
        ):
            d["assessment_not_needed_reason"] = "Not needed: fictional reason"
    elif kind == "Attendee":
        if d.get("status") == AttendanceStatus.ATTENDED.value and d.get("mode") is None:
            d["mode"] = AttendanceMode.PHONE.value
    elif kind == "Meeting":
        if d.get("mode", MeetingMode.IN_PERSON.value) != MeetingMode.IN_PERSON.value and _blank(d.get("mode_reason")):
            d["mode_reason"] = "A fictional reason"
        if d.get("start_time") and d.get("end_time") and d["end_time"] < d["start_time"]:
            d["start_time"], d["end_time"] = d["end_time"], d["start_time"]
    elif kind == "Action":
        assessment = d.get("type") in {t.value for t in ASSESSMENT_TYPES}
        closed = d.get("status") in (ActionStatus.DONE.value, ActionStatus.CANCELLED.value)
        if assessment and closed:
            for name in ("evidence", "decision_informed"):
                if _blank(d.get(name)):
                    d[name] = "Fictional findings"
        if assessment and d.get("held") not in (None, SessionMode.IN_PERSON.value) and _blank(d.get("held_reason")):
            d["held_reason"] = "A fictional reason"
    elif kind == "Concern":
        if d.get("contacts_since") is not None and d["contacts_since"] > d["received_on"]:
            d["contacts_since"] = d["received_on"]
    elif kind == "ChronologyEntry":
        if d.get("end_date") is not None and d["end_date"] < d["date"]:
            d["date"], d["end_date"] = d["end_date"], d["date"]
    elif kind == "ChildAtVisit" and d.get("seen", True) is False:
        d["seen_alone"] = False
        if d.get("not_seen_reason") is None:
            d["not_seen_reason"] = "other"
    elif kind == "ChildAtVisit" and "seen" in d and d["seen"] is None:  # not recorded: nothing else can be
        d["seen_alone"] = False
        d["not_seen_reason"] = None
    return d


def _many(draw: st.DrawFn, cls: type, key: str, *, min_size: int = 0) -> list[dict[str, Any]]:
    """None, a few, or (now and then) many records of `cls`, each with its own `key`."""
    drawn = draw(st.lists(record(cls), min_size=min_size, max_size=3))
    if drawn and len(repr(drawn[0])) < 5_000 and draw(st.integers(0, 9)) == 0:
        drawn = drawn + [dict(drawn[0]) for _ in range(150)]  # many records: copies of the first
    numbers = draw(
        st.one_of(
            st.just(list(range(1, len(drawn) + 1))),
            st.lists(st.integers(1, _LIMIT - 1), min_size=len(drawn), max_size=len(drawn), unique=True),
        )
    )
    for number, item in zip(numbers, drawn, strict=True):
        item[key] = number
    return drawn


def _link(draw: st.DrawFn, item: dict[str, Any], name: str, allowed: list[int]) -> None:
    if name in item and item[name] is not None:
        item[name] = draw(st.sampled_from(allowed)) if allowed else None


@st.composite
def edge_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A case with every field drawn from the whole of what the schema allows."""
    hints = typing.get_type_hints(Case)
    data: dict[str, Any] = {
        "id": draw(
            st.one_of(
                st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", fullmatch=True),
                st.just("Z" * 64),
                st.just("9"),
            )
        ),
        "schema_version": SCHEMA_VERSION,
    }
    for f in dataclasses.fields(Case):
        if f.name in data:
            continue
        if f.name in _COLLECTION_KEYS:
            cls = typing.get_args(hints[f.name])[0]
            data[f.name] = _many(draw, cls, _COLLECTION_KEYS[f.name], min_size=1 if f.name == "children" else 0)
        elif f.name == "plan_categories":
            data[f.name] = draw(st.lists(st.sampled_from([c.value for c in PlanCategory]), min_size=1, max_size=5))
        else:
            data[f.name] = draw(_value(f.name, hints[f.name], f.metadata, 0))
    people = [p["id"] for p in data["people"]]
    meetings = [m["number"] for m in data["meetings"]]
    children = [c["id"] for c in data["children"]]
    for meeting in data["meetings"]:
        for attendee in meeting.get("attendees", []):
            _link(draw, attendee, "person_id", people)
    for action in data["actions"]:
        _link(draw, action, "person_id", people)
        _link(draw, action, "raised_at", meetings)
    for concern in data["concerns"]:
        _link(draw, concern, "meeting", meetings)
        _link(draw, concern, "child_id", children)
        _link(draw, concern, "person_id", people)
    for visit in data["visits"]:
        for seen in visit.get("children", []):
            seen["child_id"] = draw(st.sampled_from(children))
    return data


# ----- the history a case file may carry ----------------------------------------------------------
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), _number("", {}), st.floats(allow_nan=False, allow_infinity=False), _text({})),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text({"max_length": 40}), inner, max_size=3)),
    max_leaves=6,
)
_MOMENTS = st.one_of(
    st.sampled_from(
        [
            "1900-01-01T00:00:00Z",
            "1900-01-01T00:00:00+14:00",  # in UTC, the last day of 1899
            "2200-12-31T23:59:59Z",
            "2200-12-31T23:59:59-12:00",  # in UTC, the first day of 2201
            "2026-11-20T10:00:00",
            "2026-11-20T10:00:00.123456+01:00",
            "2026-11-20",
        ]
    ),
    st.datetimes(
        min_value=dt.datetime.combine(schema.EARLIEST_DATE, dt.time()),
        max_value=dt.datetime.combine(schema.LATEST_DATE, dt.time(23, 59, 59)),
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-12)), dt.timezone(dt.timedelta(hours=14))]),
    ).map(lambda m: m.isoformat()),
)
# A change's path as the store writes them (`actions[5].status`, `case.lead_social_worker`,
# `visits[v-3]`), and text that is none of those.
_PATHS = st.one_of(
    st.sampled_from(
        [
            "case.lead_social_worker",
            "actions[5].status",
            "visits[v-3]",
            "meetings[1].steps[welcome].notes",
            "x",
            "[",
            "].",
        ]
    ),
    _text({"required": True, "max_length": 60}),
)


@st.composite
def history(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A case file's history: saves and events, their moments anywhere in the dates a case may
    hold, in any time zone; who and from which machine as any one line a sign-in may be (no control
    or direction character, at most 200 characters: more is refused, see test_hardening_round_two);
    any JSON as a change."""
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        entry: dict[str, Any] = {
            "at": draw(_MOMENTS),
            "who": draw(_text({"max_length": 200})),
            "machine": draw(_text({"max_length": 200})),
            "changes": [
                {"path": draw(_PATHS), "old": draw(_JSON), "new": draw(_JSON), "restricted": draw(st.booleans())}
                for _ in range(draw(st.integers(0, 3)))
            ],
        }
        event = draw(
            st.sampled_from([None, "created", "imported", "replaced", "restored", "deleted", "allocated", "migrated"])
        )
        if event is not None:
            entry["event"] = event
        entries.append(entry)
    return entries


@st.composite
def with_history(draw: st.DrawFn, cases: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    case = draw(cases)
    found = draw(history())
    return {**case, "history": found} if found else case


any_accepted_case = with_history(st.one_of(valid_cases(), edge_cases()))
