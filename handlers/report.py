"""/report [weeks]: a one-page PDF for the person's physiotherapist, in the person's language.

The numbers come from usecases.report (the adherence functions /progress uses); this
module words them, and the drawing process lays out the page (media.report)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from content.adherence import WeekTally
from content.catalogue import Catalogue
from content.i18n import (
    _,
    clock_time,
    date_range,
    day_month,
    decimal,
    full_date,
    ngettext,
    short_day,
    weekday_abbreviations,
)
from content.progression import Effort
from handlers.common import Attachment, Turn, turn_handler
from handlers.knee import GAVE_WAY_WORDS
from handlers.safety import TIER_WORDS, hold_event
from handlers.views import describe_reason
from media.chart import chart_labels
from media.report import (
    PainChart,
    PainSeries,
    ReportDocument,
    Section,
    Table,
    WeekBar,
    render_report,
)
from usecases.holds import HoldRecord, KneeEventDay
from usecases.psfs import ScaleSummary
from usecases.report import (
    DEFAULT_WEEKS,
    MAX_WEEKS,
    ClearanceDay,
    FlagAnswer,
    ReportData,
    gather_report,
)


@turn_handler
async def report(turn: Turn) -> None:
    """/report [weeks]: a PDF for the physiotherapist, drawn in the drawing process."""
    weeks = parse_weeks(turn.context.args or [])
    if weeks is None:
        turn.say(
            _(
                "Send /report for the last {default} weeks, or /report and a number of weeks "
                "from 1 to {most}, like /report 12."
            ).format(default=DEFAULT_WEEKS, most=MAX_WEEKS)
        )
        return
    catalogue = turn.catalogue
    data = await gather_report(turn.db, catalogue, turn.user, turn.today, weeks)
    if data is None:
        turn.say(
            _(
                "There's nothing to report yet: the report fills in as you log sessions. "
                "Send /today to start, and tap ✅ when you're done."
            )
        )
        return
    document = report_document(data, catalogue)
    make = partial(turn.services.drawing.run, render_report, document)
    filename = f"knee-coach-report-{data.today.isoformat()}.pdf"
    caption = _("Your Knee Coach report ({period}). Forward it to your physiotherapist.").format(
        period=period_text(data)
    )
    turn.send_file(Attachment("document", filename, make), caption)


def parse_weeks(args: list[str]) -> int | None:
    """The number of weeks asked for (the default without one); None if that is not one."""
    if not args:
        return DEFAULT_WEEKS
    if len(args) == 1 and args[0].isdecimal() and 1 <= int(args[0]) <= MAX_WEEKS:
        return int(args[0])
    return None


def period_text(data: ReportData) -> str:
    """What the report covers, as it is: '4 weeks: 9 Nov – 6 Dec 2026', '6 days: …', '3 weeks
    and 2 days: …' (a person who joined mid-week, or a report asked for mid-week)."""
    days = (data.today - data.period_start).days + 1
    weeks, rest = divmod(days, 7)
    day_count = ngettext("{count} day", "{count} days", rest).format(count=rest)
    week_count = ngettext("{count} week", "{count} weeks", weeks).format(count=weeks)
    if not weeks:
        length = day_count
    elif not rest:
        length = week_count
    else:
        length = _("{weeks} and {days}").format(weeks=week_count, days=day_count)
    return _("{length}: {dates}").format(
        length=length, dates=date_range(data.period_start, data.today)
    )


