"""Reminders: an off-track KPI gives its user one ``mail.activity`` stating the gap to close.

The source material asks the system to "promptly remind all employees involved ... of the need
to perform any actions". The reminder is an ordinary Odoo activity (type *KPI Off Track*) on the
result of the day the KPI went off track, assigned to its user and due that day: it shows in the
activity menu and on the result, is marked done like any activity, and becomes overdue when
ignored (it never counts in the *Overdue activities* KPI: ``kpi_measure.overdue_activities``).

:meth:`KpiResult._sync_reminders` runs in the hourly evaluation, for the results it has just
stored, in the same savepoint as them (a crashed batch leaves neither), in a fixed number of
queries whatever the number of users:

* off track, counted (not a pilot) and the rule reminds: one open reminder per rule and user;
  an open one is kept (its text follows the latest gap), else one is created;
* anything else (reached, warning, no data, a pilot, reminders turned off): the open reminder
  is marked done, with the reason as feedback in the result's chatter.
"""

import math

from odoo import _, api, models
from odoo.tools import SQL, formatLang, html_escape

from . import kpi_measure, kpi_scoring
from .kpi_result import format_kpi_figure

REMINDER_TYPE = "kpi_management.mail_activity_type_kpi_off_track"


def _figure(env, value, unit, currency=None):
    """``value`` as the result shows it (``format_kpi_figure``), counts rounded up to whole
    ones (4.2 meetings missing: 5 to plan)."""
    if unit == "count":
        value = math.ceil(round(value, 6))
    return format_kpi_figure(env, value, currency)


def gap_sentence(env, measure, direction, value, target, window_kind, window_days, unit,
                 unit_label, currency=None):
    """What the user must do to reach the target, in the KPI's unit and the language of
    ``env``: "Plan 4 more meetings in the next 14 days to reach 10."."""
    _ = env._
    if direction == "lower":
        gap = value - target
    else:
        gap = target - value
    # a growth is signed, as the result shows it ("+12", "−5"): its gap is not
    growth = measure in kpi_measure.GROWTH_MEASURES
    args = {
        "gap": _figure(env, max(gap, 0), unit, currency),
        "target": (format_kpi_figure(env, target, currency, signed=True) if growth
                   else _figure(env, target, unit, currency)),
        "value": (format_kpi_figure(env, value, currency, signed=True) if growth
                  else _figure(env, value, unit, currency)),
        "days": window_days,
        "unit": unit_label or "",
    }
    if measure == "meetings" and window_kind == kpi_scoring.WINDOW_FUTURE:
        return _("Plan %(gap)s more meetings in the next %(days)s days to reach %(target)s.",
                 **args)
    if measure == "meetings":
        return _("Hold %(gap)s more meetings: %(value)s in the last %(days)s days, the target "
                 "is %(target)s.", **args)
    if measure == "won_deals":
        return _("Win %(gap)s more deals: %(value)s in the last %(days)s days, the target is "
                 "%(target)s.", **args)
    if measure == "new_clients":
        return _("Win %(gap)s more new clients: %(value)s in the last %(days)s days, the target "
                 "is %(target)s.", **args)
    if measure in ("won_revenue", "net_profit"):
        return _("%(gap)s more to reach %(target)s: %(value)s in the last %(days)s days.",
                 **args)
    if measure == "kam_coverage":
        return _("Meet the key accounts you have not met yet: %(value)s%% of them met in the "
                 "last %(days)s days, the target is %(target)s%%.", **args)
    if measure == "conversion_rate":
        return _("Raise your conversion rate by %(gap)s points to reach %(target)s%% (now "
                 "%(value)s%% over the last %(days)s days).", **args)
    if measure == "response_time":
        return _("Answer new leads faster: %(value)s hours on average over the last %(days)s "
                 "days, the target is %(target)s hours or less.", **args)
    if measure == "overdue_activities":
        return _("Close or reschedule %(gap)s overdue activities to get down to %(target)s.",
                 **args)
    if measure == "open_pipeline":
        return _("Add %(gap)s to your open pipeline to reach %(target)s.", **args)
    if measure == "won_revenue_growth":
        return _("Win %(gap)s more revenue to reach a growth of %(target)s against your "
                 "baseline (now %(value)s over the last %(days)s days).", **args)
    if measure == "won_deals_growth":
        return _("Win %(gap)s more deals to reach a growth of %(target)s against your "
                 "baseline (now %(value)s over the last %(days)s days).", **args)
    if measure in ("won_revenue_growth_pct", "won_deals_growth_pct"):
        return _("Raise your growth by %(gap)s points to reach %(target)s%% against your "
                 "baseline (now %(value)s%% over the last %(days)s days).", **args)
    if measure == "large_deals":
        return _("Win %(gap)s more large deals: %(value)s in the last %(days)s days, the "
                 "target is %(target)s.", **args)
    if measure == "large_deals_share":
        return _("Raise your share of large deals by %(gap)s points to reach %(target)s%% (now "
                 "%(value)s%% over the last %(days)s days).", **args)
    if measure == "done_activities":
        return _("Complete %(gap)s more %(unit)s: %(value)s in the last %(days)s days, the "
                 "target is %(target)s.", **args)
    if measure == "data_completeness":
        return _("Fill in the missing fields of your open opportunities: %(value)s%% of them "
                 "are complete, the target is %(target)s%%.", **args)
    if measure == "rotting_opportunities":
        return _("Move %(gap)s rotting opportunities to their next stage (or close them) to "
                 "get down to %(target)s.", **args)
    if direction == "lower":
        return _("Bring it down by %(gap)s %(unit)s to %(target)s %(unit)s (now %(value)s).",
                 **args)
    return _("%(gap)s %(unit)s more to reach %(target)s %(unit)s (now %(value)s).", **args)


