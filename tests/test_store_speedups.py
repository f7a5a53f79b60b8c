"""What the quick paths of the store rely on, pinned without timing anything.

Opening a case an encrypted store wrote builds its records without checking each field again,
because the file carries a proof, keyed by the store key, that the store wrote exactly these
bytes with the code that checks them. A file changed outside the app, written by an earlier
release, copied from another store, proven under other code, or in a plain store (where no secret
is out of reach of whoever can write a case file) is checked field by field, exactly as before. The compiled loader
accepts and refuses exactly what the field-by-field checks do, and the export is byte for byte
what json wrote.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from case_strategies import valid_cases
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.domain import schema
from meetings.domain.locations import data_dir
from meetings.domain.records import (
    COLLECTIONS,
    Action,
    AgendaStep,
    Attendee,
    Case,
    ChronologyEntry,
    Meeting,
    Person,
)
from meetings.domain.schema import InvalidRecord, _load_checked
from meetings.domain.text import LONE_SURROGATE, REFUSED_MANY_LINES, REFUSED_ONE_LINE
from meetings.storage import crypto
from meetings.storage import store as store_module
from meetings.storage.exchange import export_bytes, import_case_file, read_case_file
from meetings.storage.files import dump_json, proven, seal
from meetings.storage.store import DamagedFile, Store, StoreError

CASE = "DEMO-0001"
DEMO_TEXT = (data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")
DEMO = json.loads(DEMO_TEXT)
CHILD = DEMO["children"][0]["name"]


PASSPHRASE = "a fictional passphrase for tests"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """An encrypted store holding the demo case (scrypt at its lowest accepted cost, for speed)."""
    monkeypatch.setattr(crypto, "SCRYPT", {"n": crypto.SCRYPT_N[0], "r": 8, "p": 1})
    store = Store(tmp_path / "store")
    store.start_encryption(PASSPHRASE)
    store.encrypt_files()
    store.import_data(DEMO)
    return store


def _cipher(store: Store) -> crypto.StoreKey:
    key_file = crypto.KeyFile.parse(store.key_path.read_bytes(), store.key_path)
    return key_file.open_with(passphrase=PASSPHRASE, where=store.root)


def _again(store: Store) -> Store:
    """The same store as another process opens it, unlocked."""
    again = Store(store.root)
    again.unlock(passphrase=PASSPHRASE)
    return again


def _plain(store: Store, path: Path) -> bytes:
    """A case file's plain bytes, as the store wrote them (proof first)."""
    return _cipher(store).decrypt(path.read_bytes(), crypto.CASE)


