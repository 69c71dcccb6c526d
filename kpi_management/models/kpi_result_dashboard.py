"""Server side of the "My KPIs" dashboard and its systray item.

Everything is read with the ORM and the current user's access rights (record rules included),
in a fixed number of queries whatever the length of the history:

* ``get_my_kpis``: 2 queries for the rules that apply to the user today, 1 grouped query for
  the latest date of each rule, 1 query for the results of those dates and of 7 days before,
  2 for the rules (name, unit), 1 for their companies' currency: 7 queries;
* ``get_kpi_history``: 1 query for the latest result, 1 for the history, 3 for the rule and
  its currency, 1 for its measure, and for a KPI with a "to do" side (key accounts still to
  meet, leads still to answer) 1 or 2 for what is left to do;
* ``get_my_kpis_summary`` (systray): the same as ``get_my_kpis``.
"""

import datetime

from odoo import _, api, fields, models
from odoo.tools import SQL, format_date

from ..tools import calendar, forecasting, measures, scoring
from ..tools.groups import MANAGER_GROUP, OFFICER_GROUP
from .kpi_score_mixin import amount_company, format_kpi_figure, rule_screen_info

#: the change shown on a card is measured against the result of this many days before
DELTA_DAYS = 7
#: the history graph shows at least this many days before the latest result
HISTORY_MIN_DAYS = 30

CARD_RULE_FIELDS = ["name", "description", "unit", "unit_label", "direction", "weight",
                    "sequence", "warning_threshold", "company_id", "measure",
                    "growth_comparison"]


def card_change(result, before):
    """``(delta, delta_score)`` of a My KPIs card: the change of ``result``'s value and score
    since ``before``, its result of :data:`DELTA_DAYS` days before (or none), rounded to 2
    decimals; ``(None, None)`` without a result then, or when either day had nothing to
    measure."""
    if (not before or result.status == scoring.STATUS_NO_DATA
            or before.status == scoring.STATUS_NO_DATA):
        return None, None
    return round(result.value - before.value, 2), round(result.score - before.score, 2)


