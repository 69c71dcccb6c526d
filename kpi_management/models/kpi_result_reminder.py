"""Reminders: an off-track KPI gives its user one ``mail.activity`` stating the gap to close.

The source material asks the system to "promptly remind all employees involved ... of the need
to perform any actions". The reminder is an ordinary Odoo activity (type *KPI Off Track*) on the
result of the day the KPI went off track, assigned to its user and due that day: it shows in the
activity menu and on the result, is marked done like any activity, and becomes overdue when
ignored (it never counts in the *Overdue activities* KPI: ``measures.overdue_activities``).

:meth:`KpiResult._sync_reminders` runs in the hourly evaluation, for the results it has just
stored, in the same savepoint as them (a crashed batch leaves neither), in a fixed number of
queries whatever the number of users:

* off track, counted (not a pilot) and the rule reminds: one open reminder per rule and user;
  an open one is kept (its text follows the latest gap), else one is created;
* anything else (reached, warning, no data, a pilot, reminders turned off): the open reminder
  is marked done, with the reason as feedback in the result's chatter.

:meth:`KpiResult._sync_open_reminders` checks open reminders against today's configuration,
whatever their results:

* a reminder whose KPI no longer applies to its user is marked done, saying why: the rule is
  archived, the user is archived, or the rule is not assigned to the user any more (KPI profile
  changed, profile archived, company left); the evaluation stores no result for such a pair, so
  :meth:`_sync_reminders` never sees it;
* a reminder is written in the language of its user (the reader of the activity): its note
  records that language (``<p lang="da-DK">``) and a reminder whose user has changed language
  since is written again in the new one, as is every reminder kept open by a new result.

It runs when the configuration changes, over the reminders concerned: a user's KPI profile,
companies, language or archiving (``res.users.write``), a profile archived or its rules changed
(``kpi.profile.write``), a rule's profiles or company changed (``kpi.rule.write``; archiving a
rule or turning its reminders off closes them: :meth:`_close_rule_reminders`). And over every
open reminder in the hourly evaluation, when it has results to compute (the first run of a
user's new day) or has not checked them yet this (UTC) day, for what no write announces (a
change made in SQL, a partner's language): :meth:`_cron_sync_open_reminders`. The other hourly
runs (23 of 24 have nothing to compute) read no reminder.

The reason a reminder is closed (feedback, and the message Odoo posts in the result's chatter)
is written in the language of the reminder's user too, not in that of whoever runs the job.
"""

import math

from odoo import api, fields, models
from odoo.tools import SQL, formatLang, html_escape

from ..tools import measures, scoring
from .kpi_score_mixin import format_kpi_figure

REMINDER_TYPE = "kpi_management.mail_activity_type_kpi_off_track"

#: the (UTC) day the hourly evaluation last checked every open reminder
#: (:meth:`KpiResult._cron_sync_open_reminders`)
CHECKED_ON_PARAM = "kpi_management.open_reminders_checked_on"

#: why an open reminder is marked done (:func:`close_reason`)
CLOSE_BACK_ON_TRACK = "back_on_track"
CLOSE_NO_DATA = "no_data"
CLOSE_PILOT = "pilot"
CLOSE_REMINDERS_OFF = "reminders_off"
CLOSE_RULE_ARCHIVED = "rule_archived"
CLOSE_USER_ARCHIVED = "user_archived"
CLOSE_NOT_ASSIGNED = "not_assigned"


def close_reason(env, code):
    """The feedback of a reminder marked done for ``code``, in the language of ``env``."""
    _ = env._
    if code == CLOSE_PILOT:
        return _("The KPI is now a pilot for your team: it no longer counts.")
    if code == CLOSE_REMINDERS_OFF:
        return _("Reminders are turned off for this KPI.")
    if code == CLOSE_NO_DATA:
        return _("Nothing to measure any more.")
    if code == CLOSE_RULE_ARCHIVED:
        return _("The KPI was archived: it no longer applies.")
    if code == CLOSE_USER_ARCHIVED:
        return _("The user was archived: the KPI no longer applies.")
    if code == CLOSE_NOT_ASSIGNED:
        return _("The KPI no longer applies to you (your KPI profile or the KPI's profiles "
                 "changed).")
    return _("Back on track.")


def lang_tag(lang):
    """The HTML ``lang`` of a note written in Odoo language ``lang``: "da_DK" -> "da-DK"."""
    return (lang or "en_US").replace("_", "-")


def note_html(sentence, lang):
    """The note of a reminder: ``sentence`` in a paragraph that records its language."""
    return '<p lang="%s">%s</p>' % (lang_tag(lang), html_escape(sentence))


def note_is_in(note, lang):
    """Whether the note of a reminder was written in ``lang`` (:func:`note_html`)."""
    return ('lang="%s"' % lang_tag(lang)) in (note or "")


