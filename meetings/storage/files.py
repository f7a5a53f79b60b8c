"""Files that survive a crash, and a lock that keeps a case to one writer.

TinyDB's own JSONStorage rewrites its file in place, so a process killed mid-write leaves a
truncated file (tinydb issues 301 and 461). `AtomicStorage` writes a whole new file beside the
old one, flushes it to disk and renames it over the old one, so the file on disk is always one
complete save or the one before it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import errno
import getpass
import glob
import hashlib
import hmac
import json
import os
import re
import socket
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from ..domain.changes import HistoryCheck, when_words
from .base import CaseLocked, DamagedFile, LockHolder, ReadOnly, StoreError
from .crypto import CASE, INDEX, MAGIC, StoreKey, StoreLocked, Undecryptable

__all__ = ["CaseLocked", "DamagedFile", "LockHolder", "ReadOnly", "StoreError"]

FILE_MODE = 0o600
DIR_MODE = 0o700

try:  # POSIX: advisory locks that the kernel releases when the process dies, however it dies.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a pipe never waits for a writer (a regular file is unaffected)


class LinkInStore(StoreError):
    """A store file that is a link: it is never followed, so nothing outside the store is read,
    truncated or overwritten through it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"{path} is a link to somewhere else, not a file of the store; it was not followed. "
            "Move it out of the store folder."
        )


class NotAFileInStore(LinkInStore, OSError):
    """A store file that is not a regular file (a pipe, a device, a folder): it is never read or
    written, so a command never waits on it for ever with no word (as reading a pipe would). It is
    an OSError too: where a file that cannot be read or written is already handled (a history line
    written with the next save, a proof key taken as missing), this one is handled the same way."""

    def __init__(self, path: Path) -> None:
        self.path = path
        StoreError.__init__(
            self,
            f"{path} is not a file (a pipe, a device or a folder stands in its place); it was not opened. "
            "Move it out of the store folder.",
        )
        self.errno = errno.EINVAL
        self.strerror = "it is not a file: a pipe, a device or a folder stands in its place"
        self.filename = str(path)

    def __str__(self) -> str:  # the store's words, not OSError's "[Errno 22] ..."
        return str(self.args[0])


