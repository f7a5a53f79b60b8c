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
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")  # the one form `dump` writes, no time zone


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


_SAFE_TO_SHOW = re.compile(r"[0-9 :T+\-./]{1,30}")  # dates, times, numbers: never a name


def _not(value: Any) -> str:
    """ ", not VALUE" when the value is safe to show (a date, a number), else nothing."""
    if isinstance(value, str) and not _SAFE_TO_SHOW.fullmatch(value):
        return ""
    return f", not {_describe(value)}"


def _describe(value: Any) -> str:
    """The refused value, as a message may show it: numbers, dates and times as they are; anything
    that may hold a name (text, a list, an object) only by its kind."""
    if isinstance(value, bool) or value is None:
        return repr(value).lower() if value is not None else "null"
    if isinstance(value, int | float):
        shown = repr(value)
        return shown if len(shown) <= 30 else f"a number of {len(shown):,} digits"
    if isinstance(value, str):
        return repr(value) if _SAFE_TO_SHOW.fullmatch(value) else ("text" if value else "empty text")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


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
        raise InvalidRecord(path, f"should be one of the kinds {names}, not {_describe(value)}")
    if origin is list:
        if not isinstance(value, list):
            raise InvalidRecord(path, f"should be a list, not {_describe(value)}")
        (item_type,) = get_args(tp)
        loaded = [_load_value(item_type, v, _join(path, i), {}) for i, v in enumerate(value)]
        if len(loaded) < meta.get("min_items", 0):
            raise InvalidRecord(path, f"needs at least {meta['min_items']} item(s)")
        return loaded
    if origin is dict:
        if not isinstance(value, dict):
            raise InvalidRecord(path, f"should be an object, not {_describe(value)}")
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
            raise InvalidRecord(path, f"should be true or false, not {_describe(value)}")
        return value
    if tp is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidRecord(path, f"should be a whole number, not {_describe(value)}")
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
        if not isinstance(value, str) or not _MOMENT.fullmatch(value):
            raise InvalidRecord(path, f"should be a date and time (YYYY-MM-DDTHH:MM:SS), not {_describe(value)}")
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise InvalidRecord(
                path, f"{_describe(value)} is not a valid date and time (YYYY-MM-DDTHH:MM:SS)"
            ) from None
        if not in_date_range(moment):
            raise InvalidRecord(path, f"{value} is not a moment a case may hold: it should be {DATE_RANGE_WORDS}")
        return moment
    raise TypeError(f"no loader for {tp!r} at {path}")  # a programming error, not bad data


def _bad_choice(path: str, value: Any, allowed: list[str]) -> typing.NoReturn:
    raise InvalidRecord(path, f"should be one of {', '.join(allowed)}{_not(value)}")


def _load_text(value: Any, path: str, meta: typing.Mapping[str, Any]) -> str:
    if not isinstance(value, str):
        raise InvalidRecord(path, f"should be text, not {_describe(value)}")
    lone = LONE_SURROGATE.search(value)
    if lone:
        raise InvalidRecord(
            path, f"holds a broken character (\\u{ord(lone.group()):04x}) at position {lone.start() + 1}"
        )
    multiline = meta.get("multiline", False)
    if multiline and "\r" in value:  # Windows line endings: kept as line breaks
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    bad = refused_in(value, multiline=multiline)
    if bad:
        char = bad.group()
        what = (
            "a line break"
            if char in "\r\n\x85\u2028\u2029"
            else f"a control that reverses or reorders text (U+{ord(char):04X})"
            if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069"
            else f"the control character {char!r}"
        )
        where = "" if multiline else " (this field is one line)"
        raise InvalidRecord(path, f"contains {what} at position {bad.start() + 1}{where}")
    if meta.get("required") and not value.strip():
        raise InvalidRecord(path, "must not be empty")
    limit = meta.get("max_length", 200_000)
    if len(value) > limit:
        raise InvalidRecord(path, f"is {len(value):,} characters long; the most is {limit:,}")
    return typing.cast(str, value)


