"""A case's change history: who changed what, when and from where, kept by every store.

Each save of a case is one `HistoryEntry`, listing the `FieldChange`s it made.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import schema
from .family import Restrictions, withholds_referrer
from .records import COLLECTIONS, Case, CopyType
from .schema import InvalidRecord
from .text import refused_in

__all__ = [
    "EVENTS",
    "GATHER_SECONDS",
    "HEADER",
    "Burst",
    "FieldChange",
    "HistoryCheck",
    "HistoryEntry",
    "changes_between",
    "changes_of",
    "event_words",
    "export_history",
    "gathered",
    "history_json_schema",
    "history_lines",
    "shown_as_now",
    "history_of_file",
    "is_worked_out",
    "mark_worked_out",
    "merged",
    "split_worked_out",
    "now_utc",
    "record_changes",
    "entry_heading",
    "from_file_words",
    "stored_entry",
    "when_words",
]

HEADER = "case"  # the table of the case's own details (children, plan, lead social worker ...)


@dataclass(frozen=True)
class FieldChange:
    """One field of one record changed by a save. `path` names it (`actions[5].status`,
    `case.lead_social_worker`, `visits[v-3]` for a record added or removed whole). A restricted
    change (a restricted record, restricted notes, a withheld referrer, a restricted person's
    name) is shown only to who may see restricted text, as everywhere else. `worked_out` is set
    when coregroup worked the change out itself (a timescale breach, the flags kept at a finish),
    never a person: "worked out by coregroup when the minutes of meeting 2 were recorded as sent"."""

    path: str
    old: Any = None
    new: Any = None
    restricted: bool = False
    worked_out: str = ""

    def to_json(self) -> dict[str, Any]:
        found = {"path": self.path, "old": self.old, "new": self.new, "restricted": self.restricted}
        if self.worked_out:
            found["worked_out"] = self.worked_out
        return found

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldChange:
        return cls(
            str(data["path"]),
            data.get("old"),
            data.get("new"),
            bool(data.get("restricted", False)),
            str(data.get("worked_out") or ""),
        )


#: What a history entry records besides an ordinary save ("" is an ordinary save): the case was
#: made in the app, came in a case file, was replaced by an import, was put back from its backup,
#: was deleted, was allocated to workers, or was moved in from another store (`coregroup migrate`).
EVENTS = ("created", "imported", "replaced", "restored", "deleted", "allocated", "migrated")

_EVENT_WORDS = {
    "created": "case created",
    "imported": "case imported from a case file",
    "replaced": "case replaced by an import",
    "restored": "case put back from its backup",
    "deleted": "case deleted",
    "allocated": "allocated",
    "migrated": "case moved in from another store",
}

#: The events that record a store's own receipt of a case (left out of its export: see `export_history`).
RECEIPTS = ("imported", "migrated")


@dataclass(frozen=True)
class HistoryEntry:
    """One save of a case: who (their sign-in), when (UTC, ISO 8601), from which machine, what changed.

    `event` is "" for an ordinary save, else one of EVENTS (it may carry changes too: a replace
    lists what it changed). `imported_by` non-empty means the entry came in a case file: its `at`,
    `who` and `machine` are only what the file claims, and `imported_by` is the sign-in that
    imported it. That is the store's own provenance, never written to a case file."""

    at: str
    who: str
    machine: str
    changes: tuple[FieldChange, ...]
    event: str = ""
    imported_by: str = ""

    @property
    def from_case_file(self) -> bool:
        """Whether the entry came in a case file (not recorded by this store)."""
        return bool(self.imported_by)

    def to_json(self, *, provenance: bool = False) -> dict[str, Any]:
        """The entry as a case file holds it: at, who, machine, changes, and event when there is
        one. With `provenance`, also `imported_by` when set (as a store keeps it)."""
        found: dict[str, Any] = {"at": self.at, "who": self.who, "machine": self.machine,
                                 "changes": [c.to_json() for c in self.changes]}  # fmt: skip
        if self.event:
            found["event"] = self.event
        if provenance and self.imported_by:
            found["imported_by"] = self.imported_by
        return found

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HistoryEntry:
        return cls(
            str(data["at"]),
            str(data["who"]),
            str(data.get("machine", "")),
            tuple(FieldChange.from_json(c) for c in data.get("changes", ())),
            str(data.get("event") or ""),
            str(data.get("imported_by") or ""),
        )