def open_nofollow(path: Path, flags: int, mode: int = FILE_MODE) -> int:
    """`os.open` that never follows a symbolic link at `path` (LinkInStore if it is one) and opens
    only a regular file (NotAFileInStore otherwise: it never waits on a pipe)."""
    try:
        fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (os.path.islink(path) and not _NOFOLLOW):
            raise LinkInStore(path) from None
        if exc.errno in (errno.ENXIO, errno.EISDIR):  # a pipe no one reads; a folder
            raise NotAFileInStore(path) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotAFileInStore(path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path: Path) -> bytes:
    """The bytes of a store file, read without following a link."""
    fd = open_nofollow(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        return f.read()


_OS_WORDS = {
    errno.ENOSPC: "there is no space left on the disk holding {where}",
    errno.EDQUOT: "your disk quota is used up on the disk holding {where}",
    errno.EROFS: "the disk holding {where} can only be read",
    errno.EACCES: "you do not have permission to use {where}",
    errno.EPERM: "you do not have permission to use {where}",
    errno.ENOTDIR: "part of the path to {where} is a file, not a folder",
    errno.EISDIR: "{where} is a folder, not a file",
    errno.ENOENT: "{where} does not exist (was the store moved or deleted?)",
    errno.EIO: "the disk holding {where} reported an error reading or writing it",
    errno.ELOOP: "{where} is a link, which the store does not follow",
}
# When the system names no file (an error on a file already open names only its descriptor, a
# number): these say "a file of the store" rather than a number, or "the store is a folder".
_UNNAMED = {
    errno.ENOTDIR: "part of the path to a file of the store is a file, not a folder",
    errno.EISDIR: "a folder stands where the store keeps a file",
    errno.ENOENT: "a file of the store does not exist (was the store moved or deleted?)",
    errno.ELOOP: "a file of the store is a link, which the store does not follow",
}


def _named(problem: OSError) -> str:
    """The file an OSError names, or "": `filename` is a path only when it is text or bytes (an
    error on an open descriptor carries the descriptor, a number, in `filename`)."""
    name = problem.filename
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    return name if isinstance(name, str) else ""


def os_reason(problem: OSError) -> str:
    """The system's own short words for an OSError ("No such file or directory"), never a number
    or a path; for one raised without words, a sentence saying so."""
    said = problem.strerror
    return said if isinstance(said, str) and said else "the system gave no reason"


def os_problem_words(problem: OSError) -> str:
    """What went wrong, as a sentence without its full stop, naming the file or folder (never its
    contents, never a descriptor's number)."""
    name = _named(problem)
    code = problem.errno if isinstance(problem.errno, int) else -1
    if not name and code in _UNNAMED:
        said = _UNNAMED[code]
    else:
        where = f"the file or folder {name}" if name else "the store"
        found = _OS_WORDS.get(code)
        said = found.format(where=where) if found else f"the system refused to use {where} ({os_reason(problem)})"
    return f"{said[0].upper()}{said[1:]}"


def os_error_words(problem: OSError, *, done: str = "nothing was changed") -> str:
    """An error from the system in a user's words, naming the file or folder (never its contents)."""
    return f"{os_problem_words(problem)}: {done}."


#: How the words for a save that is on disk, but whose history entry waits, begin (a failed save's: "Not saved").
SAVED_BUT = "Saved, but "


class HistoryNotWritten(StoreError, OSError):
    """A save that is on disk, whose history entry could not be appended to the history file (a
    full disk, a folder in its place): the entry is kept in the case file and written with the
    next save, or when the case is closed or next opened. Raised after the save, so the user is
    told the change is saved and is not made again. An OSError too, as the append's problem was."""

    def __init__(self, case_id: str, problem: BaseException) -> None:
        self.case_id = case_id
        self.problem = problem
        if isinstance(problem, StoreError) or not isinstance(problem, OSError):
            why = str(problem) if isinstance(problem, StoreError) else f"an unexpected {type(problem).__name__}."
        else:
            why = f"{os_problem_words(problem)}."
        message = (
            f"{SAVED_BUT}the history of case {case_id} could not be written: {why} The change is saved; its "
            "history entry is kept in the case file and is added to the history with the next save, or when the "
            "case is next opened or closed. Do not make the change again."
        )
        StoreError.__init__(self, message)
        # Set by hand: OSError would take this class's own arguments for an errno and its words.
        self.errno = problem.errno if isinstance(problem, OSError) else errno.EIO
        self.strerror = message
        self.filename = _named(problem) if isinstance(problem, OSError) else None

    def __str__(self) -> str:  # the store's words, not OSError's "[Errno 28] ..."
        return str(self.args[0])


def make_private_dir(path: Path) -> Path:
    """Make a folder private to its owner (0700), and the folders above it that are missing. A
    folder that exists already keeps its mode: a team's shared folder is the team's choice."""
    if path.is_dir():
        return path
    for folder in reversed([path, *path.parents]):
        if folder.is_dir():
            continue
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise StoreError(f"{folder} is a file, not a folder: the store needs a folder there.") from None
            continue
        if os.name == "posix":
            os.chmod(folder, DIR_MODE)  # mkdir's mode is narrowed by the umask, never widened
    return path


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # pragma: no cover - Windows cannot open a folder for fsync
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(
    path: Path,
    content: bytes,
    *,
    backup: Path | None = None,
    durable: bool = True,
    check: Callable[[], None] | None = None,
) -> None:
    """Replace `path` with `content` so that a crash at any moment leaves the old or the new file.

    With `backup`, the file being replaced is kept there (by a hard link, so it costs no copy).
    With `check`, it is called just before `path` is replaced: if it raises, nothing is replaced
    and the temporary file is removed.
    """
    folder = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE) if hasattr(os, "fchmod") else None
            out.write(content)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        if check is not None:
            check()
        if backup is not None and path.exists() and not path.is_symlink():  # a link is replaced, never kept
            link = backup.with_name(backup.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            try:
                os.link(path, link, follow_symlinks=False)
            except OSError:  # a file system without hard links: copy instead
                fd = open_nofollow(link, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                with os.fdopen(fd, "wb") as copied:
                    copied.write(read_bytes(path))
            os.replace(link, backup)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if durable:
        _fsync_dir(folder)


def remove_leftovers(path: Path) -> None:
    """Remove what a process killed in the middle of `atomic_write` of `path` left behind.

    Only the holder of the file's lock may call this: another writer's temporary file would
    look the same. The leftovers are copies of case data, so they are not left lying about.
    """
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    with contextlib.suppress(FileNotFoundError):
        backup_path(path).with_name(backup_path(path).name + ".new").unlink()


_OUR_TEMP = re.compile(r"^\..+\.(docx|json|pdf)\.[A-Za-z0-9_]{8}\.tmp$")
STALE_AFTER = 120.0  # seconds: far longer than any export takes to write


def remove_stale_temps(folder: Path, *, now: float | None = None) -> int:
    """Remove the temporary files `atomic_write` left in `folder` when a process was killed while
    writing an export (`.minutes.docx.k3j2h1x9.tmp`, private, holding a child's name): only files of
    that naming, the user's own, not written to for `STALE_AFTER` seconds (another export may be
    writing one now). Returns how many were removed; a folder that cannot be read is left alone."""
    removed = 0
    moment = time.time() if now is None else now
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if not _OUR_TEMP.match(name):
            continue
        path = folder / name
        with contextlib.suppress(OSError):
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
                continue
            if moment - info.st_mtime >= STALE_AFTER:
                path.unlink()
                removed += 1
    return removed


def is_our_temp(name: str) -> bool:
    """Whether a file name is one of the temporary files an export writes (kept out of listings)."""
    return bool(_OUR_TEMP.match(name))


def plain_bytes(stored: bytes, cipher: StoreKey | None, kind: bytes, path: Path) -> bytes:
    """The plain bytes of a store file as read: decrypted if it is encrypted, as they are if not
    (a store being encrypted holds both). Undecryptable (a ValueError: damaged) if the key does
    not open it; StoreLocked if it is encrypted and there is no key."""
    if not stored.startswith(MAGIC):
        return stored
    if cipher is None:
        raise StoreLocked(path.parent.parent)
    return cipher.decrypt(stored, kind)


def stored_bytes(plain: bytes, cipher: StoreKey | None, kind: bytes) -> bytes:
    """The bytes to write for `plain`: encrypted when the store has a key."""
    return plain if cipher is None else cipher.encrypt(plain, kind)


def read_json(path: Path, cipher: StoreKey | None = None, kind: bytes = INDEX) -> Any:
    return orjson.loads(plain_bytes(read_bytes(path), cipher, kind, path))


def dump_json(data: Any) -> bytes:
    return orjson.dumps(data)


# ----- the proof of integrity ------------------------------------------------------------------
# A case file the store writes starts with a proof: an HMAC-SHA256, under a key only the store
# holds, of every byte that follows it in the same file. It is written in the same atomic write
# as those bytes, so it can only ever describe them; any change to a byte after it (a hand edit,
# a sync tool, a disk error) or to the proof itself, a file from another store, or a file written
# by code that checks differently, fails it, and the file is checked field by field as always.
PROOF_TABLE = "_proof"
_PROOF_HEAD = b'{"_proof":{"1":{"hmac_sha256":"'
_PROOF_TAIL = b'"}},'
_PROOF_LENGTH = len(_PROOF_HEAD) + 64 + len(_PROOF_TAIL)


def seal(body: bytes, key: bytes | None) -> bytes:
    """`body`, a JSON object of tables as `dump_json` writes it, with the proof as its first table."""
    if key is None or not body.startswith(b"{") or body == b"{}":
        return body
    rest = memoryview(body)[1:]
    return b"".join((_PROOF_HEAD, hmac.digest(key, rest, "sha256").hex().encode(), _PROOF_TAIL, rest))


def proven(raw: bytes, key: bytes | None) -> bool:
    """Whether `raw` starts with a proof, made with `key`, of exactly the rest of its bytes."""
    if key is None or len(raw) <= _PROOF_LENGTH or not raw.startswith(_PROOF_HEAD):
        return False
    if raw[_PROOF_LENGTH - len(_PROOF_TAIL) : _PROOF_LENGTH] != _PROOF_TAIL:
        return False
    found = raw[len(_PROOF_HEAD) : len(_PROOF_HEAD) + 64]
    return hmac.compare_digest(hmac.digest(key, memoryview(raw)[_PROOF_LENGTH:], "sha256").hex().encode(), found)


def proof_key(path: Path, *, create: bool) -> bytes | None:
    """The store's secret for proofs, kept private at `path`; made (durably) if missing and
    `create`. None when there is none or it is unreadable: then no file is taken as proven."""
    try:
        secret = read_bytes(path)
    except FileNotFoundError:
        secret = b""
    except (OSError, LinkInStore):  # unreadable, a link or not a file: no proofs (every case checked in full)
        return None
    if len(secret) == 32:
        return secret
    if not create:
        return None
    try:
        return _make_key(path, replace=bool(secret))
    except OSError:  # a full disk, say: no proofs for now, and every file is checked in full
        return None


def _make_key(path: Path, *, replace: bool) -> bytes:
    fresh = os.urandom(32)
    if replace:  # a damaged key: files proven with the old one are checked field by field
        atomic_write(path, fresh)
        return fresh
    if write_new(path, fresh):
        return fresh
    theirs = read_bytes(path)  # another process made the key first: use theirs
    if len(theirs) != 32:
        raise OSError("the store's proof key is being replaced")
    return theirs


def write_new(path: Path, content: bytes) -> bool:
    """Write a new file at `path`, durably and whole, only if there is none there yet: False (and
    nothing written) if there is. Of two processes writing the same new file, one wins."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE) if hasattr(os, "fchmod") else None
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp_name, path)  # fails if the file exists, whoever made it
        except FileExistsError:
            return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    _fsync_dir(path.parent)
    return True


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


# ----- the history file: append-only, one save a line ------------------------------------------
# `cases/<id>.history` holds one line per save of the case (a history entry as JSON). Lines are
# only ever appended, each flushed to disk before the save returns. In an encrypted store each line
# is encrypted on its own (the same header, nonce and tag as a case file, kind `history`) and
# written in base64, so lines of both forms can share a file while a store is being encrypted. A
# line that cannot be read (torn by a crash as it was written) is skipped, never fatal.
HISTORY = b"history"


def history_path(case_path: Path) -> Path:
    """The history file beside a case file: `cases/<id>.history`."""
    return case_path.with_suffix(".history")


def history_line(entry: Any, cipher: StoreKey | None) -> bytes:
    """One line of a history file for `entry` (JSON-ready), with its newline."""
    plain = orjson.dumps(entry)
    if cipher is None:
        return plain + b"\n"
    return base64.b64encode(cipher.encrypt(plain, HISTORY)) + b"\n"


def encrypted_history_line(line: bytes, cipher: StoreKey) -> bytes:
    """A line of a history file, encrypted if it was plain (a store being encrypted)."""
    body = line.rstrip(b"\n")
    if not body.startswith(b"{"):
        return line
    return base64.b64encode(cipher.encrypt(body, HISTORY)) + b"\n"


def read_history(path: Path, cipher: StoreKey | None, *, plain_allowed: bool = True) -> list[Any]:
    """The entries of a history file, oldest first, as JSON (the chain's fields left out); [] when
    there is none. Lines that cannot be read (torn by a crash, or not of this store) are skipped.
    StoreLocked if a line is encrypted and the store is not unlocked."""
    return [
        {k: v for k, v in item.items() if k not in CHAIN_FIELDS}
        for _, item in history_items(path, cipher, plain_allowed=plain_allowed)
    ]


def history_items(
    path: Path, cipher: StoreKey | None, *, plain_allowed: bool = True
) -> list[tuple[bytes, dict[str, Any]]]:
    """Each readable line of a history file, oldest first: its plain bytes and what it holds (a
    JSON object). A line that is not one (torn by a crash, or not of this store) is skipped."""
    try:
        raw = read_bytes(path)
    except FileNotFoundError:
        return []
    found = []
    for line in raw.split(b"\n"):
        item = _history_item(line, cipher, path, plain_allowed)
        if item is not None:
            found.append(item)
    return found


def _history_item(
    line: bytes, cipher: StoreKey | None, path: Path, plain_allowed: bool = True
) -> tuple[bytes, dict[str, Any]] | None:
    """A line of a history file as (its plain JSON, the entry), or None for a line that cannot be
    read, or is not the store's: a plain line in an encrypted store (`plain_allowed` False once
    `encrypt` has finished) was not written by it, and is neither shown nor chained on."""
    line = line.strip()
    if not line:
        return None
    try:
        if line.startswith(b"{"):
            if cipher is not None and not plain_allowed:
                return None
            plain = line
        else:
            stored = base64.b64decode(line, validate=True)
            if not stored.startswith(MAGIC):
                return None
            if cipher is None:
                raise StoreLocked(path.parent.parent)
            plain = cipher.decrypt(stored, HISTORY)
        item = orjson.loads(plain)
    except (ValueError, binascii.Error):
        return None
    return (plain, item) if isinstance(item, dict) else None


# ----- the history's chain -----------------------------------------------------------------------
# Each line a store writes carries, besides its entry: `seq`, its place among the readable lines of
# the file (1 for the first); `prev`, the `mac` of the line before it (for the first line written
# after lines of an earlier release, which carry no chain: the SHA-256 of those lines, so that
# they cannot be changed unseen from then on; "" for the first line of a history); `base`, how
# many lines the case file recorded when the save that wrote it began; and `mac`, an HMAC-SHA256
# of all the rest of the line (its JSON with sorted keys) and the case's id, under a key derived
# from the store's proof secret (`.proof-key`). The case file records the chain's head (how many
# lines, the last line's mac) in its table `_history`, written after the lines: so a history one
# save longer than its case file knows is a save interrupted between the two writes, and a
# history shorter than the head, or without it, has been cut.
HISTORY_TABLE = "_history"
#: The case file's table of the entries it holds that are not in the history file yet: the saves
#: of a burst after its first, merged into one entry, while the burst goes on (and any entry whose
#: line could not be written); see `store.CaseFile`. Written in the same atomic write as the save
#: that made it, and sealed by the file's proof.
PENDING_TABLE = "_pending_history"
# The number of the save that wrote a case file (its table `_saves`), also kept apart from it, in
# `cases/<id>.saves`, written after the case file: a case file numbered below the number kept
# apart is an earlier copy put back in place of the latest save (see `store.CaseFile`).
SAVES_TABLE = "_saves"
CHAIN_FIELDS = frozenset({"seq", "base", "prev", "mac"})


def history_key(secret: bytes) -> bytes:
    """The key of a store's history chains, from its proof secret (not tied to the checking code,
    so the chains hold across releases)."""
    return hmac.digest(secret, b"coregroup history chain\0", "sha256")


def chain_mac(key: bytes, case_id: str, line: dict[str, Any]) -> str:
    """The `mac` of a history line: of the line without its mac, and of the case it belongs to."""
    body = orjson.dumps({k: v for k, v in line.items() if k != "mac"}, option=orjson.OPT_SORT_KEYS)
    return hmac.digest(key, b"coregroup history\0" + case_id.encode() + b"\0" + body, "sha256").hex()


def unchained_digest(lines: list[bytes]) -> str:
    """What the first chained line holds as `prev` for the lines of an earlier release before it."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainHead:
    """Where a history's chain ends: how many readable lines, and what the next line holds as `prev`."""

    count: int = 0
    mac: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "mac": self.mac}

    @classmethod
    def of_tables(cls, tables: Any) -> ChainHead | None:
        """The head a case file's tables record; None when they record none (an earlier release's)."""
        table = tables.get(HISTORY_TABLE) if isinstance(tables, dict) else None
        row = table.get("1") if isinstance(table, dict) else None
        if not isinstance(row, dict) or not isinstance(row.get("count"), int) or not isinstance(row.get("mac"), str):
            return None
        return cls(row["count"], row["mac"])