def _put(store: Store, path: Path, plain: bytes) -> None:
    """Write `plain` in place of a case file, encrypted with the store's key (as a hand edit with the key would)."""
    path.write_bytes(_cipher(store).encrypt(plain, crypto.CASE))


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Which way each case was opened: 'built' (trusted, no field checks) or 'checked'."""
    calls: list[str] = []
    build, load = schema.build, schema.load

    def spying_build(cls: Any, data: Any) -> Any:
        if cls is Case:
            calls.append("built")
        return build(cls, data)

    def spying_load(cls: Any, data: Any, path: str = "") -> Any:
        if cls is Case:
            calls.append("checked")
        return load(cls, data, path)

    monkeypatch.setattr(schema, "build", spying_build)
    monkeypatch.setattr(schema, "load", spying_load)
    yield calls


def _opened(store: Store, *, read_only: bool = False) -> tuple[Case, bool]:
    with store.open(CASE, read_only=read_only) as case_file:
        return case_file.case, case_file.proven


# ----- the proof of integrity --------------------------------------------------------------------
def test_a_case_the_store_wrote_opens_without_field_checks_and_is_the_same_case(store: Store, spy: list[str]) -> None:
    case, was_proven = _opened(store)
    assert was_proven and spy == ["built"]
    assert case == _load_checked(Case, DEMO, "")
    case, was_proven = _opened(store, read_only=True)
    assert was_proven and case == _load_checked(Case, DEMO, "")


def test_a_case_saved_record_by_record_stays_proven(store: Store, spy: list[str]) -> None:
    with store.open(CASE) as case_file:
        action = case_file.case.actions[0]
        case_file.save(dataclasses.replace(action, evidence="Seen at home (fictional)."))
        case_file.save()
    spy.clear()
    case, was_proven = _opened(store)
    assert was_proven and spy == ["built"]
    assert case.actions[0].evidence == "Seen at home (fictional)."


def test_a_file_changed_outside_the_app_in_a_valid_way_is_checked_field_by_field(store: Store, spy: list[str]) -> None:
    path = store.case_path(CASE)
    raw = _plain(store, path)
    name = f'"children":[{{"id":1,"name":"{CHILD}"'.encode()
    assert raw.count(name) == 1
    _put(store, path, raw.replace(name, b'"children":[{"id":1,"name":"Changed Name (fictional)"'))
    case, was_proven = _opened(store)
    assert not was_proven and spy == ["checked"]
    assert case.children[0].name == "Changed Name (fictional)"


def test_a_file_changed_outside_the_app_in_an_invalid_way_is_refused_exactly_as_before(
    store: Store, spy: list[str]
) -> None:
    path = store.case_path(CASE)
    raw = _plain(store, path)
    mobility = f'"mobility":"{DEMO["children"][0]["mobility"]}"'.encode()
    assert raw.count(mobility) == 1
    _put(store, path, raw.replace(mobility, b'"mobility":"flying"'))
    for read_only in (False, True):
        with pytest.raises(DamagedFile) as damaged:
            store.open(CASE, read_only=read_only)
        assert str(damaged.value) == (
            f"The file {path} is damaged and was not changed (a record is not valid: children[0].mobility: "
            "should be one of unborn, non_mobile, mobile, not_recorded). No readable backup was found."
        )
    assert "built" not in spy


def test_a_valid_proof_over_other_bytes_holds_for_no_change_of_a_byte(store: Store) -> None:
    raw = _plain(store, store.case_path(CASE))
    key = store.proof_key(create=False)
    assert proven(raw, key)
    header = raw.index(b'"case"')
    for at in (0, 10, 40, header, len(raw) // 2, len(raw) - 2, len(raw) - 1):
        changed = raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1 :]
        assert not proven(changed, key), at
    assert not proven(raw[:-1], key)
    assert not proven(raw + b" ", key)
    assert not proven(raw, None)


def test_a_file_from_an_earlier_release_without_a_proof_is_checked_then_sealed_by_the_next_save(
    store: Store, spy: list[str]
) -> None:
    path = store.case_path(CASE)
    tables = orjson.loads(_plain(store, path))
    del tables["_proof"]
    _put(store, path, dump_json(tables))  # as the release before the proof wrote its files
    case, was_proven = _opened(store)
    assert not was_proven and spy == ["checked"] and case == _load_checked(Case, DEMO, "")
    with store.open(CASE) as case_file:
        case_file.save()
    spy.clear()
    case, was_proven = _opened(store)
    assert was_proven and spy == ["built"] and case == _load_checked(Case, DEMO, "")


def test_a_file_copied_from_another_store_is_checked(store: Store, tmp_path: Path, spy: list[str]) -> None:
    other = Store(tmp_path / "other")
    other.case_path(CASE).write_bytes(_plain(store, store.case_path(CASE)))  # proof and all
    spy.clear()
    with other.open(CASE) as case_file:
        assert not case_file.proven
    assert spy == ["checked"]


def test_a_proof_made_under_other_checking_code_does_not_hold(
    store: Store, monkeypatch: pytest.MonkeyPatch, spy: list[str]
) -> None:
    monkeypatch.setattr(store_module, "_checking_code", lambda: b"the rules of another release")
    case, was_proven = _opened(_again(store))
    assert not was_proven and spy == ["checked"]


def test_a_plain_store_checks_every_file_even_one_proven_with_what_its_folder_holds(
    tmp_path: Path, spy: list[str]
) -> None:
    """Issue 21, point 7: in a plain store, whoever can write a case file can read any secret kept
    beside it, so a proof there is no protection. A file "proven" with the store's own proof key,
    holding a score of 11 and a name of NUL and ESC, is refused as the full check refuses it."""
    plain = Store(tmp_path / "plain")
    plain.import_data(DEMO)
    assert plain.proof_key(create=True) is None
    secret = (plain.cases_dir / ".proof-key").read_bytes()  # the history's secret, readable by its owner
    path = plain.case_path(CASE)
    tables = orjson.loads(path.read_bytes())
    tables.pop("_proof", None)
    meeting = next(iter(tables["meetings"]))
    tables["meetings"][meeting]["scaling"][0]["score"] = 11
    for key in (secret, hmac.digest(secret, b"coregroup case file proof\0", "sha256")):
        path.write_bytes(seal(dump_json(tables), key))
        spy.clear()
        with pytest.raises(DamagedFile, match=r"score: .*11"):
            Store(plain.root).open(CASE, read_only=True)
        assert spy == ["checked"]
    tables["meetings"][meeting]["scaling"][0]["score"] = 7
    tables["case"]["1"]["children"][0]["name"] = "\x00\x1b[2J"
    path.write_bytes(seal(dump_json(tables), secret))
    with pytest.raises(DamagedFile, match="name"):
        Store(plain.root).open(CASE, read_only=True)


def test_an_encrypted_store_with_a_lost_proof_secret_still_proves_its_files(store: Store, spy: list[str]) -> None:
    """The proof is keyed by the store key, not by the plain `.proof-key` beside the files."""
    key = store.cases_dir / ".proof-key"
    key.write_bytes(b"short")
    spy.clear()
    assert _opened(_again(store))[1] is True and spy == ["built"]


def test_a_proven_file_still_meets_the_rules_across_records(store: Store) -> None:
    """A proof says the records were checked one by one when written; the rules across records
    (here: an action raised at a meeting that is not in the case) are checked on every open."""
    path = store.case_path(CASE)
    tables = orjson.loads(_plain(store, path))
    del tables["_proof"]
    first = next(iter(tables["actions"]))
    tables["actions"][first]["raised_at"] = 999
    _put(store, path, seal(dump_json(tables), store.proof_key(create=False)))
    assert proven(_plain(store, path), store.proof_key(create=False))
    with pytest.raises(DamagedFile, match=r"actions\[0\]\.raised_at: 999 is not a meeting of this case"):
        store.open(CASE)


def test_records_built_from_a_proven_file_share_nothing_with_the_stored_rows(store: Store) -> None:
    with store.open(CASE) as case_file:
        storage = case_file._db.storage
        rows_before = orjson.dumps(storage.read())
        person = case_file.case.people[0]
        person.known_to.append("Changed in memory (fictional)")
        case_file.case.meetings[0].steps[0].answers["extra"] = True
        case_file.case.expected_agencies.append("Another (fictional)")
        assert orjson.dumps(storage.read()) == rows_before


# ----- the compiled loader, builder and dumper -----------------------------------------------------
def test_the_refused_characters_are_those_of_the_text_rules() -> None:
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        broken = LONE_SURROGATE.search(char) is not None
        assert (schema._BAD_ONE_LINE.search(char) is not None) == (broken or REFUSED_ONE_LINE.search(char) is not None)
        assert (schema._BAD_MANY_LINES.search(char) is not None) == (
            broken or REFUSED_MANY_LINES.search(char) is not None
        )


def _outcome(fn: Any, *args: Any) -> Any:
    try:
        return ("ok", fn(*args))
    except Exception as problem:  # noqa: BLE001 - the outcome is compared, whatever it is
        return ("refused", type(problem), str(problem))


_ODD_TEXT = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from(["\x00", "\n", "\t", "\r", "\x7f", "\x85", "\u2028", "\ud800", "\udfff", "\ufeff", " "]),
    ),
    max_size=12,
)
_ODD_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 0, -1, 10, 11, 1.0, float("nan")]),
        st.floats(allow_nan=False),
        _ODD_TEXT,
        st.sampled_from(
            ["2024-02-29", "2023-02-29", "2024-1-01", "١٢٣٤-٠١-٠١", "20240101", "10:00", "24:00", "10:00\n"]
        ),
        st.sampled_from(["2024-01-01T10:00:00", "2024-01-01 10:00", "2024-01-01T10:00:00+01:00", "2024-W01-1"]),
        st.sampled_from(["in_person", "online", "phone", "attended", "done", "visit", "neglect", "mobile", ""]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_ODD_TEXT, inner, max_size=3)),
    max_leaves=6,
)
_RECORDS: list[tuple[type, dict[str, Any]]] = [
    (Person, DEMO["people"][0]),
    (Attendee, DEMO["meetings"][0]["attendees"][0]),
    (AgendaStep, DEMO["meetings"][0]["steps"][0]),
    (Meeting, DEMO["meetings"][0]),
    (Action, DEMO["actions"][0]),
    (ChronologyEntry, DEMO["chronology"][0]),
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_RECORDS), st.data())
def test_the_compiled_loader_accepts_and_refuses_exactly_what_the_checks_do(
    record: tuple[type, dict[str, Any]], data: st.DataObject
) -> None:
    cls, good = record
    changed = dict(good)
    field = data.draw(st.sampled_from([*good, "not_a_field"]))
    how = data.draw(st.sampled_from(["replace", "remove"]))
    if how == "remove":
        changed.pop(field, None)
    else:
        changed[field] = data.draw(_ODD_VALUES)
    expected = _outcome(_load_checked, cls, changed, "meetings[3]")
    assert _outcome(schema.load, cls, changed, "meetings[3]") == expected
    compiled = schema._LOADERS[cls]
    if expected[0] == "ok":  # the compiled loader agrees, rather than leaving it to the checks
        assert _outcome(compiled, changed) in (expected, ("refused", schema._GiveUp, ""))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_cases())
def test_generated_cases_load_build_and_dump_as_the_field_by_field_code_does(data: dict[str, Any]) -> None:
    expected = _outcome(_load_checked, Case, data, "")
    assert _outcome(schema.load, Case, data) == expected
    if expected[0] != "ok":
        return
    case = expected[1]
    assert schema._LOADERS[Case](data) == case  # valid data never falls back to the slow checks
    dumped = schema.dump(case)
    assert dumped == _reference_dump(case)
    assert schema.build(Case, orjson.loads(orjson.dumps(dumped))) == case
    assert export_bytes(dumped) == (json.dumps(dumped, indent=2, ensure_ascii=False) + "\n").encode()


def _reference_dump(record: Any) -> Any:
    """`schema.dump` as it was written before it was compiled."""
    import datetime as dt
    import enum

    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: _reference_dump(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, enum.Enum):
        return record.value
    if isinstance(record, list):
        return [_reference_dump(v) for v in record]
    if isinstance(record, dict):
        return {k: _reference_dump(v) for k, v in record.items()}
    if isinstance(record, dt.datetime):
        return record.isoformat(timespec="seconds")
    if isinstance(record, dt.time):
        return record.strftime("%H:%M")
    if isinstance(record, dt.date):
        return record.isoformat()
    return record


def test_the_demo_case_dumps_builds_and_exports_as_before() -> None:
    case = _load_checked(Case, DEMO, "")
    assert schema.load(Case, DEMO) == case
    assert schema.dump(case) == _reference_dump(case) == DEMO
    assert schema.build(Case, DEMO) == case
    assert export_bytes(DEMO).decode("utf-8") == DEMO_TEXT
    odd = {**case.__dict__}
    odd["status_as_text"] = "a value of an unexpected type is dumped by the general code"
    assert schema.dump(odd) == _reference_dump(odd)


def test_the_builder_refuses_what_dump_did_not_write() -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - any error: the caller then checks field by field
        schema.build(Case, {**DEMO, "children": [{"id": 1}]})
    action = {**DEMO["actions"][0], "status": "finished"}
    with pytest.raises(KeyError):
        schema.build(Action, action)
    with pytest.raises(schema._GiveUp):
        schema.build(Action, {**DEMO["actions"][0], "number": "1"})


# ----- export and import -------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(_ODD_VALUES)
def test_the_export_is_byte_for_byte_what_json_wrote(value: Any) -> None:
    data = {"id": "X-1", "notes": value, "list": [value, {"nested": value}], "text": "é\u2028\U0001f600\x7f\x1f"}
    expected = _outcome(lambda: (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    if _has_float(value):
        return  # a case holds no fractions (the schema refuses them); orjson writes them its own way
    assert _outcome(export_bytes, data) == expected


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    return False


@pytest.mark.parametrize(
    "content",
    [
        b'{"id": "X-1", "children": [{"id": 18446744073709551616}]}',
        b'{"id": "X-1", "children": [{"id": NaN}]}',
        b'{"id": "X-1", "children": [{"id": 1e400}]}',
        b'\xef\xbb\xbf{"id": "X-1"}',
        b'{"id": "X-1", "team": "\\ud800"}',
        b'{"id": "X-1",}',
        b'{"id": "X-1", "team": "\xff"}',
        b"[1, 2]",
    ],
)
def test_an_import_is_refused_with_the_same_words_as_before(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(content)
    store = Store(tmp_path / "store")
    before = _outcome(lambda: store.import_data(read_case_file(path)))
    assert before[0] == "refused"
    assert _outcome(lambda: import_case_file(store, path)) == before
    assert not store.exists("X-1")


def test_an_imported_case_is_proven_and_exports_to_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.json"
    path.write_text(DEMO_TEXT, encoding="utf-8")
    monkeypatch.setattr(crypto, "SCRYPT", {"n": crypto.SCRYPT_N[0], "r": 8, "p": 1})
    store = Store(tmp_path / "store")
    store.start_encryption(PASSPHRASE)
    case = import_case_file(store, path)
    assert case == _load_checked(Case, DEMO, "")
    assert _opened(store)[1]
    assert export_bytes(store.export_data(CASE)) == DEMO_TEXT.encode("utf-8")
    with pytest.raises(StoreError, match="already in the store"):
        import_case_file(store, path)
    import_case_file(store, path, replace=True)
    again = store.export_data(CASE)
    [replaced] = again.pop("history")  # who imported over the case, even with nothing changed
    assert (replaced["event"], replaced["changes"]) == ("replaced", [])
    assert len(list(COLLECTIONS)) == 7 and export_bytes(again) == DEMO_TEXT.encode("utf-8")


def test_replacing_a_case_by_import_needs_no_parse_of_the_proven_file_and_keeps_its_backup(store: Store) -> None:
    path = store.case_path(CASE)
    before = path.read_bytes()
    store.import_data({**DEMO, "team": "Example Team (fictional)"}, replace=True)
    assert Path(f"{path}.bak").read_bytes() == before
    assert store.export_data(CASE)["team"] == "Example Team (fictional)"


def test_invalid_record_is_what_the_compiled_loader_leaves_to_the_checks() -> None:
    bad = {**DEMO["actions"][0], "due": "2026-02-30"}
    with pytest.raises(InvalidRecord, match=r"actions\[0\]\.due: '2026-02-30' is not a real date"):
        schema.load(Action, bad, "actions[0]")