#: The dates a case may hold. Other systems write 9999-12-31 to mean "no date"; kept, it broke
#: every working-day sum that reached it. A case holds no date before 1900 or after 2200.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
DATE_RANGE_WORDS = f"between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"


def in_date_range(day: dt.date) -> bool:
    return EARLIEST_DATE <= (day.date() if isinstance(day, dt.datetime) else day) <= LATEST_DATE


def parse_date(value: Any, path: str = "date") -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        found = value
    else:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise InvalidRecord(path, f"should be a date in the form YYYY-MM-DD{_not(value)}")
        try:
            found = dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidRecord(path, f"{_describe(value)} is not a real date") from None
    if not in_date_range(found):
        raise InvalidRecord(path, f"{found.isoformat()} is not a date a case may hold: it should be {DATE_RANGE_WORDS}")
    return found


def parse_time(value: Any, path: str = "time") -> dt.time:
    if isinstance(value, dt.time):
        return value
    if not isinstance(value, str) or not _TIME.match(value):
        raise InvalidRecord(path, f"should be a time in the form HH:MM (24-hour){_not(value)}")
    return dt.time.fromisoformat(value)


def load(cls: type[T], data: Any, path: str = "") -> T:
    """Build a record of type `cls` from JSON data, refusing anything that is not exactly right.

    A loader compiled once per record type checks the data first; it accepts exactly what the
    field-by-field checks below accept (it gives up, rather than decides, on anything else), so
    valid data is built quickly and any problem is found and worded by the checks below."""
    fast = _LOADERS.get(cls)
    if fast is None:
        fast = _compile(cls, _LOADERS, _loader_source)
    try:
        return typing.cast(T, fast(data))
    except Exception:  # noqa: BLE001 - whatever the compiled loader gives up on, the checks below decide
        return _load_checked(cls, data, path)


def _load_checked(cls: type[T], data: Any, path: str) -> T:
    if not isinstance(data, dict):
        raise InvalidRecord(path, f"should be an object, not {_describe(data)}")
    hints = _hints(cls)
    known = {f.name for f in _fields(cls)}
    for key in data:
        if key not in known:
            raise InvalidRecord(_join(path, str(key)), "is not a field of this record")
    values: dict[str, Any] = {}
    for f in _fields(cls):
        field_path = _join(path, f.name)
        if f.name not in data:
            if not _may_be_left_out(cls, f):
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


def _may_be_left_out(cls: type, f: dataclasses.Field[Any]) -> bool:
    """Whether a record may leave out field `f`: only if the field's default is itself a valid
    value (a record without its number would otherwise be numbered 0, and a case without
    children given none, which nothing can open later)."""
    key = (cls, f.name)
    if key not in _DEFAULT_VALID:
        no_default = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if no_default or f.metadata.get("required"):
            _DEFAULT_VALID[key] = False
        else:
            factory = f.default_factory
            default = f.default if f.default is not dataclasses.MISSING else factory()  # type: ignore[operator]
            try:
                _load_value(_hints(cls)[f.name], dump(default), f.name, f.metadata)
            except InvalidRecord:
                _DEFAULT_VALID[key] = False
            else:
                _DEFAULT_VALID[key] = True
    return _DEFAULT_VALID[key]


_DEFAULT_VALID: dict[tuple[type, str], bool] = {}


def dump(record: Any) -> Any:
    """The canonical JSON form of a record: every field, in declaration order."""
    fast = _DUMPERS.get(type(record))
    if fast is not None:
        return fast(record)
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return _compile(type(record), _DUMPERS, _dumper_source)(record)
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
            out["pattern"] = "^[^\\u0000-\\u001f\\u007f\\u202a-\\u202e\\u2066-\\u2069]*$"
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
        if not _may_be_left_out(cls, f):
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


# ----- compiled loaders, builders and dumpers ----------------------------------------------------
# `load`, `build` and `dump` walk the same type hints as the checks above, but once per record
# type: each type gets a small function written out for its fields (as `dataclasses` writes
# `__init__`), so a case of thousands of records is not re-introspected field by field.


