"""Encryption at rest: the store's key, the files it encrypts, and how the key is kept.

A store that has been encrypted (`coregroup encrypt`) has a random 256-bit store key. Every file
of it that holds case data (the case files, their backups, damaged files set aside, the case-list
index) is encrypted with AES-256-GCM under that key::

    b"coregroup-encrypted-1\\n"  a 12-byte random nonce  the ciphertext and its 16-byte tag

The associated data binds the header and the kind of file (a case file, an index shard), not
its name: a backup is a hard link of the case file it was. A file without the header is read as
plain, so a store being converted is readable in either form at every moment.

The store key is never written down as it is. `store-key.json` keeps it wrapped (AES-256-GCM)
twice: under a key derived from the passphrase with scrypt (memory-hard; its parameters are
recorded in the file), and under a key derived with HKDF-SHA256 from the recovery key (160
random bits, shown once as 8 groups of 4 characters: it needs no slow derivation). Changing the
passphrase rewraps the store key; the cases are not encrypted again. The key may also be kept
in the operating system's keyring, when the optional `keyring` package and a keyring are there.

Nonces are random: AES-GCM stays safe for 2**32 encryptions under one key, far more saves than
a team makes in the life of a store (a save every second of every working day for 40 years).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import importlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .base import StoreError

MAGIC = b"coregroup-encrypted-1\n"
NONCE_BYTES = 12
KEY_BYTES = 32
CASE = b"case"  # a case file, its backup, a damaged file set aside
INDEX = b"index"  # a shard of the case list

KEY_FILE = "store-key.json"
KEY_FORMAT = "coregroup store key 1"
# scrypt's cost: about 0.35 s and 128 MiB on a 2-core office laptop (2026), so guessing
# passphrases from a copied store is slow and needs memory; recorded in the key file, so a store
# keeps opening when the default is raised for new stores.
SCRYPT = {"n": 2**17, "r": 8, "p": 1}
# What a key file may ask of scrypt: what this tool writes, within a ceiling. n a power of two up to
# 2**18 (256 MiB at r = 8, twice what the tool writes: room for a later release to raise it), r = 8
# and p = 1 or 2. A key file asking for anything else is refused before any memory is taken: a
# tampered file must not make every command allocate gigabytes.
SCRYPT_N = (2**14, 2**18)
SCRYPT_R = (8,)
SCRYPT_P = (1, 2)
MIN_PASSPHRASE = 10

# The recovery key: Crockford's base32 (no I, L, O or U, which are read as 1, 1, 0 and V).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_GROUPS, RECOVERY_GROUP = 8, 4
_READ_AS = {"O": "0", "I": "1", "L": "1"}

KEYRING_SERVICE = "coregroup"


class Undecryptable(ValueError):
    """An encrypted file that the store key does not open: changed, damaged, or from another
    store. A ValueError, like a file that is not JSON: it is treated as damaged."""


class StoreLocked(StoreError):
    """An encrypted store (or file) read or written before the store was unlocked."""

    def __init__(self, where: Path) -> None:
        if where.is_dir() and not (where / KEY_FILE).exists():  # encrypted files, and no key file
            super().__init__(
                f"The store at {where} holds encrypted files, but its key file {KEY_FILE} is missing, so they "
                "cannot be opened. Put the key file back from a backup of the store folder. Nothing was changed."
            )
            return
        super().__init__(
            f"The store at {where} is encrypted: it opens only with its passphrase or recovery key. "
            "Nothing was read or changed."
        )


class WrongSecret(StoreError):
    """A passphrase or recovery key that does not open the store. Nothing was changed."""


class KeyFileProblem(StoreError):
    pass


def is_encrypted(stored: bytes) -> bool:
    return stored.startswith(MAGIC)


class StoreKey:
    """The store key: encrypts and decrypts the files of the store."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("a store key is 32 bytes")
        self._key = key
        self._aead = AESGCM(key)

    @classmethod
    def generate(cls) -> StoreKey:
        return cls(os.urandom(KEY_BYTES))

    def encrypt(self, plain: bytes, kind: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return b"".join((MAGIC, nonce, self._aead.encrypt(nonce, plain, MAGIC + kind)))

    def decrypt(self, stored: bytes, kind: bytes) -> bytes:
        """The plain bytes of a stored file: decrypted if it has the header, as they are if not."""
        if not stored.startswith(MAGIC):
            return stored
        start = len(MAGIC)
        nonce = stored[start : start + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, stored[start + NONCE_BYTES :], MAGIC + kind)
        except (InvalidTag, ValueError):
            raise Undecryptable(
                "it cannot be decrypted with the store's key (changed, damaged or from another store)"
            ) from None

    @property
    def check(self) -> str:
        """A value that shows a key is this store's (for one taken from the keyring); it reveals nothing of the key."""
        return hmac.digest(self._key, b"coregroup store key check", "sha256").hex()

    def raw(self) -> bytes:
        return self._key


# ----- the key file --------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyFile:
    """What `store-key.json` holds: the store key, wrapped by the passphrase and by the recovery key."""

    store_id: str
    check: str
    passphrase: dict[str, Any]
    recovery: dict[str, Any]
    keyring: bool = False

    @classmethod
    def parse(cls, raw: bytes, where: Path) -> KeyFile:
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("format") != KEY_FORMAT:
                raise KeyFileProblem(f"The key file {where} is of a format this version does not know.")
            found = cls(
                store_id=str(data["store_id"]),
                check=str(data["check"]),
                passphrase=dict(data["passphrase"]),
                recovery=dict(data["recovery"]),
                keyring=bool(data.get("keyring", False)),
            )
        except KeyFileProblem:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            raise KeyFileProblem(
                f"The key file {where} is damaged, so the encrypted store cannot be opened. Put it back from a "
                "backup of the store folder (it holds no case data, only the store key locked by the passphrase)."
            ) from None
        return found

    def dump(self) -> bytes:
        data = {
            "format": KEY_FORMAT,
            "cipher": "AES-256-GCM",
            "store_id": self.store_id,
            "check": self.check,
            "keyring": self.keyring,
            "passphrase": self.passphrase,
            "recovery": self.recovery,
        }
        return (json.dumps(data, indent=2) + "\n").encode("utf-8")

    @classmethod
    def new(cls, key: StoreKey, passphrase: str) -> tuple[KeyFile, str]:
        """A key file for `key`, and the recovery key that opens it (to show the user once)."""
        recovery = new_recovery_key()
        made = cls(
            store_id=secrets.token_hex(16),
            check=key.check,
            passphrase=wrap_with_passphrase(key, passphrase),
            recovery=wrap_with_recovery_key(key, recovery),
        )
        return made, recovery

    def unlock(self, *, passphrase: str | None = None, recovery_key: str | None = None, where: Path) -> StoreKey:
        """The store key, unwrapped with the passphrase or the recovery key (WrongSecret if it does not open it)."""
        if passphrase is not None:
            wrapped, wrapping, what = self.passphrase, _passphrase_key(self.passphrase, passphrase), "passphrase"
        elif recovery_key is not None:
            wrapped, wrapping, what = self.recovery, _recovery_wrapping_key(self.recovery, recovery_key), "recovery key"
        else:
            raise ValueError("a passphrase or a recovery key is needed")
        key = _unwrap(wrapped, wrapping, role=_role(wrapped))
        if key is None or key.check != self.check:
            raise WrongSecret(f"That {what} does not open the store at {where}: nothing was changed.")
        return key

    def open_with(self, *, passphrase: str | None = None, recovery_key: str | None = None, where: Path) -> StoreKey:
        """`unlock`, and the recovery key typed where the passphrase is asked for (the app has one
        box for both): WrongSecret, saying what was given, if neither opens it."""
        try:
            return self.unlock(passphrase=passphrase, recovery_key=recovery_key, where=where)
        except WrongSecret:
            if passphrase is None or not looks_like_recovery_key(passphrase):
                raise
            with contextlib.suppress(WrongSecret):
                return self.unlock(recovery_key=passphrase, where=where)
            raise

    def from_keyring(self) -> StoreKey | None:
        """The key kept in the system's keyring, if it was put there (`encrypt --keyring`)."""
        return keyring_get(self.store_id, self.check) if self.keyring else None

    def with_passphrase(self, key: StoreKey, passphrase: str) -> KeyFile:
        return KeyFile(self.store_id, self.check, wrap_with_passphrase(key, passphrase), self.recovery, self.keyring)

    def with_recovery_key(self, key: StoreKey) -> tuple[KeyFile, str]:
        recovery = new_recovery_key()
        return KeyFile(
            self.store_id, self.check, self.passphrase, wrap_with_recovery_key(key, recovery), self.keyring
        ), recovery

    def with_keyring(self, kept: bool) -> KeyFile:
        return KeyFile(self.store_id, self.check, self.passphrase, self.recovery, kept)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _role(wrapped: dict[str, Any]) -> bytes:
    return b"coregroup store key wrapped by " + str(wrapped.get("kdf", "")).encode()


def _wrap(key: StoreKey, wrapping: bytes, fields: dict[str, Any]) -> dict[str, Any]:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(wrapping).encrypt(nonce, key.raw(), _role(fields))
    return {**fields, "nonce": _b64(nonce), "wrapped": _b64(sealed)}


def _unwrap(wrapped: dict[str, Any], wrapping: bytes, *, role: bytes) -> StoreKey | None:
    try:
        raw = AESGCM(wrapping).decrypt(_unb64(wrapped["nonce"]), _unb64(wrapped["wrapped"]), role)
        return StoreKey(raw)
    except (InvalidTag, ValueError, KeyError):
        return None


def wrap_with_passphrase(key: StoreKey, passphrase: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"kdf": "scrypt", **SCRYPT, "salt": _b64(os.urandom(16))}
    return _wrap(key, _passphrase_key(fields, passphrase), fields)


def _passphrase_key(fields: dict[str, Any], passphrase: str) -> bytes:
    try:
        n, r, p = (int(fields[k]) for k in ("n", "r", "p"))
        salt = _unb64(fields["salt"])
    except (KeyError, TypeError, ValueError):
        raise KeyFileProblem(
            "The store's key file does not say how its passphrase is checked: it is damaged."
        ) from None
    allowed = SCRYPT_N[0] <= n <= SCRYPT_N[1] and n & (n - 1) == 0 and r in SCRYPT_R and p in SCRYPT_P
    if fields.get("kdf") != "scrypt" or not allowed:
        raise KeyFileProblem("The store's key file asks for a passphrase check this version does not make.")
    text = passphrase.encode("utf-8")
    try:
        return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(text)
    except (ValueError, MemoryError):
        raise KeyFileProblem("The store's key file asks for a passphrase check this computer cannot make.") from None


def wrap_with_recovery_key(key: StoreKey, recovery_key: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"kdf": "hkdf-sha256", "salt": _b64(os.urandom(16))}
    return _wrap(key, _recovery_wrapping_key(fields, recovery_key), fields)


def _recovery_wrapping_key(fields: dict[str, Any], recovery_key: str) -> bytes:
    try:
        salt = _unb64(fields["salt"])
    except (KeyError, ValueError):
        raise KeyFileProblem(
            "The store's key file does not say how its recovery key is checked: it is damaged."
        ) from None
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=b"coregroup recovery key")
    return hkdf.derive(normal_recovery_key(recovery_key).encode("ascii"))


