"""The agenda of a core group meeting, read from a template a council can change without code.

The template (`data/agenda.json` unless the council's settings name another) lists the steps in
order; each has a title, guidance prompts, the structured answers the chair is asked for, and a
*role*: what the step is for (taking attendance, reviewing actions, recording dissent ...). The
tool finds its steps by role, never by key or title, so a council may rename, reword and reorder
the steps freely; a template that leaves out a role the tool needs is refused, naming the role.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from .locations import data_dir
from .records import AgendaStep


class StepRole(StrEnum):
    """What an agenda step is for. The values are the keys of the standard agenda's steps."""

    WELCOME = "welcome"
    MEMBERSHIP = "membership"
    REASON_FOR_PLAN = "reason_for_plan"
    CHILDS_VOICE = "childs_voice"
    VISITS = "visits"
    AGENCY_UPDATES = "agency_updates"
    FAMILY_VIEWS = "family_views"
    REVIEW_OF_ACTIONS = "review_actions"
    ASSESSMENTS = "assessments"
    HOUSEHOLD = "household_changes"
    ANALYSIS = "analysis"
    ACTIONS_AND_CONTINGENCY = "actions_contingency"
    NEW_CONCERNS = "new_concerns"
    DISSENT = "dissent"
    NEXT_MEETING = "next_dates"
    OTHER = "other"  # a council's own step: notes and answers, nothing the tool acts on


# The roles whose step the tool needs: what is recorded there has nowhere else to go.
REQUIRED_ROLES: tuple[StepRole, ...] = (
    StepRole.MEMBERSHIP,
    StepRole.REVIEW_OF_ACTIONS,
    StepRole.ANALYSIS,
    StepRole.ACTIONS_AND_CONTINGENCY,
    StepRole.NEW_CONCERNS,
    StepRole.DISSENT,
    StepRole.NEXT_MEETING,
)


class AnswerKind(StrEnum):
    YES_NO = "bool"
    DATE = "date"
    INT = "int"
    TEXT = "text"


class MeetingText(StrEnum):
    """The meeting's own texts that the minutes print, each typed at the step of its role."""

    CONTINGENCY_PLAN = "contingency_plan"
    DISSENT = "dissent"
    DECISIONS = "decisions"

    @property
    def label(self) -> str:
        return _MEETING_TEXT_LABELS[self]


_MEETING_TEXT_LABELS = {
    MeetingText.CONTINGENCY_PLAN: "Contingency plan (printed in the minutes)",
    MeetingText.DISSENT: "Dissent: who disagreed, and why (printed in the minutes)",
    MeetingText.DECISIONS: "Decisions of the core group (printed in the minutes)",
}

# At which step's role each of the meeting's own texts is typed.
MEETING_TEXTS: dict[StepRole, tuple[MeetingText, ...]] = {
    StepRole.ACTIONS_AND_CONTINGENCY: (MeetingText.CONTINGENCY_PLAN,),
    StepRole.DISSENT: (MeetingText.DISSENT,),
    StepRole.NEXT_MEETING: (MeetingText.DECISIONS,),
}


# The standard agenda's questions about a child already born (seen, seen alone, seen by a doctor):
# a template may say so of its own with "after_birth": true.
# Asked only once a child is born. ("child_last_seen_on" and "seen_alone" were meeting-level
# answers of earlier templates: visits record them child by child now.)
AFTER_BIRTH_KEYS = frozenset({"views_gathered_on", "child_last_seen_on", "seen_alone", "seen_by_medical_professional"})


class AgendaTemplateError(ValueError):
    pass


@dataclass(frozen=True)
class AnswerSpec:
    key: str
    label: str
    kind: AnswerKind
    required: bool = False
    past_only: bool = False  # a date that has happened: '3d' counts back, a future date is refused
    after_birth: bool = False  # about a child already born: not asked while every child is unborn


@dataclass(frozen=True)
class StepTemplate:
    key: str
    title: str
    prompts: tuple[str, ...]
    answers: tuple[AnswerSpec, ...]
    role: StepRole = StepRole.OTHER

    def answer(self, key: str) -> AnswerSpec | None:
        return next((a for a in self.answers if a.key == key), None)