def head_of(items: list[tuple[bytes, dict[str, Any]]]) -> ChainHead:
    """The head of a history as read: the next line chains on from it."""
    if not items:
        return ChainHead()
    _, last = items[-1]
    if isinstance(last.get("mac"), str) and isinstance(last.get("seq"), int):
        return ChainHead(last["seq"], last["mac"])
    return ChainHead(len(items), unchained_digest([p for p, item in items if "mac" not in item]))


def history_tail(path: Path, cipher: StoreKey | None, *, plain_allowed: bool = True) -> ChainHead:
    """The head of a history file, read from its end (the whole file only when its last line is
    of an earlier release's, or the end holds no readable line)."""
    try:
        fd = open_nofollow(path, os.O_RDONLY)
    except FileNotFoundError:
        return ChainHead()
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        start = max(0, size - 65536)
        f.seek(start)
        chunk = f.read()
    lines = chunk.split(b"\n")
    if start > 0:
        lines = lines[1:]  # may be part of a line
    for line in reversed(lines):
        item = _history_item(line, cipher, path, plain_allowed)
        if item is None:
            continue
        last = item[1]
        if isinstance(last.get("mac"), str) and isinstance(last.get("seq"), int):
            return ChainHead(last["seq"], last["mac"])
        break
    return head_of(history_items(path, cipher, plain_allowed=plain_allowed))