def new_recovery_key() -> str:
    """A recovery key: 160 random bits as 8 groups of 4 characters (`7Q2M-...`)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP))
    return "-".join(chars[i : i + RECOVERY_GROUP] for i in range(0, len(chars), RECOVERY_GROUP))


def normal_recovery_key(text: str) -> str:
    """A recovery key as typed (any case, spaces or dashes, O for 0) in one form."""
    kept = "".join(_READ_AS.get(c, c) for c in text.upper() if c.isalnum())
    return kept


def looks_like_recovery_key(text: str) -> bool:
    kept = normal_recovery_key(text)
    return len(kept) == RECOVERY_GROUPS * RECOVERY_GROUP and all(c in ALPHABET for c in kept)


def passphrase_problem(passphrase: str) -> str:
    """Why a new passphrase is refused, in words; empty if it is fine."""
    if len(passphrase) < MIN_PASSPHRASE:
        return f"A passphrase must be at least {MIN_PASSPHRASE} characters (a few words are easiest to remember)."
    if passphrase != passphrase.strip():
        return "A passphrase must not start or end with a space."
    return ""


# ----- the operating system's keyring (optional) ---------------------------------------------
def _keyring_module() -> Any | None:
    """The `keyring` package, if it is installed and has a keyring to keep secrets in."""
    try:
        module = importlib.import_module("keyring")
        backend = module.get_keyring()
    except Exception:  # noqa: BLE001 - not installed, or no keyring on this computer
        return None
    priority = getattr(backend, "priority", 1)
    name = type(backend).__module__ + "." + type(backend).__name__
    if (isinstance(priority, int | float) and priority <= 0) or "fail" in name.lower() or "null" in name.lower():
        return None
    return module


def keyring_available() -> bool:
    return _keyring_module() is not None


def keyring_name(store_id: str) -> str:
    return f"store {hashlib.sha256(store_id.encode()).hexdigest()[:16]}"


def keyring_get(store_id: str, check: str) -> StoreKey | None:
    """The store key from the keyring, if it is there and is this store's."""
    module = _keyring_module()
    if module is None:
        return None
    try:
        found = module.get_password(KEYRING_SERVICE, keyring_name(store_id))
        key = StoreKey(_unb64(found)) if found else None
    except Exception:  # noqa: BLE001 - a locked or broken keyring: ask for the passphrase instead
        return None
    return key if key is not None and hmac.compare_digest(key.check, check) else None


def keyring_put(store_id: str, key: StoreKey) -> None:
    module = _keyring_module()
    if module is None:
        raise StoreError(
            "There is no keyring on this computer to keep the store key in (install the `keyring` package, "
            "pip install 'coregroup[keyring]', on a desktop with a keyring)."
        )
    try:
        module.set_password(KEYRING_SERVICE, keyring_name(store_id), _b64(key.raw()))
    except Exception as problem:  # noqa: BLE001 - the keyring's own errors, in words
        raise StoreError(f"The keyring refused to keep the store key ({type(problem).__name__}).") from None
