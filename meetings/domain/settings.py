"""A council's settings: its nation's bank holidays, timescales, protective marking, templates.

Local procedures differ, so every timescale in docs/domain.md is a setting with the common value
as its default. Settings live in a TOML file (`$COREGROUP_CONFIG`, else `settings.toml` in the
user's config folder); a missing file means the defaults. Example::

    council = "Sampleshire County Council"
    nation = "england"                 # england, wales, scotland or northern_ireland
    protective_marking = "OFFICIAL-SENSITIVE"
    word_template = "/path/to/council-minutes.docx"
    require_encryption = true          # refuse a case store that is not encrypted
    store = "postgresql://cg-db.example.invalid/coregroup"   # the team's store (else a folder of files)

    [timescales]
    core_group_interval_weeks = 6
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .locations import config_file

PREGNANCY_WEEKS = 40  # the expected date of delivery falls at the end of week 40
NATIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Timescales:
    first_core_group_working_days: int = 10  # after the ICPC
    core_group_interval_weeks: int = 4  # at most, between core groups
    before_review_working_days: int = 10  # last core group at least this long before a review conference
    first_review_months: int = 3  # after the ICPC
    review_interval_months: int = 6
    unborn_review_working_days_after_birth: int = 10  # first review after a birth on the plan, if sooner
    pre_birth_conference_week: int = 34  # week of pregnancy (of 40) the pre-birth conference is held by
    visit_interval_working_days: int = 15  # statutory visits to the child
    seen_alone_weeks: int = 6  # each child seen alone at least this often
    drift_carried_forward: int = 3  # an action carried forward this many times has drifted
    not_invited_meetings: int = 2  # a man recorded as not invited at this many core groups in a row
    late_reviews_pattern: int = 2  # this many review conferences held late is a pattern
    minutes_working_days: int = 5  # minutes circulated within
    plan_alert_months: tuple[int, ...] = (21, 24)  # drift alerts


@dataclass(frozen=True)
class Settings:
    council: str = ""
    nation: str = "england"
    protective_marking: str = "OFFICIAL-SENSITIVE"
    header_names: str = "initials"  # the child in the running header of Word files: "initials" or "name"
    word_template: Path | None = None
    agenda_template: Path | None = None
    require_encryption: bool = False  # the app and every command refuse a case store not encrypted
    store: str = ""  # the team's store: a postgresql:// address (no password: use ~/.pgpass), or a folder
    timescales: Timescales = field(default_factory=Timescales)

    @property
    def holiday_subdivision(self) -> str:
        """The `holidays` package's code for this nation's bank holidays."""
        return NATIONS[self.nation]


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_file()
    if path.exists() and not path.is_file():  # a pipe or a device: reading it could wait for ever
        raise SettingsError(
            f"The settings file {path} is not a file (a pipe, a device or a folder stands in its place)."
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"The settings file {path} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"The settings file {path} is not valid TOML: {exc}") from None
    return settings_from(raw, path)


def settings_from(raw: dict[str, Any], where: Path | str = "settings") -> Settings:
    raw = dict(raw)
    timescales_raw = raw.pop("timescales", {})
    known = {f.name for f in dataclasses.fields(Settings)} - {"timescales"}
    for key in raw:
        if key not in known:
            raise SettingsError(f"{where}: {key!r} is not a setting (known: {', '.join(sorted(known))})")
    nation = raw.get("nation", "england")
    if nation not in NATIONS:
        raise SettingsError(f"{where}: nation {nation!r} is not one of {', '.join(NATIONS)}")
    for key in ("council", "protective_marking", "store"):
        if key in raw and not isinstance(raw[key], str):
            raise SettingsError(f"{where}: {key} should be text")
    header_names = raw.get("header_names", "initials")
    if header_names not in ("initials", "name"):
        raise SettingsError(f'{where}: header_names should be "initials" or "name", not {header_names!r}')
    if not isinstance(raw.get("require_encryption", False), bool):
        raise SettingsError(f"{where}: require_encryption should be true or false")
    paths = {}
    for key in ("word_template", "agenda_template"):
        if raw.get(key):
            p = Path(str(raw[key])).expanduser()
            if not p.is_file():
                raise SettingsError(f"{where}: {key} {str(p)!r} is not a file")
            paths[key] = p
    timescale_fields = {f.name for f in dataclasses.fields(Timescales)}
    values: dict[str, Any] = {}
    for key, value in timescales_raw.items():
        if key not in timescale_fields:
            raise SettingsError(f"{where}: timescales.{key} is not a timescale")
        if key == "plan_alert_months":
            if not isinstance(value, list) or not all(isinstance(v, int) and v > 0 for v in value):
                raise SettingsError(f"{where}: timescales.plan_alert_months should be a list of whole months")
            values[key] = tuple(value)
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise SettingsError(f"{where}: timescales.{key} should be a whole number above 0, not {value!r}")
        elif key == "pre_birth_conference_week" and value > PREGNANCY_WEEKS:
            raise SettingsError(
                f"{where}: timescales.pre_birth_conference_week is a week of pregnancy, 1 to {PREGNANCY_WEEKS}, "
                f"not {value}"
            )
        else:
            values[key] = value
    return Settings(
        council=raw.get("council", ""),
        nation=nation,
        protective_marking=raw.get("protective_marking", "OFFICIAL-SENSITIVE"),
        header_names=header_names,
        require_encryption=raw.get("require_encryption", False),
        store=raw.get("store", ""),
        timescales=Timescales(**values),
        **paths,
    )