class _GiveUp(Exception):
    """The compiled loader met something it does not decide; the field-by-field checks do."""


Compiled = typing.Callable[[Any], Any]
_LOADERS: dict[type, Compiled] = {}
_BUILDERS: dict[type, Compiled] = {}
_DUMPERS: dict[type, Compiled] = {}

# The characters `_load_text` refuses in a one-line field and in a notes field, and the broken
# (lone surrogate) characters it refuses in both, each as one character class; a test checks
# them against `text.REFUSED_ONE_LINE`, `text.REFUSED_MANY_LINES` and `text.LONE_SURROGATE` for
# every character.
_BAD_ONE_LINE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_BAD_MANY_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NONE = type(None)
_PLAIN = frozenset({str, int, bool, _NONE})

# Dates, times and moments are immutable, and a case repeats the same few thousand: each text
# is parsed once per process (a cache for each kind, so that the compiled code looks one up
# without calling a function).
_PARSED: dict[type, dict[str, Any]] = {dt.date: {}, dt.time: {}, dt.datetime: {}}
_PARSED_MAX = 100_000


def _give_up() -> typing.NoReturn:
    raise _GiveUp


def _parsed(kind: type, value: Any) -> Any:
    """`value` (text) as a date, time or moment, exactly as `_load_value` reads it, or give up."""
    if type(value) is not str:
        raise _GiveUp
    cache = _PARSED[kind]
    found = cache.get(value)
    if found is not None:
        return found
    if kind is dt.date:
        if not _DATE.fullmatch(value):
            raise _GiveUp
        found = dt.date.fromisoformat(value)
        if not in_date_range(found):  # the full check says why
            raise _GiveUp
    elif kind is dt.time:
        if not _TIME.match(value):
            raise _GiveUp
        found = dt.time.fromisoformat(value)
    else:
        if not _MOMENT.fullmatch(value):
            raise _GiveUp
        found = dt.datetime.fromisoformat(value)
        if not in_date_range(found):
            raise _GiveUp
    if len(cache) >= _PARSED_MAX:
        cache.clear()
    cache[value] = found
    return found


def build(cls: type[T], data: Any) -> T:
    """Build a record of type `cls` from data in the canonical form that `dump` wrote, without
    checking its fields: only for data known to have come from `dump` (a case file whose proof of
    integrity holds). Anything not in that form raises an error; it is never built wrongly."""
    fast = _BUILDERS.get(cls)
    if fast is None:
        fast = _compile(cls, _BUILDERS, _builder_source)
    return typing.cast(T, fast(data))


def _compile(cls: type, table: dict[type, Compiled], source: typing.Callable[..., list[str]]) -> Compiled:
    namespace: dict[str, Any] = {
        "GiveUp": _GiveUp,
        "MISSING": dataclasses.MISSING,
        "parsed": _parsed,
        "dt": dt,
        "PLAIN": _PLAIN,
        "NONE": _NONE,
        "dump_any": dump,
        "new": object.__new__,
        "give_up": _give_up,
    }
    lines = source(cls, namespace)
    exec("\n".join(lines), namespace)  # noqa: S102 - code written here, from the record's own type hints
    function: Compiled = namespace["compiled"]
    table[cls] = function
    return function


