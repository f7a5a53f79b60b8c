"""A case: flags, the plan, children, people, actions, concerns and past meetings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, ProgressBar, Static, TabbedContent, TabPane

from meetings.domain import lifecycle
from meetings.domain.analysis import scaling_trends
from meetings.domain.changes import HistoryFilter
from meetings.domain.chronology import (
    KIND_WORDS,
    ChronologyFilter,
    ChronologyItem,
    EventKind,
    chronology,
    kind_words,
)
from meetings.domain.flags import drift
from meetings.domain.lead_workers import lead_history_words
from meetings.domain.prebirth import plan_lines, pre_birth_plans
from meetings.domain.records import (
    Action,
    Case,
    Child,
    ChronologyEntry,
    Concern,
    Impact,
    Meeting,
    MeetingStatus,
    Person,
    Service,
    Visit,
)
from meetings.domain.timescales import next_core_group_due
from meetings.domain.visibility import Visibility
from meetings.domain.visits import visits_in_order
from meetings.domain.wording import (
    humanise,
    person_profile,
    plan_category_words,
    relationship_words,
    short,
    short_date,
)
from meetings.storage.base import StoreError

from ..exports import export_chronology
from ..messages import CaseUpdated
from ..widgets.actions import ActionTable
from ..widgets.breakpoints import size_classes_now
from ..widgets.concerns import concern_source_words, contacts_words, referrer_words
from ..widgets.flags import RESTRICTED_KEY, flags_text, hidden_line
from ..widgets.footer import KeysFooter
from ..widgets.forms import RecordForm, specs_for
from ..widgets.text import connection_words, for_audience, plain
from ..widgets.trend import before_birth_text, trend_text
from ..widgets.worked_out import flags_now
from . import editing
from .leads import edit_lead_workers
from .start import StartMeetingForm
from .visits import child_row, edit_visit, visit_row
from .walkthrough import WalkthroughScreen

if TYPE_CHECKING:
    from ..app import CoreGroupApp


# The tabs whose records the visibility rule filters one by one, each counted on its own tab.
RULED_TABS = ("people", "actions", "concerns", "visits", "services")
OPEN_ACTIONS_SHOWN = 12  # on the overview: those carried forward most; the Actions tab lists every one


class CaseScreen(Screen[None]):
    """A case: flags, the plan, children, people, actions, concerns and past meetings."""

    DEFAULT_CSS = """
    #case-plan { padding: 0 1; height: auto; }
    #export-row { display: none; height: 1; padding: 0 1; background: $boost; }
    #export-label { width: auto; }
    #export-progress { width: 1fr; }
    """

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "start_meeting", "Start meeting", tooltip="Start a new core group meeting", id="start-meeting"),
        Binding(
            "c",
            "continue_meeting",
            "Continue meeting",
            tooltip="Open the meeting in progress, or the highlighted one",
            id="continue",
        ),
        Binding(
            "a", "add", "Add", tooltip="Add a record to the list on this tab (chronology and services too)", id="add"
        ),
        Binding("e", "edit", "Edit", tooltip="Edit the highlighted record", id="edit"),
        Binding("p", "plan", "Edit plan", tooltip="Edit the plan, ICPC date and expected agencies", id="plan"),
        Binding(
            "l",
            "lead_workers",
            "Lead workers",
            show=False,  # the footer is full; the plan form's notes name the key
            tooltip="When the lead social worker became lead, and who led before (corrects what coregroup inferred)",
            id="lead-workers",
        ),
        Binding("b", "brief", "Brief", tooltip="Write the chair's brief for the next core group (Word)", id="brief"),
        Binding(
            "x",
            "export_chronology",
            "Chronology",
            tooltip="Write the chronology to a Word file (a progress bar shows how far it has got)",
            id="chronology",
        ),
        Binding(
            "slash",
            "filter_chronology",
            "Filter",
            tooltip="On the Chronology tab: show one kind of event, one person, one source or a period",
            id="filter-chronology",
        ),
        Binding(
            RESTRICTED_KEY,
            "toggle_restricted",
            "Restricted",
            show=False,  # the footer is full; the "hidden" line under the flags names the key
            tooltip="Show or hide restricted flags (hidden at first: the family may see the screen)",
            id="restricted",
        ),
        Binding(
            "escape",
            "close",
            "Cases",
            tooltip="Close this case and go back to the case list (asks first if a save has failed)",
            id="close",
        ),
    ]

    BINDINGS += [
        Binding(str(n), f"show_tab({n})", tab.capitalize(), show=False, tooltip=f"Show the {tab} tab")
        for n, tab in enumerate(("overview", "children", "people", "actions", "concerns", "meetings", "chronology",
                                 "services", "visits"), start=1)
    ]  # fmt: skip
    BINDINGS.append(
        Binding("0", "show_tab(10)", "History", show=False, tooltip="Show the history tab: who changed what")
    )
    BINDINGS.append(
        Binding("f", "fold_flags", "Fold flags", show=False,
                tooltip="Fold the flags to one line (so the plan is in view), or show them all again")
    )  # fmt: skip

    TABS = ("overview", "children", "people", "actions", "concerns", "meetings", "chronology", "services", "visits",
            "history")  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        size_classes_now(self)  # styled once, not again when first sized
        self.ready = False  # the overview is on the screen (for a benchmark or a test to wait on)
        self._stale: set[str] = set()  # tabs whose table is not filled with the case as it is now
        self.flags_folded = False
        self.chronology_filter = ChronologyFilter()  # what the chair chose to see of the chronology
        self.history_filter = HistoryFilter()  # whose changes, and when
        self._chronology_cache: dict[bool, tuple[object, list[ChronologyItem]]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="case-tabs"):
            with TabPane("1 Overview", id="overview"), VerticalScroll():
                yield Static(id="case-flags", classes="flags")
                yield Static(id="case-plan")
            for number, tab in enumerate(self.TABS[1:], start=2):
                with TabPane(f"{number} {tab.capitalize()}", id=tab):
                    if tab == "actions":  # its columns fit the width: what matters first
                        yield ActionTable(id="table-actions")
                    else:
                        if tab == "chronology":  # what is shown of it, and the key that filters it
                            yield Static(id="chronology-filter")
                        if tab == "history":  # who changed what, and the key that filters it
                            yield Static(id="history-filter")
                        yield DataTable(id=f"table-{tab}", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="export-row"):
            yield Label("Writing the chronology ", id="export-label")
            yield ProgressBar(id="export-progress", show_eta=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        columns = {
            "children": (
                "Name",
                "Born / due",
                "Mobility",
                "School or nursery",
                "Attendance",
                "Last seen",
                "Seen alone",
            ),
            "people": ("Name", "Relationship", "Household", "Assessment", "Invited"),
            "concerns": ("Received", "Source", "Referred by", "Contacts", "Reported", "Response"),
            "meetings": ("No.", "Date", "Mode", "Status", "Attended"),
            "chronology": ("Date / period", "Kind", "Share", "Impact", "Event", "Source"),
            "services": ("Service", "Agency", "For", "Start", "Ends", "What follows"),
            "visits": ("Date", "Visited by", "Where", "Announced", "Each child"),
            "history": ("When", "Who", "Machine", "What changed"),
        }
        for tab, names in columns.items():
            table = self.query_one(f"#table-{tab}", DataTable)
            for name in names:
                table.add_column(name)
        for shown in ("show_restricted", "sharing_screen"):  # f8, or sharing the screen
            self.watch(self.app, shown, self._privacy_changed, init=False)
        # The overview is filled when the screen is resumed, which follows at once.

    def on_screen_resume(self) -> None:
        """Shown (first, or again after a meeting or a form): show the case as it is now. When
        the screen was covered again at once (a meeting just started), wait till it is shown."""
        if self.app.session is not None and self.app.screen is self:
            self.refresh_all()

    def on_case_updated(self, event: CaseUpdated) -> None:
        if self.app.screen is self and self.app.session is not None:  # else on_screen_resume refreshes
            self.refresh_all()

    @property
    def case(self) -> Case:
        return self.app.case_session.case

    def refresh_all(self) -> None:
        """Show the case as it is now: the overview at once, and the table of the tab on screen;
        the other tabs' tables are filled when the chair opens them (a five-year case has
        hundreds of rows the overview does not need)."""
        case = self.case
        app = self.app
        holder = app.case_session.locked_by
        hidden = self.hidden_count()
        privacy = app.privacy_words() or (
            f"  {hidden} restricted item{'s' if hidden != 1 else ''} hidden ({RESTRICTED_KEY} shows)" if hidden else ""
        )
        self.sub_title = (
            f"{case.child_names()} ({case.id})"
            + (f"  READ-ONLY ({holder} has it open)" if holder else "  READ-ONLY" if app.read_only else "")
            + connection_words(app.case_session.connection_state, read_only=app.read_only)
            + privacy
        )
        self._show_flags()
        due = next_core_group_due(case, app.settings)
        plan = Text()
        plan.append("Plan: ", style="bold")
        plan.append(plan_category_words(case.plan_categories))
        plan.append(f"   ICPC {case.icpc_date}   Lead social worker: {lead_history_words(case) or 'not recorded'}\n")
        plan.append(f"Next core group due: {due or 'not set'}\n", style="bold")
        plan.append("Danger statement: ", style="bold")
        plan.append((case.danger_statement or "not recorded") + "\n")
        plan.append("Safety goal: ", style="bold")
        plan.append((case.safety_goal or "not recorded") + "\n")
        plan.append("Expected agencies: ", style="bold")
        plan.append(", ".join(case.expected_agencies) or "none recorded")
        shown, hidden = app.visibility().shown(case.people)
        if shown or hidden:
            plan.append("\n\nPeople in the child's life", style="bold underline")
        for person in shown:  # what decisions about them must take into account
            plan.append(f"\n{person.name} ({relationship_words(person) or 'other'})", style="bold")
            plan.append(f", assessment: {humanise(person.assessment_status.value)}")
            for label, text in person_profile(person):
                plan.append(f"\n   {label}: ", style="italic")
                plan.append(text)
        if hidden:
            plan.append(f"\n{hidden_line(hidden)}", style="italic")
        self._open_actions(plan)
        self._birth_and_scaling(plan)
        self.query_one("#case-plan", Static).update(for_audience(app.visibility(), plan))  # the name guard
        self._stale = set(self.TABS[1:])
        self._fill_tab(self._tab())
        if not self.ready:
            self.call_after_refresh(self._mark_ready)

    def _open_actions(self, plan: Text) -> None:
        """The overview's open actions (as the Actions tab filters them): how long each has been
        open, and at how many meetings it was carried."""
        actions = [a for a in self._records("actions") if a.is_open]
        if actions:
            plan.append("\n\nOpen actions", style="bold underline")
        # The longest open first: a plan of years holds dozens; the rest are on the Actions tab.
        longest = sorted(actions, key=lambda a: (-a.times_carried_forward, a.number))[:OPEN_ACTIONS_SHOWN]
        for a in sorted(longest, key=lambda a: a.number):
            plan.append(f"\nAction {a.number} ", style="bold")
            plan.append(
                f"({short(self.app.visibility().text(a.text), 50)}): {drift.open_for_words(self.case, a, self.app.today())}"
            )
        if len(actions) > len(longest):
            more = len(actions) - len(longest)
            plan.append(f"\n... and {more} more open, carried forward less often: the Actions tab (4) lists them all.",
                        style="italic")  # fmt: skip

    def _birth_and_scaling(self, plan: Text) -> None:
        """The overview's "Before the birth" (for a child with a due date or born on the plan),
        kept after the birth, and each person's scaling across the meetings."""
        case, app = self.case, self.app
        today, visibility = app.today(), app.visibility()
        plans = pre_birth_plans(case, app.settings, today)
        if plans:
            lines = [(p.child.name, plan_lines(p, app.settings, today)) for p in plans]
            plan.append("\n\n")
            plan.append_text(before_birth_text(lines, visibility))
        if any(m.scaling for m in case.meetings):
            plan.append("\n\n")
            plan.append_text(trend_text(scaling_trends(case), visibility))

    def _show_flags(self) -> None:
        """The flags in full, or folded to one line so that the plan below is in view."""
        app = self.app
        found = flags_now(app.case_session, app.settings, app.today())  # shared with the meeting's steps
        box = self.query_one("#case-flags", Static)
        box.border_title = "Look at these today"
        if self.flags_folded:
            shown, hidden = app.visibility().shown(found)
            line = Text(f"⚑ {len(shown)} flag(s) folded away: f shows them", style="bold yellow")
            if hidden:
                line.append(f"; {hidden_line(hidden)}", style="italic")
            box.update(line)
        else:
            box.update(for_audience(app.visibility(), flags_text(found, app.visibility())))
        box.border_subtitle = "f shows them all" if self.flags_folded else "f folds them"

    def action_fold_flags(self) -> None:
        self.flags_folded = not self.flags_folded
        self._show_flags()
        self.query_one(TabbedContent).active = "overview"

    def action_show_tab(self, number: int) -> None:
        self.query_one(TabbedContent).active = self.TABS[number - 1]

    def _mark_ready(self) -> None:
        self.ready = True

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._fill_tab(self._tab())
        self.refresh_bindings()  # the chronology's filter key shows on its tab only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filter_chronology":
            return self.is_mounted and self._tab() in ("chronology", "history")
        return True

    def action_filter_chronology(self) -> None:
        """A small form: one kind, one person, part of a source's name, from and to; empty for all.
        On the History tab: whose changes, from and to."""
        if self._tab() == "history":
            self.action_filter_history()
            return
        if self._tab() != "chronology":
            return
        people, _ = self.app.visibility().shown(self.case.people)
        sources = sorted({i.source for i in self._chronology()})
        specs = specs_for(
            ChronologyFilter,
            ("kind", "person_id", "agency", "start", "end"),
            kind={"label": "Kind of event", "choices": [(KIND_WORDS[k], k.value) for k in EventKind],
                  "help": "empty for every kind"},
            person_id={"kind": "enum", "label": "About", "choices": [(p.name, p.id) for p in people],
                       "help": "a person in the child's life; empty for everyone"},
            agency={"label": "Source", "suggest": sources, "help": "part of the agency's name, e.g. housing"},
            start={"label": "From"},
            end={"label": "To"},
        )  # fmt: skip

        def chosen(result: ChronologyFilter | None) -> None:
            if result is not None:
                self.chronology_filter = result
                self._stale.add("chronology")
                self._fill_tab("chronology")

        form = RecordForm(
            "Filter the chronology (leave a field empty for all)", ChronologyFilter, self.chronology_filter, specs,
            parse_due=self.app.case_session.parse_date,
        )  # fmt: skip
        self.app.push_screen(form, chosen)

    def _fill_tab(self, tab: str) -> None:
        if tab not in self._stale:
            return
        self._stale.discard(tab)
        if tab == "actions":
            self.query_one("#table-actions", ActionTable).show(self._records("actions"), self.app.visibility())
            return
        if tab == "chronology":
            self._show_chronology_filter()
        if tab == "history":
            self._show_history_filter()
        visibility = self.app.visibility()  # the name guard over every cell, as in the family copy
        rows = [
            tuple(for_audience(visibility, cell if isinstance(cell, Text) else Text(cell)) for cell in row)
            for row in self._rows(tab)
        ]
        table = self.query_one(f"#table-{tab}", DataTable)
        row = table.cursor_row
        table.clear()
        table.add_rows(rows)
        if rows:
            table.move_cursor(row=min(max(row, 0), len(rows) - 1))

    def _rows(self, tab: str) -> list[tuple[str | Text, ...]]:
        """The rows of a tab's table, in the order of `_records` (user text never read as markup)."""
        case = self.case
        if tab == "children":
            visibility = self.app.visibility()
            return [child_row(case, c, visibility, today=self.app.today()) for c in case.children]
        if tab == "people":
            return [
                (p.name, relationship_words(p), "yes" if p.lives_in_household else "no",
                 humanise(p.assessment_status.value), "yes" if p.invited_to_core_group else "no")
                for p in self._records("people")
            ]  # fmt: skip
        if tab == "concerns":
            visibility = self.app.visibility()
            clean = visibility.cleaner()
            return [
                (str(c.received_on), short(concern_source_words(c, visibility), 36),
                 referrer_words(c, visibility), contacts_words(c),
                 short(clean(f"{c.about.strip()}: {c.reported}" if c.about.strip() else c.reported), 50),
                 short(clean(c.response), 50) if c.answered else Text("no response yet", style="bold red"))
                for c in self._records("concerns")
            ]  # fmt: skip
        if tab == "meetings":
            return [
                (str(m.number), str(m.date), humanise(m.mode.value), humanise(m.status.value),
                 str(sum(1 for a in m.attendees if a.status.value == "attended")))
                for m in case.meetings
            ]  # fmt: skip
        if tab == "chronology":
            visibility = self.app.visibility()
            return [_chronology_row(item, visibility) for item in self._records("chronology")]
        if tab == "services":  # a restricted person's name typed into a shared service withheld, as in the copies
            clean = self.app.visibility().cleaner()
            return [
                (clean(s.name), s.agency, clean(s.for_whom), str(s.start_date or ""), str(s.end_date or ""),
                 _successor(s, clean))
                for s in self._records("services")
            ]  # fmt: skip
        if tab == "visits":
            return [visit_row(case, v) for v in self._records("visits")]
        if tab == "history":
            return list(self._history_rows())
        return []

    def _history_rows(self) -> list[tuple[str, str, str, str]]:
        """Who changed what, newest first, from the store (read when the tab is shown). Restricted
        values stay hidden until the chair shows restricted items."""
        try:
            entries = self.app.store.history(self.case.id)
        except StoreError as problem:
            self.notify(f"The history could not be read: {problem}", severity="error", markup=False)
            return []
        return self.history_filter.rows(entries, show_restricted=not self.app.visibility().withholds, case=self.case)

    def _show_history_filter(self) -> None:
        chosen = self.history_filter.words()
        said = (f"Showing changes {chosen}. / changes the filter." if chosen
                else "Every change, newest first. / shows one person's changes or a period. "
                "Restricted text stays hidden until shown.")  # fmt: skip
        try:
            check = self.app.store.verify_history(self.case.id)
        except StoreError:
            check = None  # the rows say why the history cannot be read
        if check is not None and not check.intact:  # what is listed may not be what the store recorded
            said = f"Warning: {check.words}\n{said}"
        self.query_one("#history-filter", Static).update(plain(said))

    def action_filter_history(self) -> None:
        specs = specs_for(
            HistoryFilter,
            ("person", "start", "end"),
            person={"label": "Changed by", "help": "part of their sign-in; empty for everyone"},
            start={"label": "From"},
            end={"label": "To"},
        )

        def chosen(result: HistoryFilter | None) -> None:
            if result is not None:
                self.history_filter = result
                self._stale.add("history")
                self._fill_tab("history")

        form = RecordForm(
            "Filter the history (leave a field empty for all)", HistoryFilter, self.history_filter, specs,
            parse_due=self.app.case_session.parse_date,
        )  # fmt: skip
        self.app.push_screen(form, chosen)

    def _records(self, tab: str) -> list[Any]:
        """The records of a tab, in the order the table shows them (the chronology newest first)."""
        case = self.case
        if tab == "chronology":
            return self.chronology_filter.apply(reversed(self._chronology()))
        if tab in ("meetings", "children", "history", "overview"):
            return list(getattr(case, tab, None) or []) if tab != "overview" else []
        records = reversed(visits_in_order(case.visits)) if tab == "visits" else getattr(case, tab)  # newest first
        return self.app.visibility().shown(list(records))[0]  # as the family copy: what it leaves out stays off

    def hidden_count(self) -> int:
        """How many records the tabs leave out until the chair presses f8 (by the tabs' own filter),
        and the referrers whose identity the Concerns tab shows as withheld."""
        visibility = self.app.visibility()
        if not visibility.withholds:
            return 0
        case = self.case
        left_out = sum(visibility.shown(getattr(case, tab))[1] for tab in RULED_TABS)
        referrers = sum(1 for c in self._records("concerns") if visibility.hides_referrer(c))
        return left_out + referrers + self._chronology_hidden()

    def _chronology(self) -> list[ChronologyItem]:
        """The assembled chronology, oldest first, as the screen may show it now: until f8, as
        the family copy holds it (not shareable left out, withheld identities and names out)."""
        return self.app.visibility().chronology(self._assembled_chronology())

    def _show_chronology_filter(self) -> None:
        """The line above the chronology: how many events it shows, what filters it, the key."""
        chosen = self.chronology_filter
        shown, every = len(self._records("chronology")), len(self._chronology())
        line = Text()
        if chosen.active:
            line.append(f"Showing {shown} of {every} events: ", style="bold")
            line.append(chosen.words(self.case.people))
            line.append("   / changes the filter (empty every field to see all)", style="italic")
        else:
            line.append(f"All {every} events, newest first", style="bold")
            line.append(": from the record and typed in.   / filters by kind, person, source or dates", style="italic")
        self.query_one("#chronology-filter", Static).update(line)

    def _assembled_chronology(self, *, find_people: bool = True) -> list[ChronologyItem]:
        """The whole chronology of the case as it is now, assembled once for each change the
        session records (a five-year case's takes a tenth of a second to assemble); without
        the people each event names, for the hidden count, in a fraction of that."""
        key = (self.app.case_session.revision, id(self.case), self.app.today(), find_people)
        cached = self._chronology_cache.get(find_people)
        if cached is None or cached[0] != key:
            cached = (key, chronology(self.case, today=self.app.today(), find_people=find_people))
            self._chronology_cache[find_people] = cached
        return cached[1]

    def _chronology_hidden(self) -> int:
        """The records the Chronology tab leaves out that no other tab counts already: typed
        entries not shareable, and events of a record hidden only there. A restricted person,
        action, concern, visit or service is counted once, on its tab (a service's events are
        assembled here without the people they are about, so they cannot tell it)."""
        case, visibility = self.case, self.app.visibility()
        counted = {id(r) for tab in RULED_TABS for r in getattr(case, tab)}
        hidden = {id(i.record) for i in self._assembled_chronology(find_people=False) if visibility.restricted(i)}
        return len(hidden - counted)

    def _tab(self) -> str:
        return self.query_one(TabbedContent).active or "overview"

    def _selected(self, tab: str) -> Any | None:
        records = self._records(tab)
        if not records:
            return None
        row = self.query_one(f"#table-{tab}", DataTable).cursor_row
        return records[row] if 0 <= row < len(records) else None

    def _after_edit(self, _: Any) -> None:
        self.refresh_all()

    def _writable(self) -> bool:
        if self.app.read_only:
            self.notify("This case is open read-only.", severity="warning")
            return False
        return True

    def action_add(self) -> None:
        tab = self._tab()
        if not self._writable():
            return
        if tab == "children":
            editing.edit_child(self.app, None, self._after_edit)
        elif tab == "people":
            editing.edit_person(self.app, None, self._after_edit)
        elif tab in ("actions", "overview"):
            editing.edit_action(self.app, None, None, done=self._after_edit)
        elif tab == "concerns":
            editing.edit_concern(self.app, None, done=self._after_edit)
        elif tab == "meetings":
            self.action_start_meeting()
        elif tab == "chronology":
            editing.edit_chronology(self.app, None, self._after_edit)
        elif tab == "services":
            editing.edit_service(self.app, None, self._after_edit)
        elif tab == "visits":
            edit_visit(self.app, None, self._after_edit)

    def action_edit(self) -> None:
        tab = self._tab()
        record = self._selected(tab)
        if record is None:
            if tab == "overview":
                self.action_plan()
            return
        if tab == "children":
            editing.edit_child(self.app, record, self._after_edit)
        elif tab == "people":
            editing.edit_person(self.app, record, self._after_edit)
        elif tab == "actions":
            editing.edit_action(self.app, record, None, done=self._after_edit)
        elif tab == "concerns":
            editing.edit_concern(self.app, record, done=self._after_edit)
        elif tab == "meetings":
            self.open_meeting(record)
        elif tab == "chronology":
            self._edit_chronology_source(record)
        elif tab == "services":
            editing.edit_service(self.app, record, self._after_edit)
        elif tab == "visits":
            edit_visit(self.app, record, self._after_edit)

    def _edit_chronology_source(self, item: ChronologyItem) -> None:
        """A typed entry opens its own form; an event of the record opens the record it comes
        from (the concern, the action, the service ...), or says where it is changed."""
        record, done = item.record, self._after_edit
        if isinstance(record, ChronologyEntry):
            editing.edit_chronology(self.app, record, done)
        elif isinstance(record, Concern):
            editing.edit_concern(self.app, record, done=done)
        elif isinstance(record, Action):
            editing.edit_action(self.app, record, None, done=done)
        elif isinstance(record, Service):
            editing.edit_service(self.app, record, done)
        elif isinstance(record, Person):
            editing.edit_person(self.app, record, done)
        elif isinstance(record, Child):
            editing.edit_child(self.app, record, done)
        elif isinstance(record, Meeting):
            self.open_meeting(record)
        elif isinstance(record, Visit):
            edit_visit(self.app, record, done)
        elif isinstance(record, Case):
            self.action_plan()
        else:  # a missed timescale: the tool records it when it happens
            self.notify(f"{kind_words(item.kind)}: recorded by the tool when it happened; it is not edited.")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit()

    def action_plan(self) -> None:
        if self._writable():
            editing.edit_case_details(self.app, self._after_edit)

    def action_lead_workers(self) -> None:
        if self._writable():
            edit_lead_workers(self.app, self._after_edit)

    def action_start_meeting(self) -> None:
        if not self._writable():
            return
        running = [m for m in self.case.meetings if m.status is MeetingStatus.IN_PROGRESS]
        if running:
            self.notify(
                f"Meeting {running[0].number} is still in progress: press c to continue it.", severity="warning"
            )
            return
        self.app.push_screen(StartMeetingForm())

    def action_continue_meeting(self) -> None:
        meeting = self._selected("meetings") if self._tab() == "meetings" else None
        if meeting is None:
            running = [m for m in self.case.meetings if m.status is MeetingStatus.IN_PROGRESS]
            meeting = running[-1] if running else (self.case.meetings[-1] if self.case.meetings else None)
        if meeting is None:
            self.notify("No meetings yet: press m to start one.")
            return
        self.open_meeting(meeting)

    def open_meeting(self, meeting: Meeting) -> None:
        """A meeting in progress carries on at its first step with nothing written."""
        self.app.push_screen(WalkthroughScreen(meeting, lifecycle.first_step_to_do(meeting, self.app.agenda)))

    def action_export_chronology(self) -> None:
        export_chronology(self.app, progress=self._export_progress)

    def _export_progress(self, done: int, total: int) -> None:
        """Rows of the chronology written so far; the bar goes a few seconds after the end."""
        row = self.query_one("#export-row")
        row.display = True
        self.query_one("#export-progress", ProgressBar).update(total=max(total, 1), progress=done)
        if done >= total:
            self.query_one("#export-label", Label).update("Chronology written ")
            self.set_timer(4, self._hide_progress)
        else:
            self.query_one("#export-label", Label).update("Writing the chronology ")

    def _hide_progress(self) -> None:
        self.query_one("#export-row").display = False

    def action_toggle_restricted(self) -> None:
        self.app.toggle_restricted()

    def _privacy_changed(self) -> None:
        if self.app.session is not None and self.app.screen is self:  # else on_screen_resume refreshes
            self.refresh_all()

    def action_brief(self) -> None:
        from ..exports import export_brief

        export_brief(self.app)

    def action_close(self) -> None:
        self.app.leave_case()  # asks first if a save has failed


