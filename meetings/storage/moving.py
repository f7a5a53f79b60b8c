"""Moving a team's cases between stores: a folder of files and a PostgreSQL server, either way.

Every case is copied whole, with its history, through the same export and import as a case file,
so nothing can be copied that a case file could not hold. Then each case is exported from both
stores and the two compared: every record, and every entry of the history (when, who, from where,
what changed). The stores' own provenance differs and is not compared: the target marks each
entry as imported by whoever ran the move (`imported_by`), and records its receipt of the case as
"migrated"; an export carries neither, so the two exports are equal exactly when the copy holds
all that the source held. Safe to interrupt at any moment: each case is written in one atomic
step, and a case already in the target, identical, is skipped when the move is run again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..domain.schema import InvalidRecord
from .base import CaseStore, StoreError


def copy_cases(
    source: CaseStore, target: CaseStore, *, importer: Callable[[Any], object] | None = None
) -> Iterator[tuple[bool, str]]:
    """Copy every case of `source` to `target`, saying what happened to each in a line; the last
    line counts them. Each line comes with whether all is well. A case that differs in the target is left alone and named, never overwritten.

    `importer` writes a case into the target (a team's store: in which team); else its `import_data`."""
    copied = skipped = differ = failed = 0
    for summary in source.list_cases():
        case_id = summary.id
        if summary.damaged:
            failed += 1
            yield False, f"{case_id}: not copied, its file in the source is damaged ({summary.damaged})"
            continue
        try:
            data = source.export_data(case_id)
            if target.exists(case_id):
                if target.export_data(case_id) == data:
                    skipped += 1
                    yield True, f"{case_id}: already copied, identical"
                else:
                    differ += 1
                    yield False, (f"{case_id}: NOT copied: the target already holds a different version of this case. "
                           "Compare the two (`coregroup export`) and import the right one with --replace.")  # fmt: skip
                continue
            if importer is not None:
                importer(data)
            else:
                target.import_data(data, event="migrated")
            if target.export_data(case_id) != data:
                failed += 1
                yield False, f"{case_id}: copied, but the copy does not match the source when exported: check it"
                continue
            check = target.verify_history(case_id)
            if not check.intact:
                failed += 1
                yield False, f"{case_id}: copied, but its history in the target does not check: {check.words}"
                continue
            copied += 1
            yield True, f"{case_id}: copied and checked"
        except (StoreError, InvalidRecord) as problem:
            failed += 1
            yield False, f"{case_id}: not copied: {problem}"
    yield (
        not (differ or failed),
        (
            f"{copied} copied and checked, {skipped} already there and identical, {differ} different in the target "
            f"(left alone), {failed} not copied, from {source.describe()} to {target.describe()}."
        ),
    )
