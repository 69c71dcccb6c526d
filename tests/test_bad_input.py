"""Bad input is refused when saved with a clear ValidationError, and nothing is stored."""

import datetime

from odoo.exceptions import UserError, ValidationError

from .common import KpiCase


class TestBadInput(KpiCase):
    def _assert_refused(self, vals, message):
        Rule = self.env["kpi.rule"]
        count = Rule.search_count([])
        with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
            Rule.create({"name": "Bad", "template_id": self.template("won_deals").id, **vals})
        self.assertEqual(Rule.search_count([]), count, "nothing stored")

    def test_target_must_be_positive_for_higher_is_better(self):
        self._assert_refused({"target": 0}, "must be greater than 0")
        self._assert_refused({"target": -5}, "must be greater than 0")

    def test_lower_is_better_accepts_zero_but_not_negative(self):
        rule = self.make_rule("overdue_activities", target=0)
        self.assertEqual(rule.direction, "lower")
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            rule.target = -1

    def test_weight_between_0_and_100(self):
        self._assert_refused({"target": 1, "weight": 101}, "between 0 and 100")
        self._assert_refused({"target": 1, "weight": -1}, "between 0 and 100")
        rule = self.make_rule("won_deals", target=1, weight=100)
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"), \
                self.env.cr.savepoint():
            rule.weight = 150
        rule.invalidate_recordset()
        self.assertEqual(rule.weight, 100)

    def test_window_of_zero_days(self):
        self._assert_refused({"target": 1, "window_days": 0}, "at least 1 day")
        # a snapshot measure has no window
        self.make_rule("open_pipeline", target=1, window_days=0)

    def test_warning_threshold(self):
        self._assert_refused({"target": 1, "warning_threshold": 120}, "warning threshold")

    def _custom(self, **vals):
        fields_ = self.env["ir.model.fields"]
        values = {
            "name": "Custom",
            "code": "custom_bad",
            "measure": "custom",
            "model_id": self.env["ir.model"]._get("crm.lead").id,
            "domain": "[]",
            "aggregate": "count",
            "user_field_id": fields_._get("crm.lead", "user_id").id,
            "date_field_id": fields_._get("crm.lead", "create_date").id,
        }
        values.update(vals)
        Template = self.env["kpi.template"]
        count = Template.search_count([])
        with self.assertRaises(ValidationError) as error, self.env.cr.savepoint():
            Template.create(values)
        self.assertEqual(Template.search_count([]), count)
        return str(error.exception)

    def test_custom_template_bad_domain(self):
        self.assertIn("not valid", self._custom(domain="[('no_such_field', '=', 1)]"))
        self.assertIn("not valid", self._custom(domain="[('type', '=', 'opportunity'"))
        self.assertIn("not valid", self._custom(domain="__import__('os').system('true')"))
        self.assertIn("not valid", self._custom(domain="{'a': 1}"))

    def test_custom_template_fields_of_wrong_type(self):
        fields_ = self.env["ir.model.fields"]
        msg = self._custom(user_field_id=fields_._get("crm.lead", "partner_id").id)
        self.assertIn("users", msg)
        msg = self._custom(date_field_id=fields_._get("crm.lead", "name").id)
        self.assertIn("wrong type", msg)
        msg = self._custom(aggregate="sum", field_id=fields_._get("crm.lead", "name").id)
        self.assertIn("number field", msg)
        msg = self._custom(aggregate="sum", field_id=False)
        self.assertIn("field to add up", msg)
        msg = self._custom(date_field_id=fields_._get("res.partner", "create_date").id)
        self.assertIn("does not belong", msg)

    def test_template_window_and_code(self):
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.env["kpi.template"].create({
                "name": "x", "code": "x0", "measure": "meetings",
                "window_kind": "future", "default_window_days": 0})

    def test_profile_more_than_five_kpis_warns(self):
        profile = self.env["kpi.profile"].create({"name": "Too many"})
        for code in ("won_deals", "won_revenue", "new_clients", "meetings_planned", "meetings_held"):
            self.make_rule(code, profiles=profile, target=1)
        self.assertFalse(profile.kpi_count_warning)
        self.make_rule("conversion_rate", profiles=profile, target=1)
        profile.invalidate_recordset()
        self.assertIn("6 KPIs", profile.kpi_count_warning)
        self.assertIn("3-5", profile.kpi_count_warning)

    def test_custom_template_on_a_model_the_admin_cannot_read(self):
        """Evaluation runs as superuser: a KPI admin cannot measure records hidden from them."""
        fields_ = self.env["ir.model.fields"]
        Template = self.env["kpi.template"].with_user(self.kpi_admin)
        with self.assertRaisesRegex(ValidationError, "not allowed to read"), \
                self.env.cr.savepoint():
            Template.create({
                "name": "Outgoing mails", "code": "custom_mails", "measure": "custom",
                "model_id": self.env["ir.model"]._get("mail.mail").id, "domain": "[]",
                "aggregate": "count",
                "user_field_id": fields_._get("mail.mail", "create_uid").id,
                "date_field_id": fields_._get("mail.mail", "create_date").id,
            })
        # the same admin may measure CRM leads (needs sales rights: give them)
        self.kpi_admin.group_ids |= self.env.ref("sales_team.group_sale_salesman")
        template = Template.create({
            "name": "Leads created", "code": "custom_leads", "measure": "custom",
            "model_id": self.env["ir.model"]._get("crm.lead").id, "domain": "[]",
            "aggregate": "count",
            "user_field_id": fields_._get("crm.lead", "user_id").id,
            "date_field_id": fields_._get("crm.lead", "create_date").id,
        })
        self.assertTrue(template)


