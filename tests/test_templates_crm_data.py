"""Templates of the source material on deals, calls and the CRM data itself.

* "Minimum contract 1.5 million": large deals won, as a count and as a share of the deals won;
* "make 10 cold calls": activities of the rule's types marked done in the window;
* "the software will control the completeness and timeliness of filling in all the necessary
  fields": the share of open opportunities with the rule's fields filled, and the rotting
  opportunities (Odoo 19's stage rotting).

The clock is frozen on Monday 23 November 2026, 11:00 in Copenhagen (UTC+1, the users'
timezone): a past window of 30 days is [24 Oct 00:00, 23 Nov 00:00) local, one of 7 days
[16 Nov 00:00, 23 Nov 00:00) local; the snapshots look at the start of the day, 23 November
00:00 local (22 November 23:00 UTC). Every figure is counted by hand.
"""

import datetime

from freezegun import freeze_time

from odoo import Command

from .common import CPH_MIDNIGHT, NOW, KpiCase, RefusedMixin, local, utc


@freeze_time(NOW)
class TestLargeDeals(RefusedMixin, KpiCase):
    MINIMUM = 1500000

    def test_large_deals_count_and_share(self):
        count = self.make_rule("large_deals", target=2, window_days=30,
                               min_amount=self.MINIMUM)
        share = self.make_rule("large_deals_share", target=100, window_days=30,
                               min_amount=self.MINIMUM)
        self.assertTrue(count.needs_min_amount and share.needs_min_amount)
        large = (
            self.won_lead(self.salesman, utc(days=-30), self.MINIMUM)  # first second, exactly
            | self.won_lead(self.salesman, utc(seconds=-1), 2000000)  # last second
        )
        self.won_lead(self.salesman, utc(days=-3), 1499999.99)  # won, just below: small
        self.won_lead(self.salesman, utc(days=-30, seconds=-1), 5000000)  # before the window
        self.won_lead(self.salesman, utc(hours=1), 5000000)  # today: not a full day yet
        self.lost_lead(self.salesman, utc(days=-2), expected_revenue=3000000)  # lost
        archived = self.won_lead(self.salesman, utc(days=-2), 1600000)
        archived.active = False
        self.won_lead(self.salesman2, utc(days=-2), 100)  # the salesman2 won a small one
        (count | share).evaluate()
        result = self.result(count, self.salesman)
        self.assertEqual((result.value, result.score, result.status), (2, 100.0, "reached"))
        self.assertEqual(sorted(result.record_ids), sorted(large.ids))
        action = result.action_open_records()
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]), large)
        result = self.result(share, self.salesman)
        # 2 large of the 3 deals won in the window
        self.assertAlmostEqual(result.value, 200 / 3, places=6)
        self.assertEqual(result.score, 66.67)
        self.assertEqual(sorted(result.record_ids), sorted(large.ids))
        small = self.result(share, self.salesman2)
        self.assertEqual((small.value, small.status, small.record_ids), (0, "off_track", []))
        self.assertEqual(self.result(count, self.salesman2).value, 0)

    def test_share_without_any_deal_won_has_no_data(self):
        count = self.make_rule("large_deals", target=1, window_days=30,
                               min_amount=self.MINIMUM)
        share = self.make_rule("large_deals_share", target=100, window_days=30,
                               min_amount=self.MINIMUM)
        (count | share).evaluate()
        self.assertEqual(self.result(share, self.salesman).status, "no_data")
        # a count with nothing counted is a measured 0
        nothing = self.result(count, self.salesman)
        self.assertEqual((nothing.value, nothing.status), (0, "off_track"))

    def test_windows_in_the_users_timezone(self):
        """A deal won at 00:30 on 24 October in Copenhagen (22:30 UTC the day before) is in;
        one won at 23:30 on 23 October local (21:30 UTC) is not."""
        rule = self.make_rule("large_deals", target=1, window_days=30, min_amount=100)
        inside = self.won_lead(self.salesman, local(2026, 10, 24, 0, 30), 100)
        self.won_lead(self.salesman, local(2026, 10, 23, 23, 30), 100)
        rule.evaluate()
        self.assertEqual(self.result(rule, self.salesman).record_ids, inside.ids)

    def test_minimum_amount_must_be_positive(self):
        for amount in (0, -1, 10**13, float("inf")):
            with self.refused("minimum amount"):
                self.make_rule("large_deals", target=1, min_amount=amount)
        rule = self.make_rule("large_deals_share", target=100, min_amount=1)
        with self.refused("minimum amount"):
            rule.min_amount = 0
        # a rule of another template does not need it
        self.assertFalse(self.make_rule("won_deals", target=1).needs_min_amount)

    def test_stored_bad_amount_is_refused_at_evaluation(self):
        rule = self.make_rule("large_deals", target=1, min_amount=10)
        self.env.flush_all()
        self.env.cr.execute("UPDATE kpi_rule SET min_amount = 0 WHERE id = %s", [rule.id])
        rule.invalidate_recordset()
        with self.refused("minimum amount"):
            rule.evaluate()