class KpiResult(models.Model):
    _inherit = "kpi.result"

    @api.model
    def _users_without_results(self, user_ids):
        """The ids among ``user_ids`` that have no KPI result at all (one query)."""
        if not user_ids:
            return []
        self.flush_model(["user_id"])
        self.env.cr.execute(SQL(
            """SELECT u FROM unnest(%s::int[]) u
                WHERE NOT EXISTS (SELECT 1 FROM kpi_result r WHERE r.user_id = u)""",
            list(user_ids),
        ))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _user_has_results(self, user=None):
        """Whether ``user`` (default: the current user) has KPI results (entry visibility)."""
        user = user or self.env.user
        return bool(self.sudo().search_count([("user_id", "=", user.id)], limit=1))

    @api.model
    def _landing_action(self):
        """What the KPIs app opens for the current user: My KPIs when they are measured, else
        the bonus sheets for HR, Team KPIs for a team manager, the results otherwise."""
        user = self.env.user
        if self._user_has_results():
            xmlid = "kpi_management.kpi_result_action_my_kpis"
        elif user.has_group(OFFICER_GROUP):
            xmlid = "kpi_management.kpi_bonus_sheet_action"
        elif user.has_group(MANAGER_GROUP):
            xmlid = "kpi_management.kpi_result_action_team"
        else:
            xmlid = "kpi_management.kpi_result_action"
        return self.env["ir.actions.actions"]._for_xml_id(xmlid)

    @api.model
    def _current_rule_ids(self):
        """Ids of the active rules that apply to the current user today (profile, company).

        Results of rules that no longer apply (profile changed, rule or profile archived)
        stay in the history but get no card: a card never shows a stale figure.
        """
        rules = self.env["kpi.rule"].sudo().search([])
        return list(rules._get_assignments(self.env.user))

    @api.model
    def _rule_info(self, rules):
        """``{rule_id: {...}}``: what the dashboard shows of each rule (2 queries), with
        today's currency of its amounts (:meth:`_screen_currency` puts the one a score
        recorded in its place).

        Read as superuser: only ever called with rules of the user's own results, whose
        company may have changed since (the card must not crash on it).
        """
        info = {}
        rules = rules.sudo().with_context(active_test=False)
        for rule, vals in zip(rules, rules.read(CARD_RULE_FIELDS), strict=True):
            measure = measures.measure_of(self.env, vals["measure"])
            vals["baseline_unit"] = measure.baseline_unit if measure else False
            # today's: the currency of the rule's company (the user's main company's for a rule
            # of all companies: kpi_score_mixin.amount_company), for a score stored without one
            vals["amount_currency_id"] = amount_company(rule.company_id,
                                                        self.env.user).currency_id.id
            info[vals["id"]] = self._screen_currency(vals, False)
        return info

    @api.model
    def _screen_currency(self, info, currency_id):
        """``info`` (a rule's :meth:`_rule_info`) for a score whose amounts were measured in
        ``currency_id`` (the one it recorded; ``False``: today's stands in): the currency of
        its value and target (``currency_id``, an amount KPI only) and of its baseline
        (``baseline_currency_id``, a growth against an amount only), formatted on the screen
        the way Odoo formats monetary fields."""
        currency_id = currency_id or info["amount_currency_id"]
        return dict(
            info, currency_id=currency_id if info["unit"] == "amount" else False,
            baseline_currency_id=currency_id if info["baseline_unit"] == "amount" else False)

    @api.model
    def _baseline_label(self, info, baseline):
        """"Baseline: $ 410,000 (previous period)" for the card of a growth KPI, else ``""``."""
        if not info["baseline_unit"]:
            return ""
        comparisons = dict(self.env["kpi.rule"]._fields["growth_comparison"]
                           ._description_selection(self.env))
        return _("Baseline: %(baseline)s (%(comparison)s)",
                 baseline=format_kpi_figure(
                     self.env, baseline,
                     self.env["res.currency"].browse(info["baseline_currency_id"]) or None),
                 comparison=comparisons.get(info["growth_comparison"], "").lower())

    @api.model
    def _overall(self, cards):
        """Weighted average score of the cards; pilot KPIs never count, and KPIs with nothing
        to measure (no data) are left out. No score when none is left.

        The average can hide a problem (one KPI at 175% outweighs two off track), so the
        status is never "reached" while a counted KPI is off track or at a warning: it is the
        worse of the average's status and "warning". ``off_track``, ``warning`` and ``counted``
        say how many counted KPIs are off track or at a warning, to show next to the score.
        """
        measured = [c for c in cards if c["status"] != scoring.STATUS_NO_DATA]
        counted = [c for c in measured if not c["pilot"]]
        if not counted:
            return {"score": None, "status": False, "off_track": 0, "warning": 0, "counted": 0}
        weight = sum(c["weight"] for c in counted)
        if weight:
            score = sum(c["score"] * c["weight"] for c in counted) / weight
        else:
            score = sum(c["score"] for c in counted) / len(counted)
        score = round(score, 1)
        threshold = min(c["warning_threshold"] for c in counted)
        status = scoring.compute_status(score, threshold)
        off_track = sum(1 for c in counted if c["status"] == scoring.STATUS_OFF_TRACK)
        warning = sum(1 for c in counted if c["status"] == scoring.STATUS_WARNING)
        if status == scoring.STATUS_REACHED and (off_track or warning):
            status = scoring.STATUS_WARNING
        return {"score": score, "status": status, "off_track": off_track, "warning": warning,
                "counted": len(counted)}

    @api.model
    def get_my_kpis(self):
        """Today's (latest) KPIs of the current user, one card per rule.

        :return: ``{"cards": [...], "overall": {"score", "status"}, "date", "computed_at",
            "labels": {...}}``; each card holds the rule's name, description, unit, value,
            target, score, status, the change since :data:`DELTA_DAYS` days before (``None``
            when there is no result then), when it was computed and how many records counted.
        """
        labels = self._my_kpis_labels()
        if not self.has_access("read"):
            return self._my_kpis_data([], labels)
        latest_date = self._my_latest_dates()
        if not latest_date:
            return self._my_kpis_data([], labels)
        by_key = self._my_results_by_day(latest_date)
        rule_info = self._rule_info(self.env["kpi.rule"].browse(latest_date))
        status_labels = dict(self._fields["status"]._description_selection(self.env))
        cards = []
        for rule_id, day in latest_date.items():
            result = by_key.get((rule_id, day))
            info = rule_info.get(rule_id)
            if result and info:
                before = by_key.get((rule_id, day - datetime.timedelta(days=DELTA_DAYS)))
                cards.append(result._my_kpi_card(info, before, status_labels))
        cards.sort(key=lambda c: (c["sequence"], c["name"], c["rule_id"]))
        return self._my_kpis_data(cards, labels)

    @api.model
    def _my_kpis_labels(self):
        """The texts of the My KPIs screen, in the user's language."""
        return {
            "title": _("Today's KPIs"),
            "fixed": _("The figures are computed every night and stay fixed during the day: "
                       "what you plan today counts from tomorrow."),
            "empty": _("You have no KPI results yet. They are computed every night for the "
                       "users of a KPI profile."),
        }

    @api.model
    def _my_kpis_data(self, cards, labels):
        """What ``get_my_kpis`` returns for ``cards`` (sorted): the overall score, the latest
        day and computation shown, and the screen's ``labels``. No cards: no score, no date."""
        return {
            "cards": cards,
            "overall": self._overall(cards),
            "date": max((c["date"] for c in cards), default=False),
            "computed_at": max((c["computed_at"] for c in cards if c["computed_at"]),
                               default=False),
            "labels": labels,
        }

    @api.model
    def _my_latest_dates(self):
        """``{rule_id: date}``: the latest day of the current user's results of each rule that
        applies to the user today (one grouped query)."""
        latest = self._read_group(
            [("user_id", "=", self.env.uid), ("rule_id", "in", self._current_rule_ids())],
            ["rule_id"], ["date:max"])
        return {rule.id: day for rule, day in latest}

    @api.model
    def _my_results_by_day(self, latest_date):
        """``{(rule_id, date): result}``: the current user's results of the days of
        ``latest_date`` and of :data:`DELTA_DAYS` days before (one query), the days of any
        rule: a day missing for a rule is looked up and not found."""
        dates = set(latest_date.values())
        dates |= {day - datetime.timedelta(days=DELTA_DAYS) for day in dates}
        results = self.search_fetch(
            [("user_id", "=", self.env.uid), ("rule_id", "in", list(latest_date)),
             ("date", "in", sorted(dates))],
            ["rule_id", "date", "value", "target", "score", "status", "record_ids",
             "computed_at", "off_track_streak", "pilot", "baseline", "currency_id"],
        )
        return {(r.rule_id.id, r.date): r for r in results}

    def _my_kpi_card(self, info, before, status_labels):
        """The card of this result on My KPIs: the rule's ``info`` (:meth:`_rule_info`), the
        figures of the result in the currency it recorded and their change since ``before``,
        the result of :data:`DELTA_DAYS` days before, or none (:func:`card_change`)."""
        self.ensure_one()
        info = self._screen_currency(info, self.currency_id.id)
        no_data = self.status == scoring.STATUS_NO_DATA
        delta, delta_score = card_change(self, before)
        return {
            "id": self.id,
            "rule_id": self.rule_id.id,
            **rule_screen_info(info),
            # the mode of the user's team on the result's day (kpi.rule.rollout)
            "pilot": self.pilot,
            "weight": info["weight"],
            "warning_threshold": info["warning_threshold"],
            "date": fields.Date.to_string(self.date),
            "value": None if no_data else self.value,
            "target": self.target,
            "score": None if no_data else self.score,
            "status": self.status,
            "status_label": status_labels.get(self.status, ""),
            "delta": delta,
            "delta_score": delta_score,
            "computed_at": fields.Datetime.to_string(self.computed_at),
            "record_count": len(self.record_ids or []),
            "off_track_streak": self.off_track_streak,
            # growth KPIs: signed figures and the baseline they are measured against
            "growth": bool(info["baseline_unit"]),
            "baseline": self.baseline if info["baseline_unit"] else None,
            "baseline_label": self._baseline_label(info, self.baseline),
        }

    @api.model
    def get_my_kpis_summary(self):
        """What the systray item shows: ``{"count", "score", "status"}`` (count 0: hidden)."""
        data = self.get_my_kpis()
        return {"count": len(data["cards"]), **data["overall"]}

    @api.model
    def get_kpi_history(self, rule_id, period="month"):
        """History of one KPI of the current user with its target and a forecast.

        The history covers the current ``period`` (week, month, quarter, year) and at least
        the last :data:`HISTORY_MIN_DAYS` days; the forecast continues from the last measured
        value at the slope of a least-squares line through the period's daily values, to the
        period's last day (see ``forecasting``). Amounts read in the currency the latest
        result recorded.
        """
        if period not in calendar.PERIODS:
            period = "month"
        uid = self.env.uid
        rule_id = int(rule_id)
        domain = [("user_id", "=", uid), ("rule_id", "=", rule_id)]
        last = self.search_fetch(domain, ["date"], order="date desc", limit=1)
        if not last:  # not one of the user's KPIs: nothing to show, not even its name
            return {"points": [], "forecast": [], "rule": {}, "result_id": False}
        info = self._rule_info(self.env["kpi.rule"].browse(rule_id)).get(rule_id, {})
        latest = last.date
        start, end = calendar.period_bounds(latest, period)
        since = min(start, latest - datetime.timedelta(days=HISTORY_MIN_DAYS - 1))
        history = self.search_fetch(
            domain + [("date", ">=", since)],
            ["date", "value", "target", "score", "status", "record_ids", "currency_id"],
            order="date asc",
        )
        measured = [r for r in history if r.status != scoring.STATUS_NO_DATA]
        points = [{
            "date": fields.Date.to_string(r.date),
            "value": r.value if r in measured else None,
            "target": r.target,
            "score": r.score if r in measured else None,
            "status": r.status,
        } for r in history]
        # days with nothing to measure are gaps in the graph and left out of the forecast
        predicted = forecasting.forecast([(r.date, r.value) for r in measured], latest, period)
        latest_result = history[-1:]
        if info:
            info = self._screen_currency(info, latest_result.currency_id.id)
        period_labels = dict(self._fields["period"]._description_selection(self.env))
        return {
            "rule": info,
            "period": period,
            "period_label": period_labels.get(period, period),
            "period_start": fields.Date.to_string(start),
            "period_end": fields.Date.to_string(end),
            "points": points,
            "forecast": [{"date": fields.Date.to_string(d), "value": v} for d, v in predicted],
            "forecast_note": _(
                "Forecast: from the last value, at the trend of the daily values since "
                "%(start)s, damped (a value over a rolling window levels off: the forecast "
                "moves by at most four days of the trend), up to %(end)s; with fewer than "
                "%(min)s days measured the value holds. A trend, not a promise.",
                start=format_date(self.env, start), end=format_date(self.env, end),
                min=forecasting.MIN_TREND_POINTS,
            ),
            "result_id": latest_result.id,
            "record_count": len(latest_result.record_ids or []),
            "todo": self._todo_info(latest_result),
        }

    @api.model
    def _todo_info(self, result):
        """``{"count", "label"}`` of what is left to act on for ``result``, or ``False``."""
        todo = result._todo_records() if result else None
        if todo is None:
            return False
        return {"count": len(todo), "label": result._todo_label_for(len(todo))}