def chained(
    entries: list[dict[str, Any]], head: ChainHead, base: int, key: bytes | None, case_id: str
) -> tuple[list[dict[str, Any]], ChainHead]:
    """The lines to append for `entries` after `head`, and the head after them. `base`: how many
    lines the case file records now. Without a key (the store's secret cannot be read or made) the
    lines carry no mac, and a check of the history says so."""
    lines = []
    for entry in entries:
        line = {**entry, "seq": head.count + 1, "base": base, "prev": head.mac}
        line["mac"] = chain_mac(key, case_id, line) if key is not None else ""
        lines.append(line)
        head = ChainHead(head.count + 1, line["mac"])
    return lines, head


def check_chain(
    case_id: str,
    items: list[tuple[bytes, dict[str, Any]]],
    head: ChainHead | None,
    key: bytes | None,
    *,
    case_file_problem: str = "",
) -> HistoryCheck:
    """Check a history file's lines (`history_items`) against their chain and the head its case
    file records (None: it records none; `case_file_problem` says why it could not be read, if
    so). The words name the first break: which entry (counting from 1, oldest first), its date and
    what is wrong; never what the entry says."""
    n = len(items)

    def entry(i: int) -> str:
        return f"entry {i} ({when_words(items[i - 1][1].get('at'))})"

    def broken(words: str) -> HistoryCheck:
        return HistoryCheck(False, n, f"The history of case {case_id} is not as this store wrote it: {words}")

    unchained: list[bytes] = []
    first_chained = 0
    prev = ""
    for i, (plain, item) in enumerate(items, 1):
        if "mac" not in item:
            if first_chained:
                return broken(
                    f"{entry(i)} carries no seal, although the history is chained from entry {first_chained} on: "
                    "it was added by hand or by another program."
                )
            unchained.append(plain)
            continue
        if key is None:
            return HistoryCheck(False, n, f"The history of case {case_id} cannot be checked: the store's proof "
                                "secret (cases/.proof-key) is missing or cannot be read.")  # fmt: skip
        mac = item.get("mac")
        if not isinstance(mac, str) or not mac:
            return broken(
                f"{entry(i)} carries no seal (it was written when the store's proof secret could not be read)."
            )
        if not hmac.compare_digest(chain_mac(key, case_id, item), mac):
            return broken(
                f"{entry(i)} was changed after it was written, or does not belong to this case: its seal does not "
                "match what it says (who, when, from where or what changed)."
            )
        seq = item.get("seq")
        if seq != i:
            if isinstance(seq, int) and seq > i:
                return broken(f"{seq - i} {'entry was' if seq - i == 1 else 'entries were'} removed before {entry(i)}.")
            return broken(f"{entry(i)} was written as entry {seq}: entries were added before it, or it was copied in.")
        expected = prev if first_chained else (unchained_digest(unchained) if unchained else "")
        if item.get("prev") != expected:
            if not first_chained and unchained:
                return broken(
                    f"the {len(unchained)} entries written before the history was chained were changed, removed or "
                    f"added to after the chain began at {entry(i)}."
                )
            return broken(f"the entry before {entry(i)} is not the one that was written there: it was replaced.")
        first_chained = first_chained or i
        prev = mac
    if case_file_problem:
        return HistoryCheck(
            False, n, f"The end of the history of case {case_id} cannot be checked: {case_file_problem}"
        )
    known = head.count if head is not None else len(unchained)
    if n < known:
        if n == 0:
            return broken(f"it holds no entries, but the case file records {known}: it was emptied or removed.")
        gone = known - n
        return broken(
            f"it ends at {entry(n)}, but the case file records {known} entries: the last "
            + ("one was" if gone == 1 else f"{gone} were")
            + " removed."
        )
    if head is not None and known and head_of(items[:known]).mac != head.mac:
        return broken(
            f"{entry(known)} is not the entry the case file records as the last one written: the history was "
            "replaced or cut and added to."
        )
    extra = items[known:]
    if any(item.get("base") != known for _, item in extra):
        return broken(
            f"entries {known + 1} to {n} follow the last one the case file records ({known}) but were not written "
            "by one save that stopped before its case file was written: the case file is older than its history "
            "(put back by hand from a backup?), or its record of the history was changed."
        )
    if not n:
        words = f"The history of case {case_id} holds no entries."
    elif not first_chained:
        words = (
            f"The history of case {case_id} holds {n} {'entry' if n == 1 else 'entries'}, all written before the "
            "history was chained (by an earlier release of coregroup): they cannot be checked one by one. Entries "
            "from the next save on are chained."
        )
    else:
        said = "its only entry is as this store wrote it" if n == 1 else f"its {n} entries are as this store wrote them"
        words = f"The history of case {case_id} is intact: {said}, in order, and none is missing at the end."
        if unchained:
            words += (
                f" The first {len(unchained)} were written before the history was chained (by an earlier release) "
                "and cannot be checked one by one, but none of them has changed since the chain began."
            )
    if extra:
        words += (
            f" The last {'entry' if len(extra) == 1 else f'{len(extra)} entries'} ({when_words(extra[-1][1].get('at'))})"
            " recorded a save that was stopped before its case file was written (the program was stopped or the "
            "computer went off): that is not a sign of tampering."
        )
    return HistoryCheck(True, n, words)


