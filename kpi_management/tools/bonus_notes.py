"""The "how it was derived" notes of a bonus sheet: facts stored, words rendered when read.

Compute stores the facts of each note, never its sentence: a sentence written at compute time
stays in the language of whoever computed the sheet, while the sheet is read by HR, managers and
employees in theirs. The sentences are rendered each time they are read, in the reader's
language (``env.lang``), dates in the reader's date format and numbers in the reader's number
format; the XLSX renders them in the exporting user's language. The facts are what was computed
and never change once the sheet is approved; only their rendering follows the reader.

Facts are JSON (dates as ISO strings), each a dict with a ``code``:

KPI of an employee (``kpi.bonus.sheet.detail.note_facts``), one dict:

``measured``
    a past-window rule measured once over the employee's days in the team: ``from``, ``to``,
    ``count`` (records counted), ``partial`` (in the team for part of the period only: the
    target was prorated), and ``target`` when the rule's target was scaled from its window to
    the period (``bonus_engine.period_target``): ``{"target", "window", "days",
    "period_target"}`` ("1,000 per 30 days x 92 days = 3,066.67").
``daily``
    a snapshot or future rule, the average of its daily results: ``days`` (results in the
    period), ``measured`` (of which had something to measure).
``assessed``
    a manual KPI: ``assessments``, a list of ``{"assessor_id", "assessor", "score"}`` (the
    assessor's name as it was at compute time: an approved sheet keeps its names).

Whether the KPI is a pilot (never counted) or had nothing to measure is not repeated in the
facts: the detail stores it (``counted``, ``no_data``) and the note says it first.

Employee (``kpi.bonus.sheet.line.presence_facts``), a list of dicts, why the employee is paid
for part of the period only (empty when they are paid for all of it):

``joined``
    ``date``: the first day in the team.
``archived``
    ``date``: the last day in the team of an archived user.
``left``
    ``date``: the last day in the team; ``team``: the team they are in now (its name then, or
    null for none).
``prorated``
    ``days`` in the team of the ``total`` days of the period.

The KPIs of an employee that had nothing to measure (``kpi.bonus.sheet.line.no_data_note``) are
read from the details themselves (name, weight, ``no_data``, ``counted``).

Sheets computed before 19.0.1.3.0 have no facts: their English sentences are kept as they were
stored (``legacy_note``, ``legacy_presence_note``) and shown as such.
"""

from odoo import fields
from odoo.tools.misc import format_date, formatLang

#: codes of the facts of a KPI (``kpi.bonus.sheet.detail.note_facts``)
MEASURED = "measured"
DAILY = "daily"
ASSESSED = "assessed"
#: codes of the facts of an employee's days in the team (``kpi.bonus.sheet.line.presence_facts``)
JOINED = "joined"
ARCHIVED = "archived"
LEFT = "left"
PRORATED = "prorated"


# ------------------------------------------------------------------------------------ facts
def measured(date_from, date_to, count, partial, basis=None):
    """``basis``: how the target was derived (``bonus_engine.TargetBasis``), when it was
    scaled from the rule's window to the period."""
    facts = {"code": MEASURED, "from": fields.Date.to_string(date_from),
             "to": fields.Date.to_string(date_to), "count": count, "partial": bool(partial)}
    if basis is not None and basis.scaled:
        facts["target"] = {"target": basis.target, "window": basis.window_days,
                           "days": basis.days, "period_target": basis.period_target}
    return facts


def daily(days, measured_days):
    return {"code": DAILY, "days": days, "measured": measured_days}


def assessed(assessments):
    """``assessments``: the ``kpi.bonus.assessment`` records of the KPI and employee."""
    return {"code": ASSESSED, "assessments": [
        {"assessor_id": a.assessor_id.id, "assessor": a.assessor_id.name, "score": a.score}
        for a in assessments]}


def joined(date):
    return {"code": JOINED, "date": fields.Date.to_string(date)}


def archived(date):
    return {"code": ARCHIVED, "date": fields.Date.to_string(date)}


def left(team_name, date):
    return {"code": LEFT, "team": team_name or None, "date": fields.Date.to_string(date)}


def prorated(days, total):
    return {"code": PRORATED, "days": days, "total": total}


# ------------------------------------------------------------------------------- rendering
def format_day(env, value):
    """A date (or its ISO string) in the reader's date format."""
    return format_date(env, fields.Date.to_date(value))