def report_document(data: ReportData, catalogue: Catalogue) -> ReportDocument:
    """Every word and number of the pages, in the current language."""
    name = data.first_name.strip() or _("Knee Coach user")
    days = weekday_abbreviations()
    period = period_text(data)
    schedule = _("{days} at {time}").format(
        days=", ".join(days[day] for day in data.weekdays), time=clock_time(data.reminder_time)
    )
    facts = (
        (_("Report period:"), period),
        (_("Program start:"), full_date(data.joined)),
        (_("Training days and reminder:"), schedule),
    )
    pain = catalogue.program.pain
    sections = [
        _fortnight_section(data),
        _program_section(data, catalogue),
        _safety_section(data, catalogue),
        _changes_section(data, catalogue),
    ]
    if data.activities is not None:
        sections.insert(1, _activities_section(data.activities, catalogue))
    title = _("Knee Coach report: {name}").format(name=name)
    return ReportDocument(
        title=title,
        continued=_("{title} (continued)").format(title=title),
        facts=facts,
        adherence_title=_("Adherence: sessions done / planned, per week"),
        weeks=tuple(
            WeekBar(day_month(week.week_start), week.done, week.planned) for week in data.weeks
        ),
        adherence_lines=_adherence_lines(data, catalogue),
        pain_title=_("Pain scores (0–10)"),
        chart=_chart(data, catalogue),
        pain_note=_(
            "Pain-monitoring bands: 0–{safe} safe, {low}–{acceptable} acceptable, above "
            "{acceptable} too much. A next-morning score is shown on its session's day."
        ).format(safe=pain.safe_max, low=pain.safe_max + 1, acceptable=pain.acceptable_max),
        sections=tuple(sections),
        footer=_(
            "Generated by Knee Coach on {date} from the person's own reports. "
            "Not a diagnosis: a summary to discuss with a clinician."
        ).format(date=full_date(data.today)),
        page_number=_("page {page} of {pages}"),
    )


def _adherence_lines(data: ReportData, catalogue: Catalogue) -> tuple[str, ...]:
    target = catalogue.program.progress.streak_sessions
    lines = [
        _("Done in this period: {done} of {planned} planned sessions.").format(
            done=data.done_in_period, planned=data.planned_in_period
        )
        + " "
        + _("Sessions done since the start: {count}.").format(count=data.summary.sessions_done),
        ngettext(
            "Streak: {count} week in a row on target ({target} sessions a week, or all "
            "planned ones in a shorter week).",
            "Streak: {count} weeks in a row on target ({target} sessions a week, or all "
            "planned ones in a shorter week).",
            data.summary.streak_weeks,
        ).format(count=data.summary.streak_weeks, target=target),
    ]
    if data.skipped:
        lines.append(
            ngettext(
                "Skipped: {count} session ({days}).",
                "Skipped: {count} sessions ({days}).",
                len(data.skipped),
            ).format(
                count=len(data.skipped), days="; ".join(short_day(day) for day in data.skipped)
            )
        )
    else:
        lines.append(_("Skipped: none."))
    labels = {key: barrier.label for key, barrier in catalogue.barriers.items()}
    if data.barriers:
        reasons = "; ".join(
            _("week of {day}: {reason}").format(day=day_month(week), reason=labels.get(key, key))
            for week, key in data.barriers
        )
        lines.append(_("Reasons given at the weekly check-in: {reasons}.").format(reasons=reasons))
    else:
        lines.append(_("Reasons given at the weekly check-in: none."))
    lines.append(_effort_line(data))
    return tuple(lines)


def _effort_line(data: ReportData) -> str:
    """The optional one-tap effort answers of the period's sessions, counted."""
    rated = len(data.efforts)
    if not rated:
        return _("Effort ratings: none given in this period.")
    return ngettext(
        "Effort ratings: {easy} easy, {right} just right, {hard} hard ({rated} of {done} "
        "session rated).",
        "Effort ratings: {easy} easy, {right} just right, {hard} hard ({rated} of {done} "
        "sessions rated).",
        data.done_in_period,
    ).format(
        easy=data.effort_count(Effort.EASY),
        right=data.effort_count(Effort.JUST_RIGHT),
        hard=data.effort_count(Effort.HARD),
        rated=rated,
        done=data.done_in_period,
    )