@dataclass(frozen=True)
class HistoryCheck:
    """What checking a case's history found: whether it is `intact`, how many `entries` it holds,
    and a sentence in words naming the first break (which entry, its date, what is wrong), or
    saying it is whole. Never case data: no names, no notes."""

    intact: bool
    entries: int
    words: str


def event_words(event: str) -> str:
    """An event in the chair's words ("case imported from a case file"); "" for an ordinary save."""
    return _EVENT_WORDS.get(event, event)


def from_file_words(entry: HistoryEntry) -> str:
    """How an entry that came in a case file is marked wherever it is shown ("" for the store's own)."""
    if not entry.imported_by:
        return ""
    return f"(from a case file imported by {entry.imported_by}; not recorded by this store)"


def entry_heading(entry: HistoryEntry) -> str:
    """Who saved an entry, from where, and what happened to the case if it was more than a save:
    `kaur on laptop-3`, `admin on laptop-1: case imported from a case file`; an entry that came in
    a case file is marked as only what the file claims."""
    where = f" on {entry.machine}" if entry.machine else ""
    what = f": {event_words(entry.event)}" if entry.event else ""
    mark = from_file_words(entry)
    return f"{entry.who}{where}{what}" + (f"  {mark}" if mark else "")


def export_history(entries: Iterable[HistoryEntry]) -> list[dict[str, Any]]:
    """A store's history as a case file carries it: the store's provenance (`imported_by`) left
    out, and so the entry recording this store's own receipt of the case (an import or a
    migration it recorded itself): a case file with no history comes back out exactly as it went in."""
    return [e.to_json() for e in entries if not (e.event in RECEIPTS and not e.imported_by)]


def now_utc() -> str:
    """The moment of a save, as a history entry records it: UTC, ISO 8601, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# ----- what a save changed ------------------------------------------------------------------------

# Fields whose text the family copy never shows, wherever they are (docs/domain.md, family.py).
RESTRICTED_FIELDS = frozenset({"restricted_notes", "safety_arrangements"})
# A concern's fields naming who referred (or passed on an anonymous referral), when that is withheld.
REFERRER_FIELDS = frozenset({"referrer", "source"})

Records = Mapping[tuple[str, str], "dict[str, Any] | None"]


def _marked(record: Any, restricted_people: frozenset[int]) -> bool:
    """Whether a record (or a part of one, an attendee, a flag) is kept from the family: marked
    restricted, not shareable, or about a restricted person."""
    if not isinstance(record, dict):
        return False
    return (
        record.get("restricted") is True
        or record.get("shareable") is False
        or (isinstance(record.get("person_id"), int) and record["person_id"] in restricted_people)
    )


def _referrer_withheld(record: Any) -> bool:
    return isinstance(record, dict) and (
        record.get("referrer_restricted") is True or record.get("source_kind") == "anonymous"
    )


def _base_path(table: str, key: str) -> str:
    return HEADER if table == HEADER else f"{table}[{key}]"


def record_changes(
    table: str,
    key: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    *,
    restricted_people: Iterable[int] = (),
) -> list[FieldChange]:
    """What changed in one stored record: `table` is "case" (the case's own details) or a collection
    of records.COLLECTIONS, `key` the record's number or id, `old` the record as stored (None: it is
    added), `new` as saved (None: it is deleted). A record added or deleted is one change of the
    whole record (`actions[5]`); a record edited, one change per field that differs
    (`actions[5].status`, `meetings[2].attendees[3].mode`, `case.lead_social_worker`); a list of
    plain values (`people[1].known_to`) is one change of the whole list."""
    if old == new:
        return []
    people = frozenset(restricted_people)
    base = _base_path(table, key)
    whole = _marked(old, people) or _marked(new, people) or (table == "people" and _person_id(key) in people)
    if old is None or new is None:
        return [FieldChange(base, old, new, whole)]
    secret = set(RESTRICTED_FIELDS)
    if table == "concerns" and (_referrer_withheld(old) or _referrer_withheld(new)):
        secret |= REFERRER_FIELDS
    found: list[FieldChange] = []
    for name in _keys(old, new):
        _diff(f"{base}.{name}", old.get(name), new.get(name), found, whole or name in secret, people)
    return found


def _person_id(key: str) -> int | None:
    return int(key) if key.isdigit() else None


def _keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [*old, *(k for k in new if k not in old)]


def _diff(path: str, old: Any, new: Any, found: list[FieldChange], restricted: bool, people: frozenset[int]) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        inner = restricted or _marked(old, people) or _marked(new, people)
        for name in _keys(old, new):
            _diff(f"{path}.{name}", old.get(name), new.get(name), found, inner or name in RESTRICTED_FIELDS, people)
        return
    if isinstance(old, list) and isinstance(new, list) and any(isinstance(v, dict) for v in (*old, *new)):
        # A list of parts (attendees, steps, scaling): part by part, by position.
        common = min(len(old), len(new))
        for i in range(common):
            _diff(f"{path}[{i}]", old[i], new[i], found, restricted, people)
        for i in range(common, len(old)):
            found.append(FieldChange(f"{path}[{i}]", old[i], None, restricted or _marked(old[i], people)))
        for i in range(common, len(new)):
            found.append(FieldChange(f"{path}[{i}]", None, new[i], restricted or _marked(new[i], people)))
        return
    found.append(FieldChange(path, old, new, restricted))


def _table_order(table: str) -> int:
    return -1 if table == HEADER else list(COLLECTIONS).index(table) if table in COLLECTIONS else len(COLLECTIONS)


def _key_order(key: str) -> tuple[int, int, str]:
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def _restricted_people(*records: Iterable[tuple[tuple[str, str], dict[str, Any] | None]]) -> set[int]:
    ids: set[int] = set()
    for pairs in records:
        for (table, _), data in pairs:
            if table == "people" and isinstance(data, dict) and data.get("restricted") is True:
                ids.update(i for i in (data.get("id"),) if isinstance(i, int))
    return ids


def changes_between(before: Records, after: Records, *, restricted_people: Iterable[int] = ()) -> list[FieldChange]:
    """What a save changed: `before` holds the stored copies of the records it touches (a record
    missing there is added), `after` the records as saved, keyed by (table, key) as a
    `Snapshot`'s are (None: deleted). A record in `before` and not in `after` was deleted too, so a
    whole case written again is compared in full. Restricted people are found in both (and
    `restricted_people` adds the ids of others the caller knows of). Ordered as the case file is:
    the case's details, then each collection, by key."""
    people = frozenset(_restricted_people(before.items(), after.items()) | set(restricted_people))
    keys = sorted({*before, *after}, key=lambda k: (_table_order(k[0]), k[0], _key_order(k[1])))
    found: list[FieldChange] = []
    for table, key in keys:
        found.extend(
            record_changes(table, key, before.get((table, key)), after.get((table, key)), restricted_people=people)
        )
    return mark_worked_out(found)


