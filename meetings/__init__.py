"""coregroup's domain: the records a core group keeps, their rules, storage and exports.

Plain Python: nothing here imports Textual or the `tui` package (an import-linter contract in
pyproject.toml enforces it), so everything can be used and tested without a screen.
"""

__version__ = "0.1.0"
