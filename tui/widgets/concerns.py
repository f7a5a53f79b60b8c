"""A concern on the screen: where it came from, who referred it and how often.

The chair may be sharing the screen with the family, so what the family copy leaves out of a
concern (a referrer whose identity is withheld, who passed an anonymous referral on) shows as
"Withheld" until the chair presses f8, as the minutes' family copy leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from meetings.domain.family import Restrictions, referrer_identity
from meetings.domain.records import Case, Concern, CopyType, SourceKind
from meetings.domain.wording import humanise, short_date

WITHHELD = "Withheld"


def concern_source_words(concern: Concern, *, show_restricted: bool) -> str:
    """The agency or channel a concern came through; 'Anonymous' without who passed it on."""
    source = " ".join(concern.source.split())
    if concern.source_kind is SourceKind.ANONYMOUS:
        return f"Anonymous (passed on by {source})" if show_restricted and source else "Anonymous"
    if concern.referrer_withheld and not concern.referrer.strip() and referrer_identity(concern):
        return f"{source} (restricted)" if show_restricted else WITHHELD  # the source is the person
    return source or humanise(concern.source_kind.value)


def referrer_words(concern: Concern, *, show_restricted: bool) -> str | Text:
    """Who referred, by name; "Withheld" while their identity is kept from the family."""
    referrer = " ".join(concern.referrer.split())
    if not referrer or not concern.referrer_withheld:
        return referrer
    return f"{referrer} (restricted)" if show_restricted else Text(WITHHELD, style="italic")


def contacts_words(concern: Concern) -> str:
    """'1', or '4 since 2 Mar 2026' for repeated contacts."""
    since = f" since {short_date(concern.contacts_since)}" if concern.contacts > 1 and concern.contacts_since else ""
    return f"{concern.contacts}{since}"


def reported_cleaner(case: Case, *, show_restricted: bool) -> Callable[[str], str]:
    """What was reported, as the screen shows it: a withheld referrer's or restricted person's name
    typed into it is "[name withheld]" until f8, as in the family copy."""
    clean = None if show_restricted else Restrictions.of(case, CopyType.FAMILY).cleaner()
    return clean or (lambda text: text)
