"""Writing a file the user named: an export, the minutes, a brief, a chronology, the report.

One way for every command and the app, so that each refuses the same things in the same words:
a link (neither written through nor replaced), anything not a regular file (a folder, a device,
a pipe, a socket: never replaced by a file, as `--out /dev/null` run as root would), and a file
that is read-only. The file is written whole or not at all, readable by its owner only, and a
refusal or a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..storage.base import StoreError
from ..storage.files import atomic_write, os_error_words, os_reason, remove_stale_temps

__all__ = ["OutputRefused", "not_written", "os_error_words", "output_refusal", "write_output"]


class OutputRefused(StoreError):
    """A file the user named to write to that is not written or replaced: a link, a folder, a
    device, a pipe, a socket, or a file that is read-only. The message names it; nothing was written."""


_NOT_A_FILE = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISFIFO, "a pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def output_refusal(path: Path) -> str | None:
    """Why a file the user named may not be written (`write_output`), in words naming it; None if
    it may: it does not exist yet, or it is a regular file they may replace. Part of its path
    missing or not a folder, no permission to the folder: the write itself says so."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return (
            f"{path} is a link to another file: coregroup neither writes through a link nor replaces one. "
            "Nothing was written: give the name of the file itself, or a new name."
        )
    if not stat.S_ISREG(info.st_mode):
        kind = next((words for test, words in _NOT_A_FILE if test(info.st_mode)), "something other than a file")
        return f"{path} is {kind}, not a file: it was not replaced, and nothing was written. Give a file's name."
    if info.st_mode & 0o222 == 0:  # checked by its mode: to the administrator, os.access says yes
        return (
            f"{path} is read-only: it was not replaced, and nothing was written. Give another name, or make it "
            "writable first if it is to be replaced."
        )
    if not os.access(path, os.W_OK):
        return f"You may not write to {path}: it was not replaced, and nothing was written. Give another name."
    return None


def write_output(path: Path, content: bytes) -> Path:
    """Write a file the user named (an export, minutes, a brief, a chronology, a report): whole or
    not at all (a temporary file beside it, renamed over it), readable by its owner only. A link,
    anything not a regular file and a read-only file are refused (OutputRefused), before anything is
    written and again just before the rename; nothing is left behind. An OSError says the write
    failed (the folder is missing, the disk is full), and nothing was written either."""

    def may_write() -> None:
        refusal = output_refusal(path)
        if refusal is not None:
            raise OutputRefused(refusal)

    may_write()
    remove_stale_temps(path.parent)  # what an export killed while writing here left behind
    atomic_write(path, content, check=may_write)
    return path


def not_written(path: Path | str, problem: OSError) -> str:
    """Why `path` could not be written (the folder is missing, the disk is full), in the system's
    short words (never a descriptor's number), and that nothing was written."""
    return f"Cannot write {path}: {os_reason(problem)}. Nothing was written."
