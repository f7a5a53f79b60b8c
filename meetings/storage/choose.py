"""Which store to use: `--store`, else $COREGROUP_STORE, else the council's settings (`store = ...`),
else a folder of files in the user's data folder. A `postgresql://` address is the team's store on
the council's PostgreSQL server; anything else is a folder."""

from __future__ import annotations

import os
from pathlib import Path

from ..domain.locations import STORE_ENV, store_dir
from .base import CaseStore
from .postgres import PostgresStore, is_url
from .store import Store


def store_spec(override: str | None, configured: str = "") -> str:
    """What the user chose: a PostgreSQL address, or a folder (as given, not resolved)."""
    return override or os.environ.get(STORE_ENV) or configured or str(store_dir(None))


def open_store(spec: str) -> CaseStore:
    if is_url(spec):
        return PostgresStore(spec)
    return Store(Path(spec).expanduser())


__all__ = ["PostgresStore", "Store", "is_url", "open_store", "store_spec"]
