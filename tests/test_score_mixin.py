"""One definition of a score: a daily result (kpi.result) and a period score
(kpi.period.result) hold the fields of kpi.score.mixin as it defines them, and read their
figures the same way."""

import datetime

from .common import KpiCase

NBSP = "\N{NO-BREAK SPACE}"
MINUS = "\N{MINUS SIGN}"

SCORES = ("kpi.result", "kpi.period.result")

#: what a field's definition is made of, compared between the mixin and each model
ATTRIBUTES = ("type", "string", "help", "comodel_name", "required", "readonly", "ondelete",
              "related", "compute", "aggregator", "store", "selection", "translate")

#: the help a model tells in its own words (the field is otherwise the mixin's)
OWN_HELP = {"kpi.period.result": {"team_id", "target", "pilot", "currency_id"}}

#: the mixin's columns whose index a model sets otherwise
# kpi.result: no index of its own on the rule (the unique (rule, user, date) one leads with it)
OWN_INDEX = {"kpi.result": {"rule_id"}}


class TestScoreMixin(KpiCase):
    def test_both_scores_hold_the_mixin_fields(self):
        mixin = self.env["kpi.score.mixin"]
        shared = set(mixin._fields) - {"id", "display_name"}
        self.assertGreaterEqual(len(shared), 14)
        for name in SCORES:
            model = self.env[name]
            self.assertIsInstance(model, type(mixin), name)
            for field_name in sorted(shared):
                theirs, ours = model._fields[field_name], mixin._fields[field_name]
                for attribute in ATTRIBUTES:
                    if attribute == "help" and field_name in OWN_HELP.get(name, ()):
                        self.assertTrue(theirs.help, (name, field_name))
                        continue
                    if attribute == "ondelete" and theirs.type == "selection":
                        continue  # the options of a selection's values, set per model
                    mine, shared_one = (getattr(theirs, attribute, None),
                                        getattr(ours, attribute, None))
                    if callable(mine):  # a related field's compute, bound to each field
                        mine, shared_one = mine.__name__, shared_one.__name__
                    self.assertEqual(mine, shared_one, (name, field_name, attribute))
                if field_name not in OWN_INDEX.get(name, ()):
                    self.assertEqual(theirs.index, ours.index, (name, field_name))
            # the methods too: one value/target text, one "open the records counted"
            for method in ("_figures_text", "_amount_currency", "_compute_value_display"):
                self.assertTrue(hasattr(model, method), (name, method))

    def scores(self, rule, value, target, status, baseline=0.0, month=11):
        """A daily result and a period score of ``rule`` with the same figures."""
        day = datetime.date(2026, month, 2)
        values = {"rule_id": rule.id, "user_id": self.salesman.id, "value": value,
                  "target": target, "score": 50.0, "status": status,
                  "company_id": rule.company_id.id}
        result = self.env["kpi.result"].create(dict(values, date=day, baseline=baseline))
        period = self.env["kpi.period.result"].create(dict(
            values, period_type="month", date_from=datetime.date(2026, month, 1),
            date_to=datetime.date(2026, month, 28)))
        return result, period

    def test_a_growth_reads_with_its_sign_on_both(self):
        """A fall of 12 deals against a growth target of +20: the daily result adds its
        baseline, which a period score does not store."""
        rule = self.make_rule("won_deals_growth", target=20, window_days=30)
        result, period = self.scores(rule, -12, 20, "off_track", baseline=30)
        figures = "%s12 / +20 deals" % MINUS
        self.assertEqual(period.value_display, figures)
        self.assertEqual(result.value_display, "%s, baseline 30" % figures)
        result, period = self.scores(rule, 0, 20, "no_data", month=10)
        self.assertEqual(period.value_display, "no data / +20 deals")
        self.assertEqual(result.value_display, "no data / +20 deals, baseline 0")

    def test_an_amount_reads_the_same_on_both(self):
        rule = self.make_rule("won_revenue", target=100000, window_days=30)
        result, period = self.scores(rule, 60000, 100000, "warning")
        symbol = self.env.company.currency_id.symbol
        self.assertIn(symbol, result.value_display)
        self.assertIn("60,000", result.value_display)
        self.assertEqual(period.value_display, result.value_display)

    def test_both_open_the_records_counted(self):
        rule = self.make_rule("won_revenue", target=100000, window_days=30)
        result, period = self.scores(rule, 60000, 100000, "warning")
        lead = self.env["crm.lead"].create({"name": "Counted"})
        result.write({"res_model": "crm.lead", "record_ids": lead.ids})
        period.write({"res_model": "crm.lead", "record_ids": lead.ids, "method": "period"})
        for score in (result, period):
            action = score.action_open_records()
            self.assertEqual((action["res_model"], action["domain"]),
                             ("crm.lead", [("id", "in", lead.ids)]))
            self.assertEqual(action["context"], {"active_test": False, "create": False})
            self.assertIn(rule.name, action["name"])
