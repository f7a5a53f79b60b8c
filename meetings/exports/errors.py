"""What can go wrong making a Word document, without loading python-docx: a command that only
lists cases or prints the report does not pay for importing the Word export to name its error."""

from __future__ import annotations


class TemplateError(ValueError):
    """The Word template cannot be used; the message names the file and what is wrong."""