# ----- what coregroup worked out itself, apart from what a person changed -------------------------

# The fields only coregroup writes, worked out from the rest of the record: the timescale breaches
# kept on the case, and what a meeting kept of its actions and flags when it finished.
_WORKED_OUT = re.compile(
    r"case\.breaches(\[.*|\..*)?|meetings\[\d+\]\.(flags_at_finish|actions_at_finish|recorded_at_finish)(\[.*|\..*)?"
)
_DISTRIBUTION = re.compile(r"meetings\[(\d+)\]\.distribution")
_STATUS = re.compile(r"meetings\[(\d+)\]\.status")
_MEETING = re.compile(r"meetings\[(\d+)\](\.date)?")


def is_worked_out(path: str) -> bool:
    """Whether a change of `path` is one coregroup works out itself, never a person's."""
    return _WORKED_OUT.fullmatch(path) is not None


def trigger_words(changes: Iterable[FieldChange]) -> str:
    """The event that had coregroup work something out, from the person's changes saved with it:
    'the minutes of meeting 2 were recorded as sent', 'meeting 3 was finished' ..."""
    people = [c for c in changes if not c.worked_out and not is_worked_out(c.path)]
    for change in people:
        if found := _DISTRIBUTION.match(change.path):
            return f"who the minutes of meeting {found[1]} were sent to was recorded"
    for change in people:
        if (found := _STATUS.fullmatch(change.path)) and change.new == "finished":
            return f"meeting {found[1]} was finished"
    for change in people:
        if (found := _MEETING.fullmatch(change.path)) and found[2] is None and change.old is None:
            return f"meeting {found[1]} was started"
        if found is not None and found[2]:
            return f"the date of meeting {found[1]} was changed"
    if any(c.path == f"{HEADER}.review_conferences" for c in people):
        return "the review conference dates were changed"
    if people:
        return "the case was saved"
    return "the case was opened (time passed: no person changed anything)"


def worked_out_words(trigger: str) -> str:
    return f"worked out by coregroup when {trigger}"