@freeze_time(NOW)
class TestCallsMade(RefusedMixin, KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.lead = cls.env["crm.lead"].create({"name": "Prospect", "type": "opportunity",
                                               "user_id": cls.salesman.id})

    def activity(self, user=None, activity_type=None, **vals):
        return self.lead.activity_schedule(
            activity_type_id=(activity_type or self.call).id, user_id=(user or self.salesman).id,
            **vals)

    def done(self, when, user=None, activity_type=None, by=None):
        """An activity marked done at ``when`` (naive UTC) the way users do: *Done*."""
        activity = self.activity(user, activity_type)
        with freeze_time(when):
            activity.with_user(by or user or self.salesman).action_feedback(feedback="Called")
            self.env.flush_all()  # the done time is computed now, as in the user's request
        return activity

    def test_calls_made_in_the_window(self):
        """"Make 10 cold calls": 4 calls done in the last 7 days of 10."""
        rule = self.make_rule("calls_made")
        self.assertEqual((rule.target, rule.window_days, rule.unit_label), (10, 7, "calls"))
        self.assertEqual(rule.activity_type_ids, self.call)  # Call by default
        counted = (
            self.done(local(2026, 11, 16))  # the first second of the window
            # 00:30 local is still 15 November in UTC: Odoo's done date says so
            | self.done(local(2026, 11, 16, 0, 30))
            | self.done(local(2026, 11, 22, 23, 59, 59))  # the last second
            # assigned to the salesman, marked done by his manager: the salesman's call
            | self.done(local(2026, 11, 20, 10), by=self.manager)
        )
        self.assertEqual(counted[1].date_done, datetime.date(2026, 11, 15))
        self.assertEqual(counted[1].kpi_date_done, local(2026, 11, 16, 0, 30))
        self.done(local(2026, 11, 15, 23, 59, 59))  # the day before the window: out
        self.done(local(2026, 11, 23))  # today: out
        self.done(local(2026, 11, 20), activity_type=self.todo)  # not a call: out
        self.activity(date_deadline="2026-11-20")  # a call not done: out
        # assigned to the salesman2, marked done by the salesman: the salesman2's call
        theirs = self.done(local(2026, 11, 20), user=self.salesman2, by=self.salesman)
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, result.score, result.status), (4, 40.0, "off_track"))
        self.assertIn("Complete 6 more calls: 4 in the last 7 days, the target is 10.",
                      result._reminder_texts()[result.id][1])
        self.assertEqual(sorted(result.record_ids), sorted(counted.ids))
        # the drill-down opens the done (archived) activities
        action = result.action_open_records()
        self.assertEqual(action["res_model"], "mail.activity")
        self.assertEqual(self.env["mail.activity"].with_context(**action["context"]).search(
            action["domain"]), counted)
        self.assertFalse(any(counted.mapped("active")))
        self.assertEqual(self.result(rule, self.salesman2).record_ids, theirs.ids)

    def test_cold_calls_of_a_type_of_their_own(self):
        cold = self.env["mail.activity.type"].create({"name": "Cold call", "category": "phonecall"})
        rule = self.make_rule("calls_made", name="Cold calls",
                              activity_type_ids=[Command.set(cold.ids)])
        counted = self.done(local(2026, 11, 18, 9), activity_type=cold)
        self.done(local(2026, 11, 18, 10))  # an ordinary call: out
        rule.evaluate()
        self.assertEqual(self.result(rule, self.salesman).record_ids, counted.ids)
        rule.activity_type_ids = cold | self.call
        rule.evaluate()
        self.assertEqual(self.result(rule, self.salesman).value, 2)

    def test_done_time_follows_the_activity(self):
        """Kept when archived again, cleared when restored, as Odoo's done date."""
        activity = self.done(local(2026, 11, 18, 9))
        with freeze_time(local(2026, 11, 19, 9)):
            activity.action_archive()  # already archived: nothing changes
        self.assertEqual(activity.kpi_date_done, local(2026, 11, 18, 9))
        activity.action_unarchive()
        self.assertEqual((activity.kpi_date_done, activity.date_done), (False, False))

    def test_done_activities_of_before_the_module_get_the_best_time_known(self):
        """Installing or upgrading creates the column and fills it in one statement (the ORM
        would otherwise date every old done activity now): the last write when it was on the
        done day, else noon UTC of that day; an activity without it falls back the same way."""
        same_day = self.done(datetime.datetime(2026, 11, 18, 23, 30))
        later = self.done(datetime.datetime(2026, 11, 17, 8, 0))
        still_open = self.activity()
        self.env.flush_all()
        for activity, written in ((same_day, datetime.datetime(2026, 11, 18, 23, 30)),
                                  (later, datetime.datetime(2026, 11, 20, 9, 0))):
            self.env.cr.execute("UPDATE mail_activity SET write_date = %s WHERE id = %s",
                                [written, activity.id])
        self.env.cr.execute("ALTER TABLE mail_activity DROP COLUMN kpi_date_done")
        self.env.invalidate_all()
        # what installing or upgrading the module does to the model
        self.registry.init_models(self.env.cr, ["mail.activity"], {"module": "kpi_management"},
                                  install=False)
        self.env.invalidate_all()
        self.env.cr.execute("SELECT id, kpi_date_done FROM mail_activity WHERE id = ANY(%s)",
                            [(same_day | later | still_open).ids])
        self.assertEqual(dict(self.env.cr.fetchall()), {
            same_day.id: datetime.datetime(2026, 11, 18, 23, 30),
            later.id: datetime.datetime(2026, 11, 17, 12, 0),
            still_open.id: None,
        })
        # the measure's fallback is the same noon for an activity archived without it
        self.env.cr.execute("UPDATE mail_activity SET kpi_date_done = NULL WHERE id = %s",
                            [later.id])
        self.env.invalidate_all()
        rule = self.make_rule("calls_made")
        rule.evaluate()
        self.assertEqual(sorted(self.result(rule, self.salesman).record_ids),
                         sorted((same_day | later).ids))

    def test_an_activity_type_is_required(self):
        rule = self.make_rule("calls_made")
        with self.refused("at least one activity type"):
            rule.activity_type_ids = False
        self.assertFalse(self.make_rule("won_deals", target=1).activity_type_ids)