def _figure(env, value, unit, currency=None):
    """``value`` as the result shows it (``format_kpi_figure``), counts rounded up to whole
    ones (4.2 meetings missing: 5 to plan)."""
    if unit == "count":
        value = math.ceil(round(value, 6))
    return format_kpi_figure(env, value, currency)


def gap_sentence(env, measure, direction, value, target, window_kind, window_days, unit,
                 unit_label, currency=None, counted=0):
    """What the user must do to reach the target, in the KPI's unit and the language of
    ``env``: "Plan 4 more meetings in the next 14 days to reach 10.", "Plan 1 more meeting
    ...": a gap of one thing has its own sentence (as Odoo does, one msgid per number). A
    built-in measure says it in its own words (``measures.Measure.gap``); a custom one in
    the words of any count or sum. A share whose records counted are its population
    (``measures.Measure.gap_count``) says the number of things to do, from the ``counted``
    records: "Deliver 3 more orders on time to get back to 95%.", or, when no number of
    things reaches its target (``gap_count`` returns ``None``), its sentence for that
    (``measures.GapSentences.unreachable``)."""
    _ = env._
    builtin = measures.measure_of(env, measure)
    if direction == "lower":
        gap = value - target
    else:
        gap = target - value
    gap_unit = unit
    unreachable = False
    if builtin and builtin.gap_count:
        gap = builtin.gap_count(value, target, counted)
        unreachable = gap is None
        gap, gap_unit = gap or 0, "count"
    one = gap_unit == "count" and math.ceil(round(max(gap, 0), 6)) == 1
    # a growth is signed, as the result shows it ("+12", "−5"): its gap is not
    growth = bool(builtin and builtin.baseline_unit)
    args = {
        "gap": _figure(env, max(gap, 0), gap_unit, currency),
        "target": (format_kpi_figure(env, target, currency, signed=True) if growth
                   else _figure(env, target, unit, currency)),
        "value": (format_kpi_figure(env, value, currency, signed=True) if growth
                  else _figure(env, value, unit, currency)),
        "days": window_days,
        "unit": unit_label or "",
    }
    if builtin:
        # the measure's own sentence (``measures.Measure.gap``), in the reader's language
        return env._(builtin.gap.pick(window_kind, one, unreachable)) % args
    if direction == "lower":
        return _("Bring it down by %(gap)s %(unit)s to %(target)s %(unit)s (now %(value)s).",
                 **args)
    return _("%(gap)s %(unit)s more to reach %(target)s %(unit)s (now %(value)s).", **args)


