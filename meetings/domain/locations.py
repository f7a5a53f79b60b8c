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


def export_folder_file() -> Path:
    """Where the folder the minutes were last written to is remembered."""
    return config_file().parent / "export-folder.txt"


def export_folder() -> Path:
    """The folder to offer for Word files: the one used last, else a 'coregroup' folder in the
    user's documents (never the folder the app happened to be started from)."""
    try:
        remembered = export_folder_file().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        remembered = ""
    if remembered and Path(remembered).is_dir():
        return Path(remembered)
    return Path(platformdirs.user_documents_dir()) / "coregroup"


def remember_export_folder(folder: Path) -> None:
    """Remember `folder` for next time (owner-only; a failure to remember is not an error)."""
    target = export_folder_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = target.with_name(target.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(str(folder.resolve()))
        os.replace(tmp, target)
    except OSError:
        pass
