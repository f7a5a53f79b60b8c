"""Rewrite the shipped JSON Schema and the demo case in canonical form after the records change.

python scripts/refresh_data.py
"""

import json
from pathlib import Path

from meetings.domain.records import Case
from meetings.domain.schema import dump, load
from meetings.storage.exchange import case_schema, export_text

DATA = Path(__file__).resolve().parent.parent / "data"

(DATA / "case.schema.json").write_text(json.dumps(case_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
demo = DATA / "demo" / "demo-case.json"
demo.write_text(export_text(dump(load(Case, json.loads(demo.read_text(encoding="utf-8"))))), encoding="utf-8")
print("rewrote", DATA / "case.schema.json", "and", demo)
