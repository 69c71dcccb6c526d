"""Bad input is refused when saved with a clear ValidationError, and nothing is stored."""

from odoo.exceptions import ValidationError

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