def append_lines(path: Path, lines: list[bytes]) -> None:
    """Append whole lines to a private file, durably: on disk when this returns. A last line left
    torn by a crash is ended first, so that it stays one unreadable line on its own."""
    if not lines:
        return
    fd = open_nofollow(path, os.O_RDWR | os.O_CREAT | os.O_APPEND)
    try:
        info = os.fstat(fd)
        created = info.st_size == 0
        lead = b""
        if info.st_size and os.pread(fd, 1, info.st_size - 1) != b"\n":
            lead = b"\n"
        data = lead + b"".join(lines)
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_dir(path.parent)


def usable_backup(path: Path, cipher: StoreKey | None = None) -> Path | None:
    backup = backup_path(path)
    try:
        read_json(backup, cipher, CASE)
    except (OSError, ValueError, StoreLocked):
        return None
    return backup


class AtomicStorage(Storage):
    """TinyDB storage: one JSON file, replaced atomically on every write, previous save kept.

    The data is cached after the first read. That is safe because only the holder of the
    case's lock writes the file. With a `key`, every write is sealed with a proof of integrity,
    and `proven` says whether the file as read carries a proof made with it. With a `cipher`
    (an encrypted store), every write is encrypted, after the proof is made of the plain bytes.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        read_only: bool = False,
        key: bytes | None = None,
        cipher: StoreKey | None = None,
        plain_allowed: bool = True,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.key = key
        self.cipher = cipher
        #: Whether a plain file is read in an encrypted store: only while the store is being encrypted.
        self.plain_allowed = plain_allowed or cipher is None
        self.proven = False
        self._cache: dict[str, dict[str, Any]] | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._cache is None:
            try:
                stored = read_bytes(self.path)
                if not self.plain_allowed and not stored.startswith(MAGIC):
                    raise self._damaged(
                        "it is not encrypted, though the store is: the store did not write it (a copy put in by "
                        "hand?). If it is a copy of this case you meant to put here, `coregroup encrypt` encrypts it"
                    )
                raw = plain_bytes(stored, self.cipher, CASE, self.path)
            except FileNotFoundError:
                return None
            except NotAFileInStore:
                raise self._damaged("it is not a file: a pipe, a device or a folder stands in its place") from None
            except LinkInStore:
                raise self._damaged("it is a link, not a file of the store") from None
            except OSError as exc:
                raise self._damaged(f"it cannot be read: {exc.strerror}") from None
            except Undecryptable as exc:
                raise self._damaged(str(exc)) from None
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise self._damaged(f"it is not valid JSON: {exc}") from None
            if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
                raise self._damaged("it does not hold a case's tables")
            proof = data.pop(PROOF_TABLE, None)  # never a table of the case, whoever wrote it
            self.proven = proof is not None and proven(raw, self.key)
            self._cache = data
        return self._cache

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self.read_only:
            self._cache = None
            raise ReadOnly(f"{self.path.name} is open read-only")
        try:
            content = stored_bytes(seal(dump_json(data), self.key), self.cipher, CASE)
            atomic_write(self.path, content, backup=backup_path(self.path))
        except BaseException:
            self._cache = None  # TinyDB changed the cached tables in place; forget the unsaved change
            raise
        self._cache = data

    def close(self) -> None:
        self._cache = None

    def _damaged(self, reason: str) -> DamagedFile:
        return DamagedFile(self.path, reason, usable_backup(self.path, self.cipher))


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created private) for the length of a `with` block."""
    fd = open_nofollow(path, os.O_RDWR | os.O_CREAT)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


