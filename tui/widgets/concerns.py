"""A concern on the screen: where it came from, who referred it and how often.

The chair may be sharing the screen with the family, so what the family copy leaves out of a
concern (a referrer whose identity is withheld, who passed an anonymous referral on) shows as
"Withheld" until the chair presses f8, as the minutes' family copy leaves it out.
"""

from __future__ import annotations

from rich.text import Text

from meetings.domain.family import referrer_identity
from meetings.domain.records import Concern, SourceKind
from meetings.domain.visibility import Visibility
from meetings.domain.wording import humanise, short_date

WITHHELD = "Withheld"


def concern_source_words(concern: Concern, visibility: Visibility) -> str:
    """The agency or channel a concern came through; 'Anonymous' without who passed it on."""
    source = " ".join(concern.source.split())
    if concern.source_kind is SourceKind.ANONYMOUS:
        return (
            f"Anonymous (passed on by {source})" if not visibility.hides_referrer(concern) and source else "Anonymous"
        )
    if concern.referrer_withheld and not concern.referrer.strip() and referrer_identity(concern):
        return WITHHELD if visibility.hides_referrer(concern) else f"{source} (restricted)"  # the source is the person
    return source or humanise(concern.source_kind.value)


def referrer_words(concern: Concern, visibility: Visibility) -> str | Text:
    """Who referred, by name; "Withheld" while their identity is kept from the family."""
    referrer = " ".join(concern.referrer.split())
    if not referrer or not concern.referrer_withheld:
        return referrer
    return Text(WITHHELD, style="italic") if visibility.hides_referrer(concern) else f"{referrer} (restricted)"


def contacts_words(concern: Concern) -> str:
    """'1', or '4 since 2 Mar 2026' for repeated contacts."""
    since = f" since {short_date(concern.contacts_since)}" if concern.contacts > 1 and concern.contacts_since else ""
    return f"{concern.contacts}{since}"