def _chart(data: ReportData, catalogue: Catalogue) -> PainChart:
    labels = {
        "during": _("during the session"),
        "morning": _("next morning"),
        "day": _("day score"),
    }
    weeks = len(data.weeks)
    step = 1 if weeks <= 8 else 2 if weeks <= 16 else 4
    ticks = tuple(
        (week.week_start, day_month(week.week_start)) for week in _every(data.weeks, step)
    )
    return PainChart(
        first=data.first_day,
        last=data.today + timedelta(days=1),
        series=tuple(
            PainSeries(kind, labels[kind], points)
            for kind, points in data.pain.items()
            if points or kind != "day"
        ),
        ticks=ticks,
        axis_label=_("pain (0–10)"),
        pain=catalogue.program.pain,
        skipped=data.skipped,
        paused=data.held.paused,
        holds=data.held.holds,
        marks=chart_labels(),
    )


def _every(weeks: tuple[WeekTally, ...], step: int) -> list[WeekTally]:
    return list(weeks[::step])


def _fortnight_section(data: ReportData) -> Section:
    """One column per fortnight (so the table keeps its height over any period), one row per
    kind of score: the median / the worst; and, when any was given, the effort answers:
    easy / just right / hard."""
    kinds = [("during", _("During sessions")), ("morning", _("Next mornings"))]
    if data.pain.get("day"):
        kinds.append(("day", _("Day scores")))
    header = (_("From"), *(day_month(fortnight.first) for fortnight in data.fortnights))
    rows = []
    for kind, label in kinds:
        cells = [label]
        for fortnight in data.fortnights:
            median, worst = fortnight.median(kind), fortnight.worst(kind)
            cells.append("–" if median is None else f"{decimal(median)} / {worst}")
        rows.append(tuple(cells))
    title = _("Pain per fortnight: median / worst")
    if data.efforts:
        title = _("Per fortnight: pain median / worst; effort easy / just right / hard")
        cells = [_("Effort")]
        for fortnight in data.fortnights:
            counts = [fortnight.effort_count(effort) for effort in Effort]
            cells.append(" / ".join(map(str, counts)) if fortnight.efforts else "–")
        rows.append(tuple(cells))
    share = 0.8 / max(len(data.fortnights), 4)
    return Section(
        title,
        table=Table(
            header, tuple(rows), (0.2, *(share for _ in data.fortnights)), small=len(header) > 9
        ),
    )


def _activities_section(scale: ScaleSummary, catalogue: Catalogue) -> Section:
    """The functional scale: each activity in the first and the latest round, and the mean."""
    (first_day, first, first_mean), (day, latest, mean) = scale.first, scale.latest
    if scale.change is None:
        header: tuple[str, ...] = (_("Activity"), short_day(first_day, opening=True))
        rows: list[tuple[str, ...]] = [
            (name, str(score)) for name, score in zip(scale.names, first, strict=True)
        ]
        rows.append((_("Mean"), decimal(first_mean)))
        widths: tuple[float, ...] = (0.6, 0.4)
        lines = [_("A first round: the next one shows the change.")]
    else:
        header = (_("Activity"), short_day(first_day, opening=True), short_day(day), _("Change"))
        rows = [
            (name, str(before), str(after), f"{after - before:+d}")
            for name, before, after in zip(scale.names, first, latest, strict=True)
        ]
        delta = scale.change.delta
        moved = ("+" if delta > 0 else "") + decimal(delta)
        rows.append((_("Mean"), decimal(first_mean), decimal(mean), moved))
        widths = (0.46, 0.18, 0.18, 0.18)
        meaningful = catalogue.program.psfs.meaningful_change
        if scale.change.meaningful:
            lines = [_("The mean moved by {points} points or more: a meaningful change.")]
        else:
            lines = [_("The mean moved by less than {points} points: no meaningful change yet.")]
        lines = [line.format(points=decimal(meaningful)) for line in lines]
    return Section(
        _("Everyday activities (Patient-Specific Functional Scale, 0 unable to 10 as before)"),
        tuple(lines),
        Table(header, tuple(rows), widths),
    )