def format_figure(env, value):
    """A count, score or weight in the reader's number format, with the decimals it has (at
    most 4): 30 -> "30", 71.4286 -> "71.4286" ("71,4286" in Danish), 1200 -> "1,200"."""
    value = value or 0
    digits = len(("%.4f" % value).rstrip("0").partition(".")[2])
    return formatLang(env, value, digits=digits)


def render_kpi_note(env, facts, counted=True, no_data=False):
    """The note of a KPI of an employee (``facts``: see the module's docstring), in the
    language of ``env``; empty for facts of an unknown code."""
    _ = env._
    code = (facts or {}).get("code")
    if code == MEASURED:
        args = {"from": format_day(env, facts["from"]), "to": format_day(env, facts["to"]),
                "count": format_figure(env, facts["count"])}
        # one record has its own sentence (as Odoo does, one msgid per number form)
        if facts.get("partial") and facts["count"] == 1:
            note = _("Measured over the employee's days in the team %(from)s - %(to)s, target "
                     "prorated: %(count)s record counted.", **args)
        elif facts.get("partial"):
            note = _("Measured over the employee's days in the team %(from)s - %(to)s, target "
                     "prorated: %(count)s records counted.", **args)
        elif facts["count"] == 1:
            note = _("Measured over the whole period %(from)s - %(to)s in the employee's "
                     "timezone: %(count)s record counted.", **args)
        else:
            note = _("Measured over the whole period %(from)s - %(to)s in the employee's "
                     "timezone: %(count)s records counted.", **args)
        if facts.get("target"):
            scaled = facts["target"]
            note = "%s %s" % (note, _(
                "Target for the period: %(target)s per %(window)s days x %(days)s days = "
                "%(period_target)s.", target=format_figure(env, scaled["target"]),
                window=format_figure(env, scaled["window"]),
                days=format_figure(env, scaled["days"]),
                period_target=format_figure(env, round(scaled["period_target"], 2))))
    elif code == DAILY:
        days, measured_days = facts["days"], facts["measured"]
        counts = {"measured": format_figure(env, measured_days),
                  "empty": format_figure(env, days - measured_days)}
        if measured_days < days and 1 in (measured_days, days - measured_days):
            # a count of one in either place: worded without plurals to get wrong
            note = _("Average of the daily results with something to measure: %(measured)s; "
                     "days with nothing to measure left out: %(empty)s.", **counts)
        elif measured_days < days:
            note = _("Average of %(measured)s daily results (%(empty)s days with nothing to "
                     "measure left out).", **counts)
        elif days == 1:
            note = _("Average of %s daily result.", format_figure(env, days))
        elif days:
            note = _("Average of %s daily results.", format_figure(env, days))
        else:
            note = _("No result in the period.")
    elif code == ASSESSED:
        note = "; ".join("%s: %s%%" % (a["assessor"], format_figure(env, a["score"]))
                         for a in facts["assessments"]) or _("Not assessed.")
    else:
        return ""
    if not counted:
        return _("Pilot for the team, as recorded on the employee's first day: shown, never "
                 "counted; its weight is shared pro rata over the other KPIs. %s", note)
    if no_data:
        return _("No data: nothing to measure in the period; its weight is shared pro rata "
                 "over the other KPIs. %s", note)
    return note


def render_presence_note(env, facts):
    """Why an employee is paid for part of the period (``facts``: a list, see the module's
    docstring), in the language of ``env``; empty when they are paid for all of it."""
    _ = env._
    notes = []
    for fact in facts or []:
        code = fact.get("code")
        if code == JOINED:
            notes.append(_("Joined the team on %s.", format_day(env, fact["date"])))
        elif code == ARCHIVED:
            notes.append(_("Archived: last day in the team %s.", format_day(env, fact["date"])))
        elif code == LEFT:
            notes.append(_("Left the team (now %(team)s): last day in it %(end)s.",
                           team=fact.get("team") or _("no team"),
                           end=format_day(env, fact["date"])))
        elif code == PRORATED:
            notes.append(_("Paid for %(days)s of the %(total)s days of the period.",
                           days=format_figure(env, fact["days"]),
                           total=format_figure(env, fact["total"])))
    return " ".join(notes)


def render_no_data_note(env, kpis):
    """The counted KPIs of an employee that had nothing to measure, ``[(name, weight)]``, in
    the language of ``env``; empty when there are none."""
    if not kpis:
        return ""
    return env._("Nothing to measure for %(kpis)s: weight shared pro rata over the other KPIs.",
                 kpis=", ".join("%s (%s%%)" % (name, format_figure(env, weight))
                                for name, weight in kpis))