def mark_worked_out(found: list[FieldChange]) -> list[FieldChange]:
    """A save's changes with each one coregroup worked out itself marked as such, with the event
    that triggered it: it is never recorded as the person's change."""
    if not any(is_worked_out(c.path) and not c.worked_out for c in found):
        return found
    words = worked_out_words(trigger_words(found))
    return [
        dataclasses.replace(c, worked_out=words) if is_worked_out(c.path) and not c.worked_out else c for c in found
    ]


def split_worked_out(entry: HistoryEntry) -> tuple[list[FieldChange], list[FieldChange], str]:
    """An entry's changes: the person's, coregroup's own (marked when saved, or by their field for
    entries saved before coregroup marked them), and how coregroup's are described."""
    own = [c for c in entry.changes if c.worked_out or is_worked_out(c.path)]
    theirs = [c for c in entry.changes if not (c.worked_out or is_worked_out(c.path))]
    marked = next((c.worked_out for c in own if c.worked_out), "")
    return theirs, own, marked or worked_out_words(trigger_words(entry.changes))


def tool_heading(entry: HistoryEntry, words: str) -> str:
    """Who an entry's worked-out changes are attributed to: coregroup, with the event and who made it."""
    by = f"; saved with {entry.who}'s change" if entry.who else ""
    return f"coregroup ({words.replace('worked out by coregroup', 'worked out', 1)}{by})"


def changes_of(
    stored: Mapping[str, Mapping[str, dict[str, Any]]] | Callable[[str, str], dict[str, Any] | None],
    records: Records,
) -> list[FieldChange]:
    """What saving `records` (a `Snapshot`'s) changes, given the stored case: its tables as
    {table: {key: record}} (a file store's), or a function giving one stored record (None if there
    is none). With the tables, a restricted person already stored is known to every record."""
    if callable(stored):
        look = stored
        before = {k: v for k in records if (v := look(*k)) is not None}
        return changes_between(before, records)
    tables = stored
    before = {(t, k): tables[t][k] for t, k in records if k in tables.get(t, {})}
    known = _restricted_people(((("people", k), row) for k, row in tables.get("people", {}).items()))
    return changes_between(before, records, restricted_people=known)


def merged(older: HistoryEntry, newer: HistoryEntry) -> HistoryEntry:
    """Two saves as one entry (the same person typing on in the same fields): the old values of
    the first, the new values of the second, at the second's time. Changes undone vanish."""
    by_path: dict[str, FieldChange] = {c.path: c for c in older.changes}
    for change in newer.changes:
        first = by_path.get(change.path)
        if first is None:
            by_path[change.path] = change
        else:
            by_path[change.path] = FieldChange(
                change.path,
                first.old,
                change.new,
                first.restricted or change.restricted,
                first.worked_out or change.worked_out,  # what coregroup worked out stays its own
            )
    kept = tuple(c for c in by_path.values() if c.old != c.new)
    return HistoryEntry(newer.at, newer.who, newer.machine, kept)


# ----- the history in a case file ---------------------------------------------------------------


