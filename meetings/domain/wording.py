"""The one place for the words the tool uses of records: names of kinds, lists, counts and dates.

Every message, screen and Word export that turns a record's value into words comes here, so
"in_person" reads "in person" and a date reads the same wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from .records import Action, ActionType, Person, PlanCategory, Relationship, SessionMode

_RELATIONSHIP_WORDS = {
    Relationship.MOTHERS_PARTNER: "mother's partner",
    Relationship.FATHERS_PARTNER: "father's partner",
    Relationship.MALE_CARER: "male carer",
    Relationship.FEMALE_CARER: "female carer",
    Relationship.STEP_PARENT: "step-parent",
    Relationship.OTHER_RELATIVE: "relative",
    Relationship.FAMILY_FRIEND: "family friend",
    Relationship.REGULAR_VISITOR: "regular visitor",
    Relationship.OTHER: "",
}

_ACTION_TYPE_WORDS = {
    ActionType.PARENTING_ASSESSMENT: "parenting assessment",
    ActionType.PRE_BIRTH_ASSESSMENT: "pre-birth assessment",
    ActionType.FATHER_ASSESSMENT: "father / male carer assessment",
    ActionType.VISIT: "visit",
    ActionType.REFERRAL: "referral",
    ActionType.OTHER: "action",
}


def humanise(value: str, *, capital: bool = False) -> str:
    """A stored value in words: 'in_person' is 'in person' ('In person' with `capital`)."""
    words = value.replace("_", " ")
    return words.capitalize() if capital else words


def relationship_words(person: Person) -> str:
    """How a person relates to the child, in words: 'mother', 'mother's partner', or their own words."""
    if person.relationship is Relationship.OTHER and person.relationship_detail.strip():
        return person.relationship_detail.strip()
    return _RELATIONSHIP_WORDS.get(person.relationship, humanise(person.relationship.value))


def action_type_words(action: Action) -> str:
    """What kind of action it is, in words: 'parenting assessment', 'visit', 'action'."""
    return _ACTION_TYPE_WORDS[action.type]


_SESSION_WORDS = {
    SessionMode.IN_PERSON: "in person",
    SessionMode.ONLINE: "online only",
    SessionMode.MIXED: "mixed, in person and online",
}


def assessment_sessions_words(action: Action) -> str:
    """How an assessment's sessions were held, as the minutes print it: 'Sessions: in person',
    'Sessions: online only (reason: ...)', 'Sessions: not recorded'; empty for an action that is
    not an assessment."""
    if not action.is_assessment:
        return ""
    if action.held is None:
        return "Sessions: not recorded"
    words = f"Sessions: {_SESSION_WORDS[action.held]}"
    reason = " ".join(action.held_reason.split()).rstrip(".")
    if action.held is not SessionMode.IN_PERSON and reason:
        words += f" (reason: {reason})"
    return words


def choice_words(member: object) -> str:
    """A choice in a drop-down, in words: "mother's partner", "pre-birth assessment"."""
    if isinstance(member, Relationship):
        return _RELATIONSHIP_WORDS.get(member) or humanise(member.value)
    if isinstance(member, ActionType):
        return "other" if member is ActionType.OTHER else _ACTION_TYPE_WORDS[member]
    value = getattr(member, "value", member)
    return humanise(str(value))


def field_words(path: str, labels: dict[str, str] | None = None) -> str:
    """A field named in an error in the words of its label, not its path: 'children[0].date_of_birth'
    is 'Date of birth' (or the label a form gives it)."""
    labels = labels or {}
    if path in labels:
        return labels[path]
    last = re.sub(r"\[\d+\]", "", path.split(".")[-1])
    if last in labels:
        return labels[last]
    return humanise(last).capitalize() if last else "This field"


def and_list(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c' (empty for no items)."""
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def plan_category_words(categories: Iterable[PlanCategory]) -> str:
    """The categories of a child protection plan in words: 'neglect and emotional abuse'."""
    return and_list([humanise(c.value) for c in categories])


def times(n: int) -> str:
    """'once', 'twice', '3 times'."""
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def short(text: str, limit: int = 90) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis when longer."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


# ----- dates ------------------------------------------------------------------------------------


def day_month_year(day: dt.date) -> str:
    """A date as a chair would read it aloud: '9 July 2026'."""
    return f"{day.day} {day:%B %Y}"


def weekday_date(day: dt.date | None) -> str:
    """A date in full, as the minutes print it: 'Thursday 9 July 2026', or 'Not recorded'."""
    return f"{day:%A} {day.day} {day:%B %Y}" if day else "Not recorded"


def short_date(day: dt.date | None) -> str:
    """A date in a table's cell: '9 Jul 2026', or empty."""
    return f"{day.day} {day:%b %Y}" if day else ""


def person_profile(person: Person) -> list[tuple[str, str]]:
    """What decisions about a person must take into account, as (label, text) for those recorded:
    additional needs, trauma history, mental health, risks and protective factors."""
    fields = (
        ("Additional needs", person.additional_needs), ("Trauma history", person.trauma_history),
        ("Mental health", person.mental_health), ("Risks", person.risks),
        ("Protective factors", person.protective_factors),
    )  # fmt: skip
    return [(label, " ".join(text.split())) for label, text in fields if text.strip()]