def _chronology_row(item: ChronologyItem, visibility: Visibility) -> tuple[str | Text, ...]:
    """A row of the Chronology tab: an event of the record or a typed entry, newest first; whether
    the family copy holds it, as the visibility rule says (until f8 only what it holds is listed)."""
    share: str | Text = "yes"
    if visibility.restricted(item):
        share = Text("no", style="bold")
    elif item.withholds:
        share = Text("part", style="bold")  # the family copy leaves out who referred, or who came
    event = Text(short(item.event, 60), style="bold red") if item.needs_attention else short(item.event, 60)
    impact = "" if item.impact is Impact.NOT_KNOWN else humanise(item.impact.value)
    return (_chronology_period(item), kind_words(item.kind), share, impact, event, short(item.source, 40))


def _chronology_period(item: ChronologyItem) -> str:
    """'9 Jul 2026', or a period: '3 Nov to 10 Nov 2026' ('3 Dec 2025 to 4 Jan 2026')."""
    end = item.end_date
    if end is None or end == item.date:
        return short_date(item.date)
    start = f"{item.date.day} {item.date:%b}" if end.year == item.date.year else short_date(item.date)
    return f"{start} to {short_date(end)}"


def _period(start: Any, end: Any) -> str:
    return f"{start} to {end}" if end else str(start)


def _successor(service: Any, clean: Callable[[str], str]) -> Text | str:
    """What follows a service; a service that ends with nothing after it is shown in red."""
    if service.successor.strip():
        return short(clean(service.successor), 40)
    if service.end_date is not None:
        return Text("nothing follows", style="bold red")
    return ""