class KpiResult(models.Model):
    _inherit = "kpi.result"

    def _reminder_texts(self):
        """``{result_id: (summary, note)}`` in the language of each result's user (the note
        records it: :func:`note_html`). A night writes thousands of reminders that share their
        rule, language and figures: each summary and sentence is worded once per call."""
        texts, envs, summaries, sentences = {}, {}, {}, {}
        for result in self:
            lang = result._reminder_lang()
            env = envs.get(lang) or envs.setdefault(lang, self.with_context(lang=lang).env)
            rule = result.rule_id.with_env(env)
            currency = result._amount_currency() if rule.unit == "amount" else None
            score = round(result.score or 0.0)
            summary_key = (lang, rule.id, score)
            if summary_key not in summaries:
                summaries[summary_key] = env._(
                    "%(kpi)s: off track (%(score)s%%)", kpi=rule.name,
                    score=formatLang(env, score, digits=0))
            # only a share that counts its population reads the records counted (a night's
            # reminders would otherwise load every result's ids)
            measure = measures.measure_of(env, rule.template_id.measure)
            counted = len(result.record_ids or []) if measure and measure.gap_count else 0
            gap_key = (lang, rule.id, result.value or 0.0, result.target, currency, counted)
            if gap_key not in sentences:
                sentences[gap_key] = note_html(gap_sentence(
                    env, rule.template_id.measure, rule.direction, result.value or 0.0,
                    result.target, rule.window_kind, rule.window_days, rule.unit,
                    rule.unit_label, currency, counted=counted), lang)
            texts[result.id] = (summaries[summary_key], sentences[gap_key])
        return texts

    def _reminder_lang(self):
        """The language the reminder of this result is written in: its user's."""
        self.ensure_one()
        return self.user_id.lang or self.env.lang or "en_US"

    @api.model
    def _sync_reminders(self, result_ids):
        """Make the open reminders of the users of ``result_ids`` (just stored, one result per
        rule and user) match these results: see the module's docstring. Idempotent: a run
        again over the same results changes nothing."""
        activity_type = self.env.ref(REMINDER_TYPE, raise_if_not_found=False)
        if not result_ids or not activity_type or not activity_type.active:
            return
        to_create, to_update, to_close = self._reminders_to_sync(result_ids, activity_type)
        # no "assigned to you" e-mail per reminder (it shows in the activity menu), and the
        # users follow their results in two queries, not in a loop per user (see
        # :meth:`message_subscribe`)
        Activity = self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True, kpi_reminder_sync=True)
        if to_create or to_update:
            texts = self.browse(to_create + [r for _a, r in to_update]).sudo()._reminder_texts()
        if to_create:
            self._subscribe_users(to_create)
            self._create_reminders(Activity, activity_type, to_create, texts)
        if to_update:
            # the text follows the latest gap; the due date stays the day it went off track
            self._write_reminder_texts(to_update, texts)
        if to_close:
            self._close_reminders(Activity.browse(list(to_close)), to_close)

    @api.model
    def _reminders_to_sync(self, result_ids, activity_type):
        """What the results ``result_ids`` ask of their users' open reminders, read in one
        query: ``(to_create, to_update, to_close)``: the results that need a new reminder,
        ``[(activity_id, result_id)]`` of the reminders kept open (their text follows the new
        result), and ``{activity_id: reason}`` of the reminders to mark done."""
        self.flush_model()
        self.env["mail.activity"].flush_model()
        self.env.cr.execute(SQL(
            """WITH open AS (
                   -- the open reminders, read once (was: a subquery per result, which read
                   -- the activities of every model again for each: 4 s at 1,000 users)
                   SELECT DISTINCT ON (o.rule_id, o.user_id) o.rule_id, o.user_id, a.id
                     FROM mail_activity a JOIN kpi_result o ON o.id = a.res_id
                    WHERE a.res_model = 'kpi.result' AND a.active
                      AND a.activity_type_id = %(type)s
                    ORDER BY o.rule_id, o.user_id, a.id)
               SELECT r.id, r.status = %(off_track)s AND NOT COALESCE(r.pilot, FALSE)
                          AND ru.reminder, r.status, r.pilot, ru.reminder, open.id
                 FROM kpi_result r JOIN kpi_rule ru ON ru.id = r.rule_id
                 LEFT JOIN open ON open.rule_id = r.rule_id AND open.user_id = r.user_id
                WHERE r.id = ANY(%(ids)s)""",
            type=activity_type.id, ids=list(result_ids), off_track=scoring.STATUS_OFF_TRACK))
        to_create, to_update, to_close = [], [], {}
        for result_id, remind, status, pilot, rule_reminds, activity_id in self.env.cr.fetchall():
            if remind and activity_id:
                to_update.append((activity_id, result_id))
            elif remind:
                to_create.append(result_id)
            elif activity_id:
                to_close[activity_id] = (
                    CLOSE_PILOT if pilot else CLOSE_REMINDERS_OFF if not rule_reminds
                    else CLOSE_NO_DATA if status == scoring.STATUS_NO_DATA
                    else CLOSE_BACK_ON_TRACK)
        return to_create, to_update, to_close

    @api.model
    def _create_reminders(self, Activity, activity_type, result_ids, texts):
        """One reminder per result of ``result_ids``, for its user, due on the result's day,
        with its ``texts`` (:meth:`_reminder_texts`)."""
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
        } for result in self.browse(result_ids).sudo()])

    @api.model
    def _write_reminder_texts(self, pairs, texts):
        """Write ``texts`` (:meth:`_reminder_texts`) on the reminders of ``pairs``,
        ``[(activity_id, result_id)]``, in one query, those that differ only."""
        self.env.cr.execute(SQL(
            """UPDATE mail_activity a SET summary = x.summary, note = x.note
                 FROM unnest(%s::int[], %s::varchar[], %s::text[]) AS x(id, summary, note)
                WHERE a.id = x.id AND (a.summary IS DISTINCT FROM x.summary
                                       OR a.note IS DISTINCT FROM x.note)""",
            [a for a, _r in pairs], [texts[r][0] for _a, r in pairs],
            [texts[r][1] for _a, r in pairs]))
        self.env["mail.activity"].invalidate_model(["summary", "note"])

    @api.model
    def _cron_sync_open_reminders(self, now, pending):
        """The hourly evaluation's check of every open reminder (:meth:`_sync_open_reminders`)
        at ``now``, only in a run that has work: results to compute (``pending``: the first
        run of a user's new day, when the KPIs that apply to them are read again), or no check
        yet this (UTC) day (a database with nothing to compute at all, e.g. its last rule
        archived in SQL). The other runs read no reminder: the configuration changes that stop
        a KPI from applying close its reminders when written (see the module's docstring).

        :return: whether the reminders were checked."""
        params = self.env["ir.config_parameter"].sudo()
        today = fields.Date.to_string(now.date())
        if not pending and params.get_param(CHECKED_ON_PARAM) == today:
            return False
        self._sync_open_reminders()
        params.set_param(CHECKED_ON_PARAM, today)
        return True

    @api.model
    def _sync_open_reminders(self, users=None, rules=None):
        """Every open reminder against today's configuration (see the module's docstring), or
        those of ``users`` (res.users) or of ``rules`` (kpi.rule) only: marked done when its
        KPI no longer applies to its user, written again in its user's language when that
        changed. A fixed number of queries whatever the number of reminders, plus one per
        reason and language closed."""
        activity_type = self.env.ref(REMINDER_TYPE, raise_if_not_found=False)
        if not activity_type or (users is not None and not users) \
                or (rules is not None and not rules):
            return
        scope = SQL("TRUE")
        if users is not None:
            scope = SQL("%s AND r.user_id = ANY(%s)", scope, users.ids)
        if rules is not None:
            scope = SQL("%s AND r.rule_id = ANY(%s)", scope, rules.ids)
        self.flush_model(["rule_id", "user_id", "date"])
        self.env["mail.activity"].flush_model()
        self.env["kpi.rule"].flush_model(["active"])
        self.env["res.users"].flush_model(["active"])
        self.env["res.partner"].flush_model(["lang"])
        self.env.cr.execute(SQL(
            """SELECT a.id,
                      -- a text written again follows the latest figures, as the nightly
                      -- update does, not those of the day the reminder opened
                      (SELECT l.id FROM kpi_result l
                        WHERE l.rule_id = r.rule_id AND l.user_id = r.user_id
                        ORDER BY l.date DESC LIMIT 1),
                      r.rule_id, r.user_id, ru.active, u.active, p.lang, a.note
                 FROM mail_activity a
                 JOIN kpi_result r ON r.id = a.res_id
                 JOIN kpi_rule ru ON ru.id = r.rule_id
                 JOIN res_users u ON u.id = r.user_id
                 JOIN res_partner p ON p.id = u.partner_id
                WHERE a.res_model = 'kpi.result' AND a.active AND a.activity_type_id = %s
                  AND %s""",
            activity_type.id, scope))
        rows = self.env.cr.fetchall()
        if not rows:
            return
        rules = self.env["kpi.rule"].sudo().browse({row[2] for row in rows if row[4]})
        users = self.env["res.users"].sudo().browse({row[3] for row in rows if row[5]})
        assigned = {(rule_id, user_id)
                    for rule_id, assignments in rules._get_assignments(users).items()
                    for user_id, _partner, _tz in assignments}
        to_close, to_render = {}, []
        for activity_id, result_id, rule_id, user_id, rule_active, user_active, lang, note in rows:
            if not rule_active:
                to_close[activity_id] = CLOSE_RULE_ARCHIVED
            elif not user_active:
                to_close[activity_id] = CLOSE_USER_ARCHIVED
            elif (rule_id, user_id) not in assigned:
                to_close[activity_id] = CLOSE_NOT_ASSIGNED
            elif not note_is_in(note, lang or self.env.lang):
                to_render.append((activity_id, result_id))
        if to_render:
            texts = self.browse([r for _a, r in to_render]).sudo()._reminder_texts()
            self._write_reminder_texts(to_render, texts)
        if to_close:
            self._close_reminders(self.env["mail.activity"].sudo().browse(list(to_close)),
                                  to_close)

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
        """Mark ``activities`` done with the reason as feedback, ``reasons``: ``{activity_id:
        code}`` (:func:`close_reason`), per reason and language (Odoo's own done: the result's
        chatter keeps it), in the language of each reminder's user."""
        groups = {}
        for activity in activities:
            lang = activity.user_id.lang or self.env.lang or "en_US"
            key = (reasons[activity.id], lang)
            groups[key] = groups.get(key, activities.browse()) | activity
        for (code, lang), group in groups.items():
            group = group.with_context(lang=lang)
            group._action_done(feedback=close_reason(group.env, code))

    @api.model
    def _close_rule_reminders(self, rules):
        """Close the open reminders of ``rules`` (reminders turned off, rule archived)."""
        activity_type = self.env.ref(REMINDER_TYPE, raise_if_not_found=False)
        if not activity_type or not rules:
            return
        self.env["mail.activity"].flush_model()
        rules.flush_model(["active"])
        self.env.cr.execute(SQL(
            """SELECT a.id, ru.active FROM mail_activity a
                 JOIN kpi_result r ON r.id = a.res_id JOIN kpi_rule ru ON ru.id = r.rule_id
                WHERE a.res_model = 'kpi.result' AND a.active AND a.activity_type_id = %s
                  AND r.rule_id = ANY(%s)""", activity_type.id, rules.ids))
        reasons = {activity_id: CLOSE_REMINDERS_OFF if active else CLOSE_RULE_ARCHIVED
                   for activity_id, active in self.env.cr.fetchall()}
        self._close_reminders(self.env["mail.activity"].sudo().browse(list(reasons)), reasons)
