"""Each person's scaling across the meetings, drawn as a small chart with its numbers, and the
"Before the birth" summary: what the analysis step and the case overview show.

The shapes come from the domain (`meetings.domain.analysis.scaling_trends`,
`meetings.domain.prebirth.plan_lines`); here they are only drawn. A restricted person's row, or
a line naming a restricted action, stays off the screen until the chair presses f8.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from meetings.domain.analysis import Trend
from meetings.domain.prebirth import Line
from meetings.domain.visibility import Visibility

from .flags import hidden_line

# A score of 0 to 10 as one block of a height: 0 is the lowest block, 10 the full one.
BLOCKS = "▁▂▂▃▄▅▅▆▇▇█"
NAME_WIDTH = 26
MOST_MEETINGS = 24  # the latest meetings drawn; earlier ones are summed up in a note


def spark(score: int | None) -> str:
    """One meeting's score as a block (a dot where the person did not scale)."""
    return "·" if score is None else BLOCKS[max(0, min(10, score))]


def trend_text(trends: Sequence[Trend], visibility: Visibility) -> Text:
    """One line per person, in meeting order: the name, the chart, and the scores under the
    meetings' numbers (restricted people's rows hidden until f8, with a count)."""
    shown, hidden = visibility.shown(trends)
    text = Text()
    text.append("Scaling over the meetings", style="bold")
    text.append("  (0 certain harm, 10 safe enough to close)\n", style="italic")
    meetings = sorted({number for t in shown for number, _ in t.points})
    if len(meetings) > MOST_MEETINGS:
        text.append(f"The latest {MOST_MEETINGS} meetings, from meeting {meetings[-MOST_MEETINGS]}\n", style="italic")
        meetings = meetings[-MOST_MEETINGS:]
    if not shown:
        text.append("No scaling recorded yet." if not hidden else "No other scaling.", style="italic")
    else:
        chart_width = len(meetings)
        header = "Meeting".ljust(NAME_WIDTH) + " " * (chart_width + 2) + " ".join(f"{n:>2}" for n in meetings)
        text.append(header, style="dim")
        for trend in shown:
            scores = dict(trend.points)
            row = [scores.get(n) for n in meetings]
            text.append("\n")
            text.append_text(_name_cell(trend, marked=visibility.marked(trend)))
            text.append("".join(spark(s) for s in row), style="bold cyan")
            text.append("  " + " ".join(" -" if s is None else f"{s:>2}" for s in row))
    if hidden:
        text.append("\n" + hidden_line(hidden), style="italic")
    return text


def _name_cell(trend: Trend, *, marked: bool) -> Text:
    """The person's name, marked when restricted, cut to fit and padded to the chart."""
    mark = "(restricted) " if marked else ""
    room = NAME_WIDTH - len(mark) - 1
    name = trend.name if len(trend.name) <= room else trend.name[: room - 1] + "…"
    return Text.assemble((mark, "bold red"), name.ljust(room + 1))


def before_birth_text(lines_by_child: Sequence[tuple[str, Sequence[Line]]], visibility: Visibility) -> Text:
    """The "Before the birth" summary: for each child, the conference, the assessment, the first
    review after the birth and the birth plan's follow-up; problems in red."""
    text = Text()
    text.append("Before the birth", style="bold underline")
    hidden = 0
    for name, lines in lines_by_child:
        shown, left_out = visibility.shown(lines)
        hidden += left_out
        if len(lines_by_child) > 1:
            text.append(f"\n{name}", style="bold")
        for line in shown:
            text.append(f"\n   {line.label}: ", style="italic")
            if visibility.marked(line):
                text.append("(restricted) ", style="bold red")
            text.append(line.text, style="bold red" if line.problem else "")
    if hidden:
        text.append(f"\n{hidden_line(hidden)}", style="italic")
    return text
