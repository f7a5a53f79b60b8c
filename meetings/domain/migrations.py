"""Bringing case data written by an older coregroup up to the current schema.

Each stored case and each exported file carries `schema_version`. When the records change
shape, bump `records.SCHEMA_VERSION` and add a function here that turns a case of the old
version into the new one; `migrate` applies them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .records import SCHEMA_VERSION
from .schema import InvalidRecord

Migration = Callable[[dict[str, Any]], dict[str, Any]]

# MIGRATIONS[n] turns a version-n case into a version-(n+1) case.
MIGRATIONS: dict[int, Migration] = {}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidRecord("schema_version", f"{version!r} is not a schema version")
    if version > SCHEMA_VERSION:
        raise InvalidRecord(
            "schema_version",
            f"{version} is newer than this coregroup understands ({SCHEMA_VERSION}); update coregroup to open it",
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        data["schema_version"] = version
    return data
