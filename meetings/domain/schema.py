"""Turning records into plain JSON data and back, checking every field on the way in.

The records in `records.py` are dataclasses; this module reads their type hints so the rules
for a field are written once, beside the field. `load` refuses bad data with the path of the
first bad field (``meetings[2].attendees[0].mode: 'zoom' is not one of in_person, online,
phone``); `dump` writes the canonical form that `coregroup export` prints; `json_schema`
describes the same format for other tools.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import types
import typing
from typing import Any, TypeVar, get_args, get_origin

from .text import LONE_SURROGATE, refused_in

T = TypeVar("T")

_INT_LIMIT = 2**63  # the largest whole numbers the case files (orjson) can store
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class InvalidRecord(ValueError):
    """Data that is not a valid record. `path` names the field, `problem` says what is wrong."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


def text(
    *,
    default: str = "",
    required: bool = False,
    multiline: bool = False,
    max_length: int = 200_000,
    doc: str = "",
) -> Any:
    """A text field. One-line fields refuse line breaks and control characters."""
    return dataclasses.field(
        default=default,
        metadata={"required": required, "multiline": multiline, "max_length": max_length, "doc": doc},
    )


def number(*, default: int = 0, minimum: int | None = None, maximum: int | None = None, doc: str = "") -> Any:
    return dataclasses.field(default=default, metadata={"minimum": minimum, "maximum": maximum, "doc": doc})


def items(*, doc: str = "", min_items: int = 0) -> Any:
    """A list field (children, attendees, actions ...)."""
    return dataclasses.field(default_factory=list, metadata={"doc": doc, "min_items": min_items})


def mapping(*, doc: str = "") -> Any:
    return dataclasses.field(default_factory=dict, metadata={"doc": doc})