class _Names:
    """Constants for generated code, each under a fresh name."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.count = 0

    def add(self, value: Any) -> str:
        self.count += 1
        name = f"c{self.count}"
        self.namespace[name] = value
        return name

    def var(self) -> str:
        self.count += 1
        return f"v{self.count}"


def _plain_record(cls: type) -> bool:
    """A dataclass whose `__init__` only stores its fields, so building may store them directly."""
    params = getattr(cls, "__dataclass_params__", None)
    return (
        params is not None
        and not params.frozen
        and not hasattr(cls, "__post_init__")
        and not hasattr(cls, "__slots__")
        and all(f.init for f in _fields(cls))
    )


def _record_loader(cls: type, names: _Names) -> str:
    loader = _LOADERS.get(cls) or _compile(cls, _LOADERS, _loader_source)
    return names.add(loader)


def _loader_source(cls: type, namespace: dict[str, Any]) -> list[str]:
    names = _Names(namespace)
    hints = _hints(cls)
    fields = _fields(cls)
    plain = _plain_record(cls)
    known = names.add(frozenset(f.name for f in fields))
    lines = [
        "def compiled(d):",
        f"    if type(d) is not dict or not d.keys() <= {known}:",
        "        raise GiveUp",
        f"    r = new({names.add(cls)})" if plain else "    kw = {}",
    ]
    for f in fields:
        target = f"r.{f.name}" if plain else f"kw[{f.name!r}]"
        if not _may_be_left_out(cls, f):
            missing = "raise GiveUp"
        elif not plain:
            missing = "pass"
        elif f.default is not dataclasses.MISSING:
            missing = f"{target} = {names.add(f.default)}"
        else:
            missing = f"{target} = {names.add(f.default_factory)}()"
        lines.append(f"    v = d.get({f.name!r}, MISSING)")
        lines.append("    if v is MISSING:")
        lines.append(f"        {missing}")
        lines.append("    else:")
        lines += _check_value(hints[f.name], f.metadata, "v", target, "        ", names)
    if not plain:
        lines.append(f"    r = {names.add(cls)}(**kw)")
    if hasattr(cls, "check"):
        lines.append("    r.check()")
    lines.append("    return r")
    return lines


def _check_value(tp: Any, meta: typing.Mapping[str, Any], src: str, dst: str, pad: str, names: _Names) -> list[str]:
    """Lines that check `src` as `_load_value(tp, src, ..., meta)` would and set `dst` to what it
    returns, or raise GiveUp (also for what the checks would accept, if unusual: say, a subclass
    of str)."""
    optional, inner = _is_optional(tp)
    if optional:
        return [
            f"{pad}if {src} is None:",
            f"{pad}    {dst} = None",
            f"{pad}else:",
            *_check_value(inner, meta, src, dst, pad + "    ", names),
        ]
    origin = get_origin(inner)
    if origin in (typing.Union, types.UnionType):
        lines = []
        keyword = "if"
        for option in get_args(inner):
            if option is str:
                lines.append(f"{pad}{keyword} type({src}) is str:")
                lines += _check_text(src, {"multiline": True}, pad + "    ", names)
            elif option is int:
                lines.append(f"{pad}{keyword} type({src}) is int:")
                lines += _check_int(src, {}, pad + "    ")
            elif option is bool:
                lines.append(f"{pad}{keyword} type({src}) is bool:")
                lines.append(f"{pad}    pass")
            else:
                continue
            keyword = "elif"
        lines.append(f"{pad}else:" if lines else f"{pad}if True:")
        lines.append(f"{pad}    raise GiveUp")
        lines.append(f"{pad}{dst} = {src}")
        return lines
    if origin is list:
        (item_type,) = get_args(inner)
        item = names.var()
        fn = names.add(_value_function(item_type, names))
        lines = [
            f"{pad}if type({src}) is not list:",
            f"{pad}    raise GiveUp",
            f"{pad}{dst} = [{fn}({item}) for {item} in {src}]",
        ]
        if meta.get("min_items", 0):
            lines += [f"{pad}if len({dst}) < {int(meta['min_items'])}:", f"{pad}    raise GiveUp"]
        return lines
    if origin is dict:
        _, value_type = get_args(inner)
        key, value = names.var(), names.var()
        key_fn = names.add(_value_function(str, names))
        value_fn = names.add(_value_function(value_type, names))
        return [
            f"{pad}if type({src}) is not dict:",
            f"{pad}    raise GiveUp",
            f"{pad}{dst} = {{{key_fn}({key}): {value_fn}({value}) for {key}, {value} in {src}.items()}}",
        ]
    if dataclasses.is_dataclass(inner):
        return [f"{pad}{dst} = {_record_loader(typing.cast(type, inner), names)}({src})"]
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        members = names.add({m.value: m for m in inner})
        return [f"{pad}{dst} = {members}.get({src})", f"{pad}if {dst} is None:", f"{pad}    raise GiveUp"]
    if inner is bool:
        return [f"{pad}if {src} is not True and {src} is not False:", f"{pad}    raise GiveUp", f"{pad}{dst} = {src}"]
    if inner is int:
        return [
            f"{pad}if type({src}) is not int:",
            f"{pad}    raise GiveUp",
            *_check_int(src, meta, pad),
            f"{pad}{dst} = {src}",
        ]
    if inner is str:
        return [
            f"{pad}if type({src}) is not str:",
            f"{pad}    raise GiveUp",
            *_check_text(src, meta, pad, names),
            f"{pad}{dst} = {src}",
        ]
    if inner in (dt.date, dt.time, dt.datetime):
        cache, kind = names.add(_PARSED[inner]), names.add(inner)
        return [f"{pad}{dst} = (type({src}) is str and {cache}.get({src})) or parsed({kind}, {src})"]
    raise TypeError(f"no loader for {inner!r}")  # a programming error, as in `_load_value`


def _check_int(src: str, meta: typing.Mapping[str, Any], pad: str) -> list[str]:
    lo, hi = -_INT_LIMIT, _INT_LIMIT - 1
    if meta.get("minimum") is not None:
        lo = max(lo, meta["minimum"])
    if meta.get("maximum") is not None:
        hi = min(hi, meta["maximum"])
    return [f"{pad}if not {int(lo)} <= {src} <= {int(hi)}:", f"{pad}    raise GiveUp"]


def _check_text(src: str, meta: typing.Mapping[str, Any], pad: str, names: _Names) -> list[str]:
    """Lines refusing what `_load_text` refuses (having checked that `src` is a str)."""
    bad = names.add((_BAD_MANY_LINES if meta.get("multiline", False) else _BAD_ONE_LINE).search)
    limit = int(meta.get("max_length", 200_000))
    # An ASCII text that is all printable holds none of the refused characters (the search
    # would say the same, more slowly).
    test = f"len({src}) > {limit} or ({src} and not ({src}.isascii() and {src}.isprintable()) and {bad}({src}))"
    if meta.get("required"):
        test += f" or not {src}.strip()"
    return [f"{pad}if {test}:", f"{pad}    raise GiveUp"]


def _value_function(tp: Any, names: _Names) -> Compiled:
    """A function checking one value of type `tp` (an item of a list or a mapping)."""
    if dataclasses.is_dataclass(tp):
        return _LOADERS.get(typing.cast(type, tp)) or _compile(typing.cast(type, tp), _LOADERS, _loader_source)
    lines = ["def compiled(v):", *_check_value(tp, {}, "v", "x", "    ", names), "    return x"]
    scope = dict(names.namespace)
    exec("\n".join(lines), scope)  # noqa: S102 - code written here, from the record's own type hints
    function: Compiled = scope["compiled"]
    return function


def _builder_source(cls: type, namespace: dict[str, Any]) -> list[str]:
    names = _Names(namespace)
    hints = _hints(cls)
    fields = _fields(cls)
    plain = _plain_record(cls)
    lines = ["def compiled(d):", f"    if len(d) != {len(fields)}:", "        raise GiveUp"]
    lines.append(f"    r = new({names.add(cls)})" if plain else "    kw = {}")
    for f in fields:
        value = names.var()
        lines.append(f"    {value} = d[{f.name!r}]")
        target = f"r.{f.name}" if plain else f"kw[{f.name!r}]"
        lines.append(f"    {target} = {_build_expr(hints[f.name], value, names)}")
    if not plain:
        lines.append(f"    r = {names.add(cls)}(**kw)")
    lines.append("    return r")
    return lines


def _build_expr(tp: Any, src: str, names: _Names) -> str:
    """An expression turning `src`, as `dump` wrote it, back into the value of type `tp`."""
    optional, inner = _is_optional(tp)
    if optional:
        return f"(None if {src} is None else {_build_expr(inner, src, names)})"
    origin = get_origin(inner)
    if origin in (typing.Union, types.UnionType):
        # an answer: plain values only, and text without a carriage return (see str below)
        return f"({src} if type({src}) in PLAIN and not (type({src}) is str and '\\r' in {src}) else give_up())"
    if origin is list:
        (item_type,) = get_args(inner)
        item = names.var()
        return f"[{_build_expr(item_type, item, names)} for {item} in {src}]"
    if origin is dict:
        _, value_type = get_args(inner)
        key, value = names.var(), names.var()
        return f"{{{key}: {_build_expr(value_type, value, names)} for {key}, {value} in {src}.items()}}"
    if dataclasses.is_dataclass(inner):
        builder = _BUILDERS.get(typing.cast(type, inner)) or _compile(
            typing.cast(type, inner), _BUILDERS, _builder_source
        )
        return f"{names.add(builder)}({src})"
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return f"{names.add({m.value: m for m in inner})}[{src}]"
    if inner is str:  # a carriage return: the full check turns it into a line break, so it decides
        return f"({src} if type({src}) is str and '\\r' not in {src} else give_up())"
    if inner in (bool, int):
        return f"({src} if type({src}) is {inner.__name__} else give_up())"
    if inner in (dt.date, dt.time, dt.datetime):
        cache, kind = names.add(_PARSED[inner]), names.add(inner)  # dates, times and moments are never false
        return f"((type({src}) is str and {cache}.get({src})) or parsed({kind}, {src}))"
    raise TypeError(f"no builder for {inner!r}")


def _dumper_source(cls: type, namespace: dict[str, Any]) -> list[str]:
    names = _Names(namespace)
    hints = _hints(cls)
    lines = ["def compiled(r):", "    out = {}"]
    for f in _fields(cls):
        value = names.var()
        lines.append(f"    {value} = r.{f.name}")
        lines.append(f"    out[{f.name!r}] = {_dump_expr(hints[f.name], value, names)}")
    lines.append("    return out")
    return lines


def _dump_expr(tp: Any, src: str, names: _Names) -> str:
    """An expression giving `dump(src)` for a value declared as `tp`: quick when the value is of
    that type, `dump` itself for anything else."""
    optional, inner = _is_optional(tp)
    quick: str | None = None
    kind = ""
    origin = get_origin(inner)
    if origin is list:
        (item_type,) = get_args(inner)
        item = names.var()
        quick, kind = f"[{_dump_expr(item_type, item, names)} for {item} in {src}]", "list"
    elif origin is dict:
        _, value_type = get_args(inner)
        key, value = names.var(), names.var()
        quick, kind = f"{{{key}: {_dump_expr(value_type, value, names)} for {key}, {value} in {src}.items()}}", "dict"
    elif dataclasses.is_dataclass(inner):
        dumper = _DUMPERS.get(typing.cast(type, inner)) or _compile(typing.cast(type, inner), _DUMPERS, _dumper_source)
        quick, kind = f"{names.add(dumper)}({src})", names.add(inner)
    elif isinstance(inner, type) and issubclass(inner, enum.Enum):
        quick, kind = f"{src}._value_", names.add(inner)
    elif inner is dt.date:
        quick, kind = f"{src}.isoformat()", names.add(dt.date)
    elif inner is dt.datetime:
        quick, kind = f"{src}.isoformat(timespec='seconds')", names.add(dt.datetime)
    if quick is None:
        return f"({src} if type({src}) in PLAIN else dump_any({src}))"
    if optional:
        return f"(None if {src} is None else ({quick} if type({src}) is {kind} else dump_any({src})))"
    return f"({quick} if type({src}) is {kind} else dump_any({src}))"