class KpiResult(models.Model):
    _name = "kpi.result"
    _inherit = ["kpi.result", "mail.thread", "mail.activity.mixin"]
    # anyone who may read a result may comment on it and mark its reminder done
    _mail_post_access = "read"

    def _reminder_texts(self):
        """``{result_id: (summary, note)}`` in the language of each result's user."""
        texts = {}
        for result in self:
            user = result.user_id
            env = result.with_context(lang=user.lang or self.env.lang).env
            rule = result.rule_id.with_env(env)
            currency = result._amount_currency() if rule.unit == "amount" else None
            summary = env._("%(kpi)s: off track (%(score)s%%)", kpi=rule.name,
                            score=formatLang(env, round(result.score or 0.0), digits=0))
            sentence = gap_sentence(env, rule.template_id.measure, rule.direction,
                                    result.value or 0.0, result.target, rule.window_kind,
                                    rule.window_days, rule.unit, rule.unit_label, currency)
            texts[result.id] = (summary, "<p>%s</p>" % html_escape(sentence))
        return texts

    @api.model
    def _sync_reminders(self, result_ids):
        """Make the open reminders of the users of ``result_ids`` (just stored, one result per
        rule and user) match these results: see the module's docstring. Idempotent: a run
        again over the same results changes nothing."""
        activity_type = self.env.ref(REMINDER_TYPE, raise_if_not_found=False)
        if not result_ids or not activity_type or not activity_type.active:
            return
        self.flush_model()
        self.env["mail.activity"].flush_model()
        # the results and the open reminder of their rule and user, if any (one query)
        self.env.cr.execute(SQL(
            """SELECT r.id, r.status = 'off_track' AND NOT COALESCE(r.pilot, FALSE)
                          AND ru.reminder, r.status, r.pilot, ru.reminder,
                      (SELECT a.id FROM mail_activity a
                         JOIN kpi_result o ON o.id = a.res_id
                        WHERE a.res_model = 'kpi.result' AND a.active
                          AND a.activity_type_id = %(type)s
                          AND o.rule_id = r.rule_id AND o.user_id = r.user_id
                        ORDER BY a.id LIMIT 1)
                 FROM kpi_result r JOIN kpi_rule ru ON ru.id = r.rule_id
                WHERE r.id = ANY(%(ids)s)""",
            type=activity_type.id, ids=list(result_ids)))
        to_create, to_update, to_close = [], [], {}
        for result_id, remind, status, pilot, rule_reminds, activity_id in self.env.cr.fetchall():
            if remind and activity_id:
                to_update.append((activity_id, result_id))
            elif remind:
                to_create.append(result_id)
            elif activity_id:
                to_close[activity_id] = (status, pilot, rule_reminds)
        # no "assigned to you" e-mail per reminder (it shows in the activity menu), and the
        # users follow their results in two queries, not in a loop per user (see
        # :meth:`message_subscribe`)
        Activity = self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True, kpi_reminder_sync=True)
        if to_create or to_update:
            texts = self.browse(to_create + [r for _a, r in to_update]).sudo()._reminder_texts()
        if to_create:
            self._subscribe_users(to_create)
            model_id = self.env["ir.model"]._get_id("kpi.result")
            Activity.create([{
                "activity_type_id": activity_type.id,
                "res_model_id": model_id,
                "res_id": result.id,
                "user_id": result.user_id.id,
                "date_deadline": result.date,
                "summary": texts[result.id][0],
                "note": texts[result.id][1],
                "automated": True,
            } for result in self.browse(to_create).sudo()])
        if to_update:
            # the text follows the latest gap; the due date stays the day it went off track
            self.env.cr.execute(SQL(
                """UPDATE mail_activity a SET summary = x.summary, note = x.note
                     FROM unnest(%s::int[], %s::varchar[], %s::text[]) AS x(id, summary, note)
                    WHERE a.id = x.id AND (a.summary IS DISTINCT FROM x.summary
                                           OR a.note IS DISTINCT FROM x.note)""",
                [a for a, _r in to_update], [texts[r][0] for _a, r in to_update],
                [texts[r][1] for _a, r in to_update]))
            Activity.invalidate_model(["summary", "note"])
        if to_close:
            self._close_reminders(Activity.browse(list(to_close)), to_close)

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        if self.env.context.get("kpi_reminder_sync") and not subtype_ids:
            return True  # done set-based by _subscribe_users
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

    @api.model
    def _subscribe_users(self, result_ids):
        """Make the user of each result a follower of it with the default subtypes, as
        ``mail.activity`` does for an assignee, in two queries for all results."""
        subtypes = self.env["mail.message.subtype"].sudo().search(
            [("default", "=", True), ("res_model", "in", [False, self._name])])
        self.env["mail.followers"].flush_model()
        self.env.cr.execute(SQL(
            """INSERT INTO mail_followers (res_model, res_id, partner_id)
               SELECT 'kpi.result', r.id, u.partner_id
                 FROM kpi_result r JOIN res_users u ON u.id = r.user_id
                WHERE r.id = ANY(%s)
               ON CONFLICT DO NOTHING
               RETURNING id""", list(result_ids)))
        follower_ids = [row[0] for row in self.env.cr.fetchall()]
        if follower_ids and subtypes:
            self.env.cr.execute(SQL(
                """INSERT INTO mail_followers_mail_message_subtype_rel
                          (mail_followers_id, mail_message_subtype_id)
                   SELECT f, s FROM unnest(%s::int[]) f, unnest(%s::int[]) s
                   ON CONFLICT DO NOTHING""", follower_ids, subtypes.ids))
        self.env["mail.followers"].invalidate_model()
        self.invalidate_model(["message_follower_ids", "message_partner_ids"])

    def _close_reminders(self, activities, reasons):
        """Mark ``activities`` done with the reason as feedback, per reason (Odoo's own done:
        the result's chatter keeps it)."""
        by_reason = {}
        for activity in activities:
            status, pilot, rule_reminds = reasons[activity.id]
            if pilot:
                reason = _("The KPI is now a pilot for your team: it no longer counts.")
            elif not rule_reminds:
                reason = _("Reminders are turned off for this KPI.")
            elif status == kpi_scoring.STATUS_NO_DATA:
                reason = _("Nothing to measure any more.")
            else:
                reason = _("Back on track.")
            by_reason.setdefault(reason, activities.browse())
            by_reason[reason] |= activity
        for reason, group in by_reason.items():
            group._action_done(feedback=reason)

    @api.model
    def _close_rule_reminders(self, rules):
        """Close the open reminders of ``rules`` (reminders turned off, rule archived)."""
        activity_type = self.env.ref(REMINDER_TYPE, raise_if_not_found=False)
        if not activity_type or not rules:
            return
        self.env["mail.activity"].flush_model()
        self.env.cr.execute(SQL(
            """SELECT a.id FROM mail_activity a JOIN kpi_result r ON r.id = a.res_id
                WHERE a.res_model = 'kpi.result' AND a.active AND a.activity_type_id = %s
                  AND r.rule_id = ANY(%s)""", activity_type.id, rules.ids))
        activities = self.env["mail.activity"].sudo().browse(
            [row[0] for row in self.env.cr.fetchall()])
        # (status, pilot, rule reminds): the reason is "reminders turned off"
        self._close_reminders(activities, dict.fromkeys(activities.ids, (None, False, False)))

    @api.model
    def _demo_reminders(self):
        """Demo only (``make demo``): the reminders the hourly run gives for the latest
        results. :return: the number of open reminders."""
        latest = self.sudo().search([("is_latest", "=", True)])
        self._sync_reminders(latest.ids)
        activity_type = self.env.ref(REMINDER_TYPE)
        return self.env["mail.activity"].sudo().search_count(
            [("activity_type_id", "=", activity_type.id)])