def _describe(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "...'"


def _join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


_HINTS: dict[type, dict[str, Any]] = {}
_FIELDS: dict[type, tuple[dataclasses.Field[Any], ...]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    if cls not in _FIELDS:
        _FIELDS[cls] = dataclasses.fields(cls)
    return _FIELDS[cls]


def _is_optional(tp: Any) -> tuple[bool, Any]:
    if get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) < len(get_args(tp)):
            return True, args[0] if len(args) == 1 else typing.Union[tuple(args)]  # noqa: UP007
    return False, tp


def _load_value(tp: Any, value: Any, path: str, meta: typing.Mapping[str, Any]) -> Any:
    optional, inner = _is_optional(tp)
    if value is None:
        if optional:
            return None
        raise InvalidRecord(path, "is required and may not be empty")
    tp = inner
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        # A structured answer: any one of a few plain JSON kinds.
        for option in get_args(tp):
            if option is bool and isinstance(value, bool):
                return value
            if option is int and isinstance(value, int) and not isinstance(value, bool):
                return _load_value(int, value, path, {})
            if option is str and isinstance(value, str):
                return _load_text(value, path, {"multiline": True})
        names = ", ".join(a.__name__ for a in get_args(tp))
        raise InvalidRecord(path, f"{_describe(value)} is not one of the kinds {names}")
    if origin is list:
        if not isinstance(value, list):
            raise InvalidRecord(path, f"{_describe(value)} should be a list")
        (item_type,) = get_args(tp)
        loaded = [_load_value(item_type, v, _join(path, i), {}) for i, v in enumerate(value)]
        if len(loaded) < meta.get("min_items", 0):
            raise InvalidRecord(path, f"needs at least {meta['min_items']} item(s)")
        return loaded
    if origin is dict:
        if not isinstance(value, dict):
            raise InvalidRecord(path, f"{_describe(value)} should be an object")
        _, value_type = get_args(tp)
        return {_load_text(k, path, {}): _load_value(value_type, v, _join(path, k), {}) for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        return load(typing.cast(type, tp), value, path)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        allowed = [m.value for m in tp]
        if value not in allowed:
            return _bad_choice(path, value, allowed)
        return tp(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise InvalidRecord(path, f"{_describe(value)} should be true or false")
        return value
    if tp is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidRecord(path, f"{_describe(value)} should be a whole number")
        if not -_INT_LIMIT <= value < _INT_LIMIT:
            raise InvalidRecord(path, f"{value} is too large a number")
        lo, hi = meta.get("minimum"), meta.get("maximum")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise InvalidRecord(
                path, f"{value} is outside {lo} to {hi}" if hi is not None else f"{value} is below {lo}"
            )
        return value
    if tp is str:
        return _load_text(value, path, meta)
    if tp is dt.date:
        return parse_date(value, path)
    if tp is dt.time:
        return parse_time(value, path)
    if tp is dt.datetime:
        if not isinstance(value, str):
            raise InvalidRecord(path, f"{_describe(value)} should be a date and time (YYYY-MM-DDTHH:MM:SS)")
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise InvalidRecord(
                path, f"{_describe(value)} is not a valid date and time (YYYY-MM-DDTHH:MM:SS)"
            ) from None
    raise TypeError(f"no loader for {tp!r} at {path}")  # a programming error, not bad data


def _bad_choice(path: str, value: Any, allowed: list[str]) -> typing.NoReturn:
    raise InvalidRecord(path, f"{_describe(value)} is not one of {', '.join(allowed)}")


def _load_text(value: Any, path: str, meta: typing.Mapping[str, Any]) -> str:
    if not isinstance(value, str):
        raise InvalidRecord(path, f"{_describe(value)} should be text")
    lone = LONE_SURROGATE.search(value)
    if lone:
        raise InvalidRecord(
            path, f"holds a broken character (\\u{ord(lone.group()):04x}) at position {lone.start() + 1}"
        )
    multiline = meta.get("multiline", False)
    bad = refused_in(value, multiline=multiline)
    if bad:
        what = "a line break" if bad.group() in "\r\n" else f"the control character {bad.group()!r}"
        where = "" if multiline else " (this field is one line)"
        raise InvalidRecord(path, f"contains {what} at position {bad.start() + 1}{where}")
    if meta.get("required") and not value.strip():
        raise InvalidRecord(path, "must not be empty")
    limit = meta.get("max_length", 200_000)
    if len(value) > limit:
        raise InvalidRecord(path, f"is {len(value):,} characters long; the most is {limit:,}")
    return value


def parse_date(value: Any, path: str = "date") -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise InvalidRecord(path, f"{_describe(value)} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidRecord(path, f"{_describe(value)} is not a real date") from None


def parse_time(value: Any, path: str = "time") -> dt.time:
    if isinstance(value, dt.time):
        return value
    if not isinstance(value, str) or not _TIME.match(value):
        raise InvalidRecord(path, f"{_describe(value)} is not a time in the form HH:MM (24-hour)")
    return dt.time.fromisoformat(value)


def load(cls: type[T], data: Any, path: str = "") -> T:
    """Build a record of type `cls` from JSON data, refusing anything that is not exactly right."""
    if not isinstance(data, dict):
        raise InvalidRecord(path, f"{_describe(data)} should be an object")
    hints = _hints(cls)
    known = {f.name for f in _fields(cls)}
    for key in data:
        if key not in known:
            raise InvalidRecord(_join(path, str(key)), "is not a field of this record")
    values: dict[str, Any] = {}
    for f in _fields(cls):
        field_path = _join(path, f.name)
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise InvalidRecord(field_path, "is missing")
            if f.metadata.get("required"):
                raise InvalidRecord(field_path, "is missing")
            continue
        values[f.name] = _load_value(hints[f.name], data[f.name], field_path, f.metadata)
    record = cls(**values)
    check = getattr(record, "check", None)
    if check is not None:
        try:
            check()
        except InvalidRecord as problem:
            raise InvalidRecord(_join(path, problem.path) if problem.path else path, problem.problem) from None
    return record


def dump(record: Any) -> Any:
    """The canonical JSON form of a record: every field, in declaration order."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: dump(getattr(record, f.name)) for f in _fields(type(record))}
    if isinstance(record, enum.Enum):
        return record.value
    if isinstance(record, list):
        return [dump(v) for v in record]
    if isinstance(record, dict):
        return {k: dump(v) for k, v in record.items()}
    if isinstance(record, dt.datetime):
        return record.isoformat(timespec="seconds")
    if isinstance(record, dt.time):
        return record.strftime("%H:%M")
    if isinstance(record, dt.date):
        return record.isoformat()
    return record


def _schema_for(tp: Any, meta: typing.Mapping[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    optional, inner = _is_optional(tp)
    if optional:
        return {"anyOf": [_schema_for(inner, meta, defs), {"type": "null"}]}
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema_for(a, {}, defs) for a in get_args(tp)]}
    if origin is list:
        out: dict[str, Any] = {"type": "array", "items": _schema_for(get_args(tp)[0], {}, defs)}
        if meta.get("min_items"):
            out["minItems"] = meta["min_items"]
        return out
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_for(get_args(tp)[1], {}, defs)}
    if dataclasses.is_dataclass(tp):
        name = typing.cast(type, tp).__name__
        if name not in defs:
            defs[name] = {}  # reserve the name first: records may refer to each other
            defs[name] = _record_schema(typing.cast(type, tp), defs)
        return {"$ref": f"#/$defs/{name}"}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [m.value for m in tp]}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        out = {"type": "integer"}
        if meta.get("minimum") is not None:
            out["minimum"] = meta["minimum"]
        if meta.get("maximum") is not None:
            out["maximum"] = meta["maximum"]
        return out
    if tp is str:
        out = {"type": "string", "maxLength": meta.get("max_length", 200_000)}
        if meta.get("required"):
            out["minLength"] = 1
        if not meta.get("multiline"):
            out["pattern"] = "^[^\\u0000-\\u001f\\u007f]*$"
        return out
    if tp is dt.date:
        return {"type": "string", "format": "date", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}
    if tp is dt.time:
        return {"type": "string", "pattern": "^([01]\\d|2[0-3]):[0-5]\\d$"}
    if tp is dt.datetime:
        return {"type": "string", "format": "date-time"}
    raise TypeError(f"no schema for {tp!r}")


def _record_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in _fields(cls):
        prop = _schema_for(hints[f.name], f.metadata, defs)
        if f.metadata.get("doc"):
            prop = {"description": f.metadata["doc"], **prop}
        props[f.name] = prop
        no_default = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if no_default or f.metadata.get("required"):
            required.append(f.name)
    out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": props}
    if cls.__doc__:
        out = {"description": " ".join(cls.__doc__.split()), **out}
    if required:
        out["required"] = required
    return out


def json_schema(cls: type, title: str) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for the canonical form of `cls`."""
    defs: dict[str, Any] = {}
    root = _record_schema(cls, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        **root,
        "$defs": dict(sorted(defs.items())),
    }