def _program_section(data: ReportData, catalogue: Catalogue) -> Section:
    rows = []
    for now in data.levels:
        exercise = catalogue.get(now.exercise)
        if exercise is None:
            continue
        if now.level is None:
            level, since = _("not open yet"), "–"
        else:
            level = _("{level} of {count}: {label}").format(
                level=now.level, count=len(exercise.levels), label=exercise.level(now.level).label
            )
            since = short_day(now.changed_on, opening=True) if now.changed_on else "–"
        dose = exercise.dose_at(now.level or exercise.start_level).describe()
        rows.append((exercise.name, level, dose, since))
    return Section(
        _("The program now"),
        table=Table(
            (_("Exercise"), _("Level"), _("Dose"), _("Last change")),
            tuple(rows),
            (0.22, 0.24, 0.42, 0.12),
        ),
    )


def _changes_section(data: ReportData, catalogue: Catalogue) -> Section:
    lines = []
    for change in data.changes:
        exercise = catalogue.get(change.exercise)
        name = exercise.name if exercise else change.exercise
        if change.from_level is None:
            what = _("{name} opened at level {level}").format(name=name, level=change.to_level)
        elif change.to_level == 0:
            what = _("{name} locked again").format(name=name)
        else:
            what = _("{name}: level {old} → {new}").format(
                name=name, old=change.from_level, new=change.to_level
            )
        reason = describe_reason(change.reason, catalogue, change.clinician)
        lines.append(f"{short_day(change.day, opening=True)}: {what} ({reason})")
    return Section(
        _("Level changes in this period"),
        tuple(lines) or (_("No level changes in this period."),),
    )


def _safety_section(data: ReportData, catalogue: Catalogue) -> Section:
    """The warning signs tapped, each hold (a red flag, or the advice to see a clinician with
    the scores behind it) and how it ended, and what the person told about their knee, day by
    day; then whether a hold is open now and how often the screen found nothing."""
    events = [(answer.day, 0, _flag_row(answer)) for answer in data.flags]
    events += [(record.started, 1, _hold_row(record, catalogue)) for record in data.holds]
    events += [(event.day, 2, _knee_row(event)) for event in data.knee_events]
    events += [
        (clearance.day, 3, _clearance_row(clearance))
        for clearance in data.clearances
        if clearance.held_since is None  # the others end a hold, said with it
    ]
    events.sort(key=lambda event: event[:2])  # a flag before the hold it started
    if data.on_hold_since is not None:
        line = _(
            "On hold now, since {day}: the program waits until a clinician has checked the person."
        ).format(day=full_date(data.on_hold_since))
    else:
        line = _("No hold open now: the program is running.")
    if data.all_clear:
        line += " " + ngettext(
            "Screen answered “None of these” {count} time (last {day}).",
            "Screen answered “None of these” {count} times (last {day}).",
            len(data.all_clear),
        ).format(count=len(data.all_clear), day=short_day(data.all_clear[-1]))
    return Section(
        _("Warning signs, clinician reviews and holds"),
        (line,),
        table=Table(
            (_("Day"), _("What happened"), _("Urgency, or how it ended")),
            tuple(row for _day, _order, row in events),
            (0.13, 0.55, 0.32),
            empty=_("No warning sign, review or hold in this period."),
        ),
    )


def _hold_row(record: HoldRecord, catalogue: Catalogue) -> tuple[str, str, str]:
    what, how = hold_event(catalogue, record)
    return short_day(record.started, opening=True), what, how


def _knee_row(event: KneeEventDay) -> tuple[str, str, str]:
    return short_day(event.day, opening=True), _("Knee gave way"), _(GAVE_WAY_WORDS[event.answer])


def _flag_row(answer: FlagAnswer) -> tuple[str, str, str]:
    flag = answer.flag
    what = flag.button if flag is not None else answer.key.replace("_", " ")
    if answer.before_start:
        what = _("{flag} (before starting)").format(flag=what)
    urgency = _(TIER_WORDS[flag.tier]) if flag is not None else "–"
    return short_day(answer.day, opening=True), what, urgency


def _clearance_row(clearance: ClearanceDay) -> tuple[str, str, str]:
    if clearance.held_since is not None:
        what = _("Cleared by a clinician (on hold since {day})").format(
            day=short_day(clearance.held_since)
        )
    else:
        what = _("Checked by a clinician after the advice to see one")
    return short_day(clearance.day, opening=True), what, "–"