@freeze_time(NOW)
class TestDataCompleteness(RefusedMixin, KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag = cls.env["crm.tag"].create({"name": "KPI tag"})
        Fields = cls.env["ir.model.fields"]
        cls.required = Fields.browse([Fields._get("crm.lead", name).id for name in (
            "partner_id", "email_from", "expected_revenue", "tag_ids", "description",
            "date_deadline")])

    def opportunity(self, user=None, **vals):
        values = {
            "name": "Opportunity", "type": "opportunity", "user_id": (user or self.salesman).id,
            "stage_id": self.stage_new.id,
            # a customer of its own: crm writes the e-mail back to the customer
            "partner_id": self.env["res.partner"].create({"name": vals.get("name", "C")}).id,
            "email_from": "buyer@example.com", "expected_revenue": 1000,
            "tag_ids": [Command.set(self.tag.ids)], "description": "<p>Needs 40 units</p>",
            "date_deadline": "2026-12-15",
        }
        values.update(vals)
        return self.env["crm.lead"].create(values)

    def test_share_of_complete_open_opportunities(self):
        rule = self.make_rule("data_completeness")
        self.assertEqual((rule.target, rule.unit, rule.direction, rule.window_kind),
                         (100, "percent", "higher", "snapshot"))
        self.assertEqual(sorted(rule.lead_field_ids.mapped("name")), sorted(
            ["partner_id", "email_from", "phone", "expected_revenue", "date_deadline"]))
        rule.lead_field_ids = self.required
        complete = self.opportunity(name="complete")
        blank_email = self.opportunity(name="blank e-mail", email_from="  ")
        no_revenue = self.opportunity(name="no revenue", expected_revenue=0)
        no_tag = self.opportunity(name="no tag", tag_ids=False)
        empty_notes = self.opportunity(name="empty notes", description="<p><br></p>")
        no_date = self.opportunity(name="no closing date", date_deadline=False)
        # not open opportunities: not counted, complete or not
        self.opportunity(name="a lead", type="lead", expected_revenue=0)
        won = self.opportunity(name="won", stage_id=self.stage_won.id, tag_ids=False)
        lost = self.opportunity(name="lost", tag_ids=False)
        lost.action_set_lost()
        self.assertEqual(won.won_status, "won")
        self.opportunity(user=self.salesman2, name="salesman2's")
        rule.evaluate()
        result = self.result(rule, self.salesman)
        # 1 of 6 open opportunities has every field filled
        self.assertAlmostEqual(result.value, 100 / 6, places=6)
        self.assertEqual((result.status, result.record_ids), ("off_track", complete.ids))
        incomplete = blank_email | no_revenue | no_tag | empty_notes | no_date
        self.assertEqual(result._todo_records(), incomplete)
        self.assertEqual(result.todo_label, "5 opportunities still to complete")
        action = result.action_open_todo()
        self.assertEqual(self.env["crm.lead"].search(action["domain"]), incomplete)
        # the "to do" side is as of now: filled in since, it is no longer to do
        blank_email.email_from = "buyer@example.com"
        self.assertEqual(result._todo_records(), incomplete - blank_email)
        other = self.result(rule, self.salesman2)
        self.assertEqual((other.value, other.status), (100.0, "reached"))

    def test_no_open_opportunity_is_no_data(self):
        rule = self.make_rule("data_completeness")
        self.opportunity(name="won", stage_id=self.stage_won.id)
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.status, result.value_display), ("no_data", "no data / 100 %"))

    def test_as_the_salesperson_reads_it(self):
        rule = self.make_rule("data_completeness")
        rule.lead_field_ids = self.required
        self.opportunity(name="no tag", tag_ids=False)
        rule.evaluate()
        result = self.result(rule, self.salesman).with_user(self.salesman)
        self.assertEqual((result.todo_count, result.todo_label),
                         (1, "1 opportunity still to complete"))

    def test_fields_must_be_stored_fields_of_opportunities(self):
        rule = self.make_rule("data_completeness")
        Fields = self.env["ir.model.fields"]
        with self.refused("at least one field"):
            rule.lead_field_ids = False
        for model, name in (("crm.lead", "is_rotting"),  # computed, not stored
                            ("crm.lead", "active"),  # a boolean is never "empty"
                            ("crm.lead", "create_date"),  # every record has it
                            ("res.partner", "email")):  # not an opportunity's
            with self.refused("cannot require the field"):
                rule.lead_field_ids = Fields._get(model, name)
        rule.lead_field_ids = Fields._get("crm.lead", "tag_ids")  # a many2many is fine


