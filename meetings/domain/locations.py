"""Where things live: the case store, the council's settings and the shipped data."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "coregroup"
STORE_ENV = "COREGROUP_STORE"
CONFIG_ENV = "COREGROUP_CONFIG"


def store_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The case store: `--store DIR`, else $COREGROUP_STORE, else the user's data folder."""
    chosen = override or os.environ.get(STORE_ENV) or platformdirs.user_data_dir(APP, appauthor=False)
    return Path(chosen).expanduser()


def config_file() -> Path:
    chosen = os.environ.get(CONFIG_ENV)
    if chosen:
        return Path(chosen).expanduser()
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "settings.toml"


def data_dir() -> Path:
    """Shipped data: `data/` beside the package in a checkout, `meetings/data` in a wheel."""
    package = Path(__file__).resolve().parent.parent  # meetings/
    for candidate in (package / "data", package.parent / "data"):
        if (candidate / "agenda.json").is_file():
            return candidate
    raise FileNotFoundError("coregroup's shipped data folder is missing: reinstall coregroup")
