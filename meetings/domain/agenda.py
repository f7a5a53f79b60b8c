"""The agenda of a core group meeting, read from a template a council can change without code.

The template (`data/agenda.json` unless the council's settings name another) lists the steps in
order; each has guidance prompts and the structured answers the chair is asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .locations import data_dir
from .records import AgendaStep

ANSWER_KINDS = ("bool", "date", "int", "text")


class AgendaTemplateError(ValueError):
    pass


@dataclass(frozen=True)
class AnswerSpec:
    key: str
    label: str
    kind: str
    required: bool = False


@dataclass(frozen=True)
class StepTemplate:
    key: str
    title: str
    prompts: tuple[str, ...]
    answers: tuple[AnswerSpec, ...]


@dataclass(frozen=True)
class Agenda:
    name: str
    steps: tuple[StepTemplate, ...]

    def step(self, key: str) -> StepTemplate | None:
        return next((s for s in self.steps if s.key == key), None)

    def new_steps(self) -> list[AgendaStep]:
        return [AgendaStep(key=s.key, title=s.title) for s in self.steps]


def load_agenda(path: Path | None = None) -> Agenda:
    path = path or data_dir() / "agenda.json"
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AgendaTemplateError(f"The agenda template {path} cannot be read: {exc}") from None
    try:
        steps = tuple(
            StepTemplate(
                key=str(s["key"]),
                title=str(s["title"]),
                prompts=tuple(str(p) for p in s.get("prompts", [])),
                answers=tuple(
                    AnswerSpec(str(a["key"]), str(a["label"]), str(a["kind"]), bool(a.get("required", False)))
                    for a in s.get("answers", [])
                ),
            )
            for s in raw["steps"]
        )
    except (KeyError, TypeError) as exc:
        raise AgendaTemplateError(f"The agenda template {path} is missing {exc}") from None
    for step in steps:
        for answer in step.answers:
            if answer.kind not in ANSWER_KINDS:
                raise AgendaTemplateError(
                    f"The agenda template {path}: step {step.key}, answer {answer.key}: "
                    f"kind {answer.kind!r} is not one of {', '.join(ANSWER_KINDS)}"
                )
    if len({s.key for s in steps}) != len(steps):
        raise AgendaTemplateError(f"The agenda template {path} uses a step key twice")
    return Agenda(name=str(raw.get("name", "Core group meeting")), steps=steps)