def history_of_file(raw: Any) -> list[HistoryEntry]:
    """The "history" of a case file (None when it has none), checked: an InvalidRecord naming the
    first entry or field that is not as the format describes (docs/case-file-format.md). A case
    file's entries never carry `imported_by`: that is said by the store that imports them."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidRecord("history", "should be a list of saves, oldest first")
    return [_checked_entry(item, f"history[{i}]", _FILE_FIELDS) for i, item in enumerate(raw)]


_FILE_FIELDS = frozenset({"at", "who", "machine", "changes", "event"})
_STORED_FIELDS = _FILE_FIELDS | {"imported_by"}


def stored_entry(item: Any, where: str = "history") -> HistoryEntry:
    """One entry as a store keeps it (a case file's fields, and `imported_by`), checked as
    `history_of_file` checks a case file's."""
    return _checked_entry(item, where, _STORED_FIELDS)


def _checked_entry(item: Any, where: str, fields: frozenset[str]) -> HistoryEntry:
    if not isinstance(item, dict):
        raise InvalidRecord(where, "should be an object with at, who, machine and changes")
    unknown = sorted(set(item) - fields)
    if unknown:
        raise InvalidRecord(f"{where}.{unknown[0][:40]}", "is not a field of a history entry")
    for name in ("at", "who", "machine"):
        if not isinstance(item.get(name), str):
            raise InvalidRecord(f"{where}.{name}", "should be text")
    for name in ("who", "machine", "imported_by"):
        value = item.get(name)
        if isinstance(value, str) and (len(value) > _LONGEST_NAME or refused_in(value, multiline=False)):
            raise InvalidRecord(
                f"{where}.{name}",
                f"should be a sign-in or a computer's name: one line of at most {_LONGEST_NAME} characters, "
                "without control or direction characters",
            )
    if _moment(item["at"]) is None:
        raise InvalidRecord(
            f"{where}.at", f"should be a moment in UTC, YYYY-MM-DDTHH:MM:SSZ, {schema.DATE_RANGE_WORDS}"
        )
    if "event" in item and item["event"] not in EVENTS:
        raise InvalidRecord(f"{where}.event", "should be one of " + ", ".join(EVENTS))
    if "imported_by" in item and not (isinstance(item["imported_by"], str) and item["imported_by"]):
        raise InvalidRecord(f"{where}.imported_by", "should be the sign-in that imported the entry")
    changes = item.get("changes")
    if not isinstance(changes, list):
        raise InvalidRecord(f"{where}.changes", "should be a list of changes")
    for j, change in enumerate(changes):
        at = f"{where}.changes[{j}]"
        if not isinstance(change, dict) or not isinstance(change.get("path"), str) or not change["path"]:
            raise InvalidRecord(at, "should be an object with a path, old, new and restricted")
        unknown = sorted(set(change) - {"path", "old", "new", "restricted", "worked_out"})
        if unknown:
            raise InvalidRecord(f"{at}.{unknown[0][:40]}", "is not a field of a change")
        if not isinstance(change.get("restricted", False), bool):
            raise InvalidRecord(f"{at}.restricted", "should be true or false")
        if not isinstance(change.get("worked_out", ""), str):
            raise InvalidRecord(f"{at}.worked_out", "should be text")
        for name in ("path", "worked_out"):
            if refused_in(str(change.get(name, "")), multiline=False):
                raise InvalidRecord(f"{at}.{name}", "should be one line, without control or direction characters")
        for name in ("old", "new"):
            if _holds_control(change.get(name)):
                raise InvalidRecord(f"{at}.{name}", "holds a control character, which a case never holds")
    return HistoryEntry.from_json(item)


# Control characters but the line breaks and tabs a note holds (a carriage return too: another
# system's history may keep Windows line ends), and broken (lone surrogate) characters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LONGEST_NAME = 200  # a sign-in or a computer's name, as a history entry records who and where


def _holds_control(value: Any, depth: int = 0) -> bool:
    """Whether a value of a change (text, or text inside lists and objects) holds a character that
    no field of a case holds: a control character (an escape sequence would act on the terminal
    that prints the history) or a broken one. Deeper than a case's own records: refused too."""
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if depth > 8:
        return isinstance(value, list | dict)
    if isinstance(value, list):
        return any(_holds_control(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_holds_control(k, depth + 1) or _holds_control(v, depth + 1) for k, v in value.items())
    return False


def _moment(text: str) -> dt.datetime | None:
    """A history entry's moment, or None when it is not one a case may hold (not a moment, or
    outside the dates a case may hold: 9999-12-31T23:59:59-12:00 cannot even be put in UTC)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if not schema.in_date_range(moment):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def history_json_schema() -> dict[str, Any]:
    """The JSON Schema of a case file's "history" (optional: written only when there is one)."""
    change = {
        "type": "object",
        "additionalProperties": False,
        "required": ["path", "old", "new", "restricted"],
        "properties": {
            "path": {"type": "string", "minLength": 1},
            "old": {},
            "new": {},
            "restricted": {"type": "boolean"},
            "worked_out": {
                "description": "only when coregroup worked the change out itself (a timescale breach, the "
                "flags kept at a finish), never the person's: with the event that triggered it",
                "type": "string",
            },
        },
    }
    return {
        "description": "every save of the case, oldest first: when (UTC), who, from which machine, what changed; "
        "an entry that records more than a save says what (event)",
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["at", "who", "machine", "changes"],
            "properties": {
                "at": {"type": "string", "format": "date-time"},
                "who": {"type": "string"},
                "machine": {"type": "string"},
                "changes": {"type": "array", "items": change},
                "event": {
                    "description": "only when the entry records more than a save: the case was created, imported, "
                    "replaced by an import, restored from its backup, deleted, allocated or migrated",
                    "enum": list(EVENTS),
                },
            },
        },
    }


# ----- the history in words ------------------------------------------------------------------------

RESTRICTED = "(restricted)"


def _day(value: dt.date | dt.datetime | str | None) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


def _short(text: str, limit: int = 60) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


_LABELS = ("name", "title", "text", "event", "reported", "recipient", "kind", "date", "received_on", "id")


def value_words(value: Any) -> str:
    """A stored value as a history line shows it: text quoted and shortened, yes / no, a record by
    what names it."""
    if value is None or value == "" or value == [] or value == {}:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return f'"{_short(value)}"'
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return _short(", ".join("yes" if v is True else "no" if v is False else str(v) for v in value))
        return f"{len(value)} items"
    if isinstance(value, dict):
        for label in _LABELS:
            if isinstance(value.get(label), str | int) and str(value[label]).strip():
                return f'"{_short(str(value[label]), 50)}"'
        return "a record"
    return _short(str(value))


def change_words(change: FieldChange, *, show_restricted: bool = False) -> str:
    """One change in words: `actions[5].status: "open" → "done"`, `visits[3] added: "2026-07-09"`."""
    hidden = change.restricted and not show_restricted
    if change.old is None and isinstance(change.new, dict):
        return f"{change.path} added" + ("" if hidden else f": {value_words(change.new)}")
    if change.new is None and isinstance(change.old, dict):
        return f"{change.path} removed" + ("" if hidden else f": {value_words(change.old)}")
    if hidden:
        return f"{change.path}: {RESTRICTED}"
    return f"{change.path}: {value_words(change.old)} → {value_words(change.new)}"


_PATH = re.compile(r"^(?P<table>\w+)\[(?P<key>[^\]]+)\](?P<rest>.*)$")
_PART_AT = re.compile(r"^\.(?P<field>\w+)(?:\[(?P<index>\d+)\])?")


def _restricted_now(case: Case, family: Restrictions, path: str) -> bool:
    """Whether the record (or the part of a record) a change's `path` names is kept from the
    family as the case is now: a restricted person, action or visit, an action about a restricted
    person, a concern or chronology entry not shareable, who referred when that is withheld, an
    attendee who is a restricted person, restricted notes. A record no longer in the case: no."""
    found = _PATH.match(path)
    if found is None:
        return False
    table, key, rest = found["table"], found["key"], found["rest"]
    number = int(key) if key.isdigit() else None
    part = _PART_AT.match(rest)
    field = part["field"] if part else ""
    if field in RESTRICTED_FIELDS or rest.split(".")[-1] in RESTRICTED_FIELDS:
        return True
    if table == "people":
        return number in family.person_ids
    if table == "actions":
        action = next((a for a in case.actions if a.number == number), None)
        return action is not None and not family.shows_action(action)
    if table == "concerns":
        concern = next((c for c in case.concerns if c.id == number), None)
        if concern is None:
            return False
        return (
            not concern.shareable
            or concern.person_id in family.person_ids
            or (field in REFERRER_FIELDS and withholds_referrer(concern))
        )
    if table == "chronology":
        return any(e.id == number and not e.shareable for e in case.chronology)
    if table == "visits":
        return any(v.id == number and v.restricted for v in case.visits)
    if table == "meetings" and part is not None and part["index"] is not None:
        meeting = next((m for m in case.meetings if m.number == number), None)
        index = int(part["index"])
        if meeting is None:
            return False
        if field == "attendees" and index < len(meeting.attendees):
            attendee = meeting.attendees[index]
            return not family.shows_person(attendee.person_id, "")
        if field == "actions_at_finish" and index < len(meeting.actions_at_finish):
            return not family.shows_action(meeting.actions_at_finish[index])
    return False


def _cleaned(value: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_cleaned(v, clean) for v in value]
    if isinstance(value, dict):
        return {k: _cleaned(v, clean) for k, v in value.items()}
    return value


def shown_as_now(case: Case | None) -> Callable[[FieldChange], FieldChange]:
    """How each change of a case's history is shown with restricted text hidden: by what its
    record and fields are now, so what was restricted after the save is hidden in entries from
    before (a person marked restricted later, a concern made not shareable, a referrer withheld),
    and every restricted person's or withheld referrer's name is withheld from the values, as the
    family copy withholds it. The command line's history and the app's history tab both use it.
    Without the case (deleted, unreadable) a change is shown as its save marked it."""
    if case is None:
        return lambda change: change
    family = Restrictions.of(case, CopyType.FAMILY)
    clean = family.cleaner()

    def shown(change: FieldChange) -> FieldChange:
        restricted = change.restricted or _restricted_now(case, family, change.path)
        if clean is None:
            return change if restricted == change.restricted else FieldChange(change.path, change.old, change.new, True)
        return FieldChange(change.path, _cleaned(change.old, clean), _cleaned(change.new, clean), restricted)

    return shown


def _local_words(local: dt.datetime) -> str:
    return f"{local.day} {local:%b %Y %H:%M}"


def when_words(at: Any, tz: dt.tzinfo | None = None) -> str:
    """When a history entry says it was saved, in words (`12 Mar 2026 10:00`, in `tz`, the
    computer's own time zone if None); "no readable date" if it says no moment."""
    moment = _moment(at) if isinstance(at, str) else None
    return _local_words(moment.astimezone(tz)) if moment is not None else "no readable date"


def kept_history(
    entries: Iterable[HistoryEntry],
    *,
    person: str | None = None,
    since: dt.date | dt.datetime | str | None = None,
    until: dt.date | dt.datetime | str | None = None,
    tz: dt.tzinfo | None = None,
) -> Iterable[tuple[str, HistoryEntry]]:
    """The entries a filter keeps, each with when it was saved in words (in `tz`, the computer's own
    time zone if None). `person` keeps the saves of whoever's sign-in holds it (any case); `since`
    and `until` (dates, inclusive) keep the saves between them."""
    first, last = _day(since), _day(until)
    wanted = person.strip().casefold() if person and person.strip() else None
    for entry in entries:
        moment = _moment(entry.at)
        local = moment.astimezone(tz) if moment is not None else None
        day = local.date() if local is not None else None
        if wanted is not None and wanted not in entry.who.casefold():
            continue
        if first is not None and (day is None or day < first):
            continue
        if last is not None and (day is None or day > last):
            continue
        yield (_local_words(local) if local is not None else entry.at), entry


def history_lines(
    entries: Iterable[HistoryEntry],
    *,
    show_restricted: bool = False,
    person: str | None = None,
    since: dt.date | dt.datetime | str | None = None,
    until: dt.date | dt.datetime | str | None = None,
    tz: dt.tzinfo | None = None,
    case: Case | None = None,
) -> list[str]:
    """A case's history in words, oldest first, saves typed on in the same fields `gathered`: for
    each entry, a line saying when, who and from which machine (and what happened to the case, for
    an event; an entry that came in a case file marked as such), then a line for each change,
    indented (see `kept_history` for the filter). Restricted values are shown as "(restricted)"
    unless `show_restricted`; with the `case` as it is now, as `shown_as_now` shows them."""
    now = (lambda change: change) if show_restricted else shown_as_now(case)
    lines: list[str] = []
    for when, entry in kept_history(gathered(entries), person=person, since=since, until=until, tz=tz):
        theirs, own, words = split_worked_out(entry)
        if theirs or entry.event or not own:
            lines.append(f"{when}  {entry_heading(entry)}")
            lines.extend(f"  {change_words(now(c), show_restricted=show_restricted)}" for c in theirs)
        if own:
            lines.append(f"{when}  {tool_heading(entry, words)}")
            lines.extend(f"  {change_words(now(c), show_restricted=show_restricted)}" for c in own)
    return lines


@dataclass
class HistoryFilter:
    """What the chair chose to see of a case's history: whose saves, and between which days."""

    person: str = schema.text(max_length=200, doc="part of their sign-in, e.g. kaur")
    start: dt.date | None = None
    end: dt.date | None = None

    def check(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise InvalidRecord("end", f"{self.end} is before the start {self.start}")

    @property
    def active(self) -> bool:
        return bool(self.person.strip() or self.start or self.end)

    def words(self) -> str:
        parts = [f"by {self.person.strip()}"] if self.person.strip() else []
        if self.start is not None:
            parts.append(f"from {self.start:%d %b %Y}")
        if self.end is not None:
            parts.append(f"up to {self.end:%d %b %Y}")
        return "; ".join(parts)

    def rows(
        self,
        entries: Iterable[HistoryEntry],
        *,
        show_restricted: bool,
        tz: dt.tzinfo | None = None,
        case: Case | None = None,
    ) -> list[tuple[str, str, str, str]]:
        """One row per change, newest save first (saves typed on in the same fields `gathered`):
        when, who, machine, the change in words. An event is a row of its own, before its changes;
        an entry that came in a case file says so after who. Restricted text is hidden as
        `shown_as_now` hides it, by the `case` as it is now, unless `show_restricted`."""
        now = (lambda change: change) if show_restricted else shown_as_now(case)
        kept = list(kept_history(gathered(entries), person=self.person, since=self.start, until=self.end, tz=tz))
        rows: list[tuple[str, str, str, str]] = []
        for when, entry in reversed(kept):
            who = entry.who
            if entry.imported_by:
                who += f" {from_file_words(entry)}"
            if entry.event:
                rows.append((when, who, entry.machine, event_words(entry.event)))
            theirs, own, words = split_worked_out(entry)
            rows.extend(
                (when, who, entry.machine, change_words(now(change), show_restricted=show_restricted))
                for change in theirs
            )
            rows.extend(
                (
                    when,
                    tool_heading(entry, words),
                    entry.machine,
                    change_words(now(change), show_restricted=show_restricted),
                )
                for change in own
            )
        return rows


# ----- gathering saves that go on changing the same fields ----------------------------------------

#: Saves that only go on changing the same fields (the chair typing on in one step's notes), by the
#: same person on the same machine, within this many seconds of the first are shown as one entry:
#: from the first's old values to the last's new ones, at the last's time. A meeting's history is
#: then a line a minute for each field typed in, not one for every burst of keys. The file store
#: keeps them so too (see `Burst`): the first save of a burst is a line of the history at once, the
#: saves after it are merged into one entry held in the case file, written with each save (so a
#: kill loses none), and added to the history when the burst ends.
GATHER_SECONDS = 60.0


@dataclass(frozen=True)
class Burst:
    """Saves going on in the same fields: who made the first, on which machine, when, and the
    fields it changed. A save `continues` it as `gathered` would show them as one entry."""

    began: str
    who: str
    machine: str
    paths: tuple[str, ...]

    @classmethod
    def of(cls, entry: HistoryEntry) -> Burst:
        """The burst an ordinary save begins."""
        return cls(entry.at, entry.who, entry.machine, tuple(sorted({c.path for c in entry.changes})))

    def continues(self, entry: HistoryEntry, seconds: float = GATHER_SECONDS) -> bool:
        """Whether `entry` (an ordinary save) goes on with the burst: the same who and machine, the
        same fields, within `seconds` of the burst's first save."""
        began, moment = _moment(self.began), _moment(entry.at)
        return (
            not entry.event
            and not entry.imported_by
            and bool(entry.changes)
            and (entry.who, entry.machine) == (self.who, self.machine)
            and tuple(sorted({c.path for c in entry.changes})) == self.paths
            and began is not None
            and moment is not None
            and dt.timedelta(0) <= moment - began < dt.timedelta(seconds=seconds)
        )

    def to_json(self) -> dict[str, Any]:
        return {"began": self.began, "who": self.who, "machine": self.machine, "paths": list(self.paths)}

    @classmethod
    def from_json(cls, data: Any) -> Burst | None:
        """A burst as `to_json` wrote it; None if it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("paths"), list):
            return None
        fields = (data.get("began"), data.get("who"), data.get("machine"))
        if not all(isinstance(f, str) for f in fields) or not all(isinstance(p, str) for p in data["paths"]):
            return None
        return cls(str(data["began"]), str(data["who"]), str(data["machine"]), tuple(data["paths"]))


def gathered(entries: Iterable[HistoryEntry], seconds: float = GATHER_SECONDS) -> list[HistoryEntry]:
    """The entries as the history shows them: consecutive ordinary saves (no event, not from a
    case file) by the same who on the same machine, changing the same set of fields, within
    `seconds` of the first of them, merged into one (see `merged`; a run whose changes were all
    undone is left out). Everything else is shown as it was recorded."""
    out: list[HistoryEntry] = []
    run_paths: frozenset[str] | None = None  # the fields of the run `out[-1]` is, if it is an ordinary save
    run_start: dt.datetime | None = None
    runs: list[bool] = []  # whether each entry of `out` is a merged run
    for entry in entries:
        moment = _moment(entry.at)
        paths = frozenset(c.path for c in entry.changes)
        ordinary = not entry.event and not entry.imported_by and bool(entry.changes)
        last = out[-1] if out else None
        if (
            ordinary
            and last is not None
            and run_paths == paths
            and (last.who, last.machine) == (entry.who, entry.machine)
            and moment is not None
            and run_start is not None
            and dt.timedelta(0) <= moment - run_start < dt.timedelta(seconds=seconds)
        ):
            out[-1] = merged(last, entry)
            runs[-1] = True
            continue
        out.append(entry)
        runs.append(False)
        run_paths, run_start = (paths, moment) if ordinary else (None, None)
    return [e for e, run in zip(out, runs, strict=True) if not run or e.changes]