@dataclass(frozen=True)
class Agenda:
    name: str
    steps: tuple[StepTemplate, ...]

    def step(self, key: str) -> StepTemplate | None:
        return next((s for s in self.steps if s.key == key), None)

    def template_of(self, step: AgendaStep) -> StepTemplate | None:
        """The template step a meeting's step was made from (by key), if the template still has it."""
        return self.step(step.key)

    def role_of(self, step: AgendaStep) -> StepRole:
        """What a meeting's step is for. A step kept from an earlier template that this one no
        longer has keeps the role its key had in the standard agenda, else it is OTHER."""
        template = self.template_of(step)
        if template is not None:
            return template.role
        try:
            return StepRole(step.key)
        except ValueError:
            return StepRole.OTHER

    def key_of(self, role: StepRole) -> str | None:
        """The key of the step with `role` in this template."""
        return next((s.key for s in self.steps if s.role is role), None)

    def new_steps(self) -> list[AgendaStep]:
        return [AgendaStep(key=s.key, title=s.title) for s in self.steps]


def _role(raw: dict[str, Any], key: str, path: Path) -> StepRole:
    value = raw.get("role", key)  # templates before roles: the standard keys were the roles
    try:
        return StepRole(value)
    except ValueError:
        if "role" not in raw:
            return StepRole.OTHER
        allowed = ", ".join(r.value for r in StepRole)
        raise AgendaTemplateError(
            f"The agenda template {path}: step {key}: role {value!r} is not one of {allowed}"
        ) from None


def load_agenda(path: Path | None = None) -> Agenda:
    path = path or data_dir() / "agenda.json"
    if path.exists() and not path.is_file():  # a pipe or a device: reading it could wait for ever
        raise AgendaTemplateError(f"The agenda template {path} is not a file (a pipe, a device or a folder).")
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AgendaTemplateError(f"The agenda template {path} cannot be read: {exc}") from None
    try:
        steps = []
        for s in raw["steps"]:
            key = str(s["key"])
            answers = []
            for a in s.get("answers", []):
                try:
                    kind = AnswerKind(str(a["kind"]))
                except ValueError:
                    raise AgendaTemplateError(
                        f"The agenda template {path}: step {key}, answer {a['key']}: kind {a['kind']!r} is not one "
                        f"of {', '.join(k.value for k in AnswerKind)}"
                    ) from None
                answers.append(
                    AnswerSpec(
                        str(a["key"]), str(a["label"]), kind, bool(a.get("required", False)),
                        # A date named "..._on" (child_last_seen_on) records something that has happened.
                        past_only=bool(a.get("past_only", kind is AnswerKind.DATE and str(a["key"]).endswith("_on"))),
                        after_birth=bool(a.get("after_birth", str(a["key"]) in AFTER_BIRTH_KEYS)),
                    )
                )  # fmt: skip
            steps.append(
                StepTemplate(
                    key=key,
                    title=str(s["title"]),
                    prompts=tuple(str(p) for p in s.get("prompts", [])),
                    answers=tuple(answers),
                    role=_role(s, key, path),
                )
            )
    except (KeyError, TypeError) as exc:
        raise AgendaTemplateError(f"The agenda template {path} is missing {exc}") from None
    if len({s.key for s in steps}) != len(steps):
        raise AgendaTemplateError(f"The agenda template {path} uses a step key twice")
    roles = [s.role for s in steps if s.role is not StepRole.OTHER]
    twice = sorted({r.value for r in roles if roles.count(r) > 1})
    if twice:
        raise AgendaTemplateError(f"The agenda template {path} gives the role {twice[0]!r} to more than one step")
    missing = [r.value for r in REQUIRED_ROLES if r not in roles]
    if missing:
        raise AgendaTemplateError(
            f"The agenda template {path} has no step with the role {missing[0]!r}"
            + (f" (nor {', '.join(repr(m) for m in missing[1:])})" if len(missing) > 1 else "")
            + ': the tool records what is typed at that step, so it needs one. Add "role" to the step that does it.'
        )
    return Agenda(name=str(raw.get("name", "Core group meeting")), steps=tuple(steps))