class FileLock:
    """An exclusive lock held while a case is open for editing; the lock file says who holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, name: str) -> None:
        fd = open_nofollow(self.path, os.O_RDWR | os.O_CREAT)
        if fcntl is not None:
            # A few tries: a read-only opener holds a shared lock for a moment to see who has it.
            for attempt in range(3):
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if attempt == 2:
                        os.close(fd)
                        raise CaseLocked(name, self.holder()) from None
                    time.sleep(0.02)
        holder = LockHolder(
            user=_user(), host=socket.gethostname(), pid=os.getpid(), since=dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder.__dict__).encode(), 0)
        self._fd = fd

    def holder(self) -> LockHolder | None:
        try:
            return LockHolder(**json.loads(read_bytes(self.path)))
        except (OSError, ValueError, TypeError):
            return None

    def current_holder(self) -> LockHolder | None:
        """Who has the lock now; None when nobody does (a holder killed by SIGKILL leaves its
        name in the lock file, but the kernel has released its lock)."""
        try:
            fd = open_nofollow(self.path, os.O_RDONLY)
        except OSError:
            return None
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except OSError:
                    return self.holder() or LockHolder("another user", "an unknown host", 0, "an unknown time")
                fcntl.flock(fd, fcntl.LOCK_UN)
                return None
            return self.holder()
        finally:
            os.close(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def still_held(self) -> bool:
        """Held, and the lock file is still the one locked (not deleted or replaced under us)."""
        if self._fd is None:
            return False
        try:
            return os.stat(self.path).st_ino == os.fstat(self._fd).st_ino
        except FileNotFoundError:
            return False

    @property
    def held(self) -> bool:
        return self._fd is not None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"


def user_name() -> str:
    """Who is using coregroup: the sign-in name of the computer's user (a history entry's `who`)."""
    return _user()