@freeze_time(NOW)
class TestRottingOpportunities(KpiCase):
    """Rotting at the start of the evaluation day: 22 November 23:00 UTC. With a stage rotting
    after 5 days, a stage change before 17 November 23:00 UTC (18 November 00:00 local)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_rot = cls.env["crm.stage"].create({"name": "Proposal (test)", "sequence": 5,
                                                     "rotting_threshold_days": 5})

    def opportunity(self, last_change, user=None, stage=None, **vals):
        lead = self.env["crm.lead"].create({
            "name": vals.pop("name", "Opportunity"), "type": "opportunity",
            "user_id": (user or self.salesman).id, "stage_id": (stage or self.stage_rot).id,
            **vals,
        })
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET date_last_stage_update = %s, create_date = %s WHERE id = %s",
            [last_change, last_change or utc(days=-100), lead.id])
        lead.invalidate_recordset()
        return lead

    def test_rotting_opportunities(self):
        rule = self.make_rule("rotting_opportunities")
        self.assertEqual((rule.target, rule.direction, rule.window_kind),
                         (0, "lower", "snapshot"))
        threshold = datetime.datetime(2026, 11, 17, 23, 0)
        self.assertEqual(threshold, CPH_MIDNIGHT - datetime.timedelta(days=5))
        rotting = (
            self.opportunity(threshold - datetime.timedelta(seconds=1), name="a second late")
            | self.opportunity(None, name="never moved, created long ago")  # by its creation
        )
        self.opportunity(threshold, name="exactly 5 days: not yet")
        self.opportunity(utc(days=-100), stage=self.stage_new, name="stage without threshold")
        self.opportunity(utc(days=-100), stage=self.stage_won, name="won")
        self.opportunity(utc(days=-100), type="lead", name="a lead")
        self.opportunity(utc(days=-100), name="archived").action_archive()
        theirs = self.opportunity(utc(days=-20), user=self.salesman2)
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, result.score, result.status), (2, 0.0, "off_track"))
        self.assertEqual(sorted(result.record_ids), sorted(rotting.ids))
        action = result.action_open_records()
        self.assertEqual(self.env["crm.lead"].search(action["domain"]), rotting)
        self.assertEqual(self.result(rule, self.salesman2).record_ids, theirs.ids)
        self.assertIn("Move 2 rotting opportunities to their next stage (or close them) to "
                      "get down to 0.", result._reminder_texts()[result.id][1])
        # nothing rotting: the target of 0 is reached
        (rotting | theirs).write({"stage_id": self.stage_new.id})
        rule.evaluate()
        clean = self.result(rule, self.salesman)
        self.assertEqual((clean.value, clean.score, clean.status), (0, 100.0, "reached"))

    def test_same_as_odoos_own_rotting_at_local_midnight(self):
        """Odoo's kanban marks an opportunity rotting by ``_compute_rotting`` at the database's
        ``now``: at the user's local midnight, the same opportunities as the KPI."""
        rule = self.make_rule("rotting_opportunities")
        for days in (2, 4.9, 5, 5.1, 9, 30):
            self.opportunity(CPH_MIDNIGHT - datetime.timedelta(days=days))
        self.opportunity(CPH_MIDNIGHT - datetime.timedelta(days=30), stage=self.stage_new)
        rule.evaluate()
        leads = self.env["crm.lead"].search([("user_id", "=", self.salesman.id)])
        saved = self.env.cr._now
        self.env.cr._now = CPH_MIDNIGHT
        try:
            leads.invalidate_recordset(["is_rotting"])
            odoo_rotting = leads.filtered("is_rotting")
        finally:
            self.env.cr._now = saved
            leads.invalidate_recordset(["is_rotting"])
        self.assertEqual(len(odoo_rotting), 3)
        self.assertEqual(sorted(self.result(rule, self.salesman).record_ids),
                         sorted(odoo_rotting.ids))

    def test_start_of_the_day_in_the_users_timezone(self):
        """Evaluated in Honolulu (UTC-10) on 23 November: from 23 November 10:00 UTC."""
        hawaii = self._user("kpi_t_hawaii", self.profile_sales, tz="Pacific/Honolulu")
        rule = self.make_rule("rotting_opportunities")
        day_start = datetime.datetime(2026, 11, 23, 10, 0)
        late = self.opportunity(day_start - datetime.timedelta(days=5, seconds=1), user=hawaii)
        self.opportunity(day_start - datetime.timedelta(days=5), user=hawaii)
        with freeze_time("2026-11-23 20:00:00"):  # 10:00 on the 23rd in Honolulu
            rule.evaluate()
        self.assertEqual(self.result(rule, hawaii).record_ids, late.ids)