class TestBounds(KpiCase):
    """Windows and targets are bounded at entry (a 1,000,000-day window overflowed the
    calendar at evaluation), and out-of-range values stored in SQL give a clear error."""

    def _refused(self, model, message, vals=None, record=None):
        """``vals`` refused on create (``record`` None) or on write, nothing stored."""
        Model = self.env[model]
        count = Model.search_count([])
        before = record.read(list(vals))[0] if record else None
        with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
            if record:
                record.write(vals)
            else:
                Model.create(vals)
        self.assertEqual(Model.search_count([]), count, "nothing stored")
        if record:
            record.invalidate_recordset()
            self.assertEqual(record.read(list(vals))[0], before, "nothing stored")

    def test_rule_window_at_most_max_days(self):
        rule = self.make_rule("meetings_planned", target=1, window_days=3660)
        base = {"name": "Long", "template_id": self.template("won_deals").id, "target": 1}
        for days in (100_000, 1_000_000, 3661):
            self._refused("kpi.rule", r"window of rule Long cannot be longer than 3660 days",
                          {**base, "window_days": days})
            self._refused("kpi.rule", r"cannot be longer than 3660 days",
                          {"window_days": days}, record=rule)
        # a snapshot measure ignores its window, but a huge one is still refused
        self._refused("kpi.rule", r"cannot be longer than 3660 days",
                      {**base, "template_id": self.template("open_pipeline").id,
                       "window_days": 1_000_000})

    def test_rule_target_finite_and_bounded(self):
        rule = self.make_rule("won_revenue", target=10**12)
        base = {"name": "Huge", "template_id": self.template("won_revenue").id}
        for target in (float("inf"), float("nan"), 1e13, -1e13, float("-inf")):
            self._refused("kpi.rule", r"target of rule Huge must be a finite number of at most "
                          r"1,000,000,000,000", {**base, "target": target})
            self._refused("kpi.rule", r"must be a finite number of at most",
                          {"target": target}, record=rule)

    def test_individual_target_finite_and_bounded(self):
        rule = self.make_rule("won_revenue", target=100)
        line = self.env["kpi.rule.target"].create(
            {"rule_id": rule.id, "user_id": self.salesman2.id, "target": 10**12})
        for target in (float("inf"), float("nan"), 1e13):
            self._refused("kpi.rule.target", r"individual target .* must be a finite number",
                          {"rule_id": rule.id, "user_id": self.salesman.id, "target": target})
            self._refused("kpi.rule.target", r"must be a finite number",
                          {"target": target}, record=line)

    def test_template_default_window_and_target(self):
        base = {"name": "Tpl", "code": "tpl_bounds", "measure": "meetings",
                "window_kind": "future"}
        for days in (100_000, 1_000_000):
            self._refused("kpi.template", r"default window of template Tpl cannot be longer "
                          r"than 3660 days", {**base, "default_window_days": days})
        for target in (float("inf"), float("nan"), 1e13):
            self._refused("kpi.template", r"default target of template Tpl must be a finite",
                          {**base, "default_target": target})
        template = self.template("meetings_planned")
        self._refused("kpi.template", r"cannot be longer than 3660 days",
                      {"default_window_days": 1_000_000}, record=template)
        self._refused("kpi.template", r"must be a finite number",
                      {"default_target": float("inf")}, record=template)

    def _corrupt(self, rule, column, value):
        """Write an out-of-range value in SQL, bypassing the checks (as before the upgrade)."""
        self.env.flush_all()
        self.env.cr.execute(f"UPDATE kpi_rule SET {column} = %s WHERE id = %s", (value, rule.id))
        rule.invalidate_recordset()

    def test_evaluate_now_on_stored_bad_values_is_a_clear_error(self):
        rule = self.make_rule("meetings_planned", name="Far", target=1)
        Result = self.env["kpi.result"]
        for column, value, message in (
            ("window_days", 1_000_000, r"window of rule Far cannot be longer than 3660 days"),
            ("target", float("inf"), r"target of rule Far must be a finite number"),
        ):
            self._corrupt(rule, column, value)
            with self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
                rule.with_user(self.kpi_admin).action_evaluate_now()
            self.assertFalse(Result.search([("rule_id", "=", rule.id)]), "nothing stored")
            self._corrupt(rule, column, 14 if column == "window_days" else 1)

    def test_preview_out_of_range_is_a_clear_error(self):
        rule = self.make_rule("meetings_held", name="Held", target=1, window_days=30)
        Preview = self.env["kpi.rule.preview"].with_user(self.kpi_admin)
        # a day whose window (or its UTC midnight) falls before year 1
        wizard = Preview.create({"rule_id": rule.id, "date": datetime.date(1, 1, 5)})
        with self.assertRaisesRegex(UserError, r"Held cannot be evaluated on 0001-01-05: "
                                               r"its window of 30 days falls outside"):
            wizard.action_compute()
        self.assertFalse(wizard.computed)
        self._corrupt(rule, "window_days", 1_000_000)
        wizard = Preview.create({"rule_id": rule.id})
        with self.assertRaisesRegex(UserError, r"cannot be longer than 3660 days"):
            wizard.action_compute()