@freeze_time(NOW)
class TestSetBased(KpiCase):
    """The new measures are one query for all users: the number of queries of an evaluation
    does not grow with the number of users."""

    def count_queries(self, rules):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        rules.evaluate()
        return self.env.cr.sql_log_count - before

    def test_query_count_independent_of_users(self):
        params = {"large_deals": {"min_amount": 100}, "large_deals_share": {"min_amount": 100}}
        rules = self.env["kpi.rule"]
        for code in ("won_revenue_growth", "won_revenue_growth_pct", "won_deals_growth",
                     "won_deals_growth_pct", "large_deals", "large_deals_share", "calls_made",
                     "data_completeness", "rotting_opportunities"):
            rules |= self.make_rule(code, target=5 if code != "rotting_opportunities" else 0,
                                    **params.get(code, {}))
        self.count_queries(rules)  # warm-up: caches of templates and fields
        few = self.count_queries(rules)
        stage = self.env["crm.stage"].create({"name": "Rots", "rotting_threshold_days": 1})
        call = self.env.ref("mail.mail_activity_data_call")
        for i in range(40):
            user = self._user("kpi_t_bulk_%s" % i, self.profile_sales)
            self.won_lead(user, utc(days=-1), 100)
            self.won_lead(user, utc(days=-40), 50)
            lead = self.env["crm.lead"].create({"name": "Open", "type": "opportunity",
                                                "user_id": user.id, "stage_id": stage.id})
            lead.activity_schedule(activity_type_id=call.id, user_id=user.id).action_done()
        many = self.count_queries(rules)
        self.assertEqual(self.env["kpi.result"].search_count([("rule_id", "in", rules.ids)]),
                         len(rules) * 42)
        self.assertEqual(many, few, "queries with 2 users: %s, with 42 users: %s" % (few, many))
        # JIT off, measure, individual targets, first-result check, upsert, and the
        # parameters read
        self.assertLessEqual(few, 6 * len(rules) + 5)
