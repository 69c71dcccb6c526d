"""Within reach (issue 20): every setting and button is where those who may use it see it, and
only there; empty pages say what to do; long texts are readable; labels and logs tell the
truth."""

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user

from .bonus_common import BonusCase
from .common import NOW, TODAY, TZ, KpiCase


def arch_of(records, view_type="form"):
    """The arch of the default ``view_type`` view, as ``records``' user gets it."""
    views = records.get_views([(False, view_type)])
    return etree.fromstring(views["views"][view_type]["arch"])


def conditions_above(node):
    """The ``invisible`` expressions of ``node`` and its ancestors (the constant false ones
    left out)."""
    return [el.get("invisible") for el in [node, *node.iterancestors()]
            if el.get("invisible") not in (None, "0", "False", "false")]


class TestTeamReportSetting(KpiCase):
    def test_kpi_report_is_shown_whatever_the_assignment_settings(self):
        """The team form's KPI Report sat in crm's "Assignment Rules" group, invisible unless
        rule-based assignment is on: nobody could reach it."""
        sales_admin = new_test_user(
            self.env, login="kpi_t_sales_admin", tz=TZ,
            groups="sales_team.group_sale_manager,kpi_management.group_kpi_admin")
        sales_manager = new_test_user(  # edits sales teams, holds no KPI group
            self.env, login="kpi_t_sales_manager", tz=TZ, groups="sales_team.group_sale_manager")
        for user in (self.manager, sales_admin, sales_manager):
            arch = arch_of(self.env["crm.team"].with_user(user))
            for name in ("kpi_report_frequency", "kpi_report_last_date"):
                nodes = arch.xpath("//field[@name='%s']" % name)
                self.assertEqual(len(nodes), 1, (user.login, name))
                conditions = conditions_above(nodes[0])
                self.assertFalse([c for c in conditions if "assignment" in c],
                                 (user.login, name, conditions))
            frequency = arch.xpath("//field[@name='kpi_report_frequency']")[0]
            self.assertEqual(conditions_above(frequency), [], user.login)
        # a sales administrator sets it on the form
        with Form(self.team.with_user(sales_manager)) as form:
            form.kpi_report_frequency = "month"
        self.assertEqual(self.team.kpi_report_frequency, "month")

    def test_kpi_report_is_not_shown_to_a_salesperson(self):
        arch = arch_of(self.env["crm.team"].with_user(self.salesman))
        self.assertFalse(arch.xpath("//field[@name='kpi_report_frequency']"))


@freeze_time(NOW)
class TestHrApprovalButton(BonusCase):
    def offered(self, sheet, users):
        sheet.invalidate_recordset()
        return {user.login: sheet.with_user(user).is_hr_approver for user in users}

    def test_only_who_may_approve_is_offered_the_hr_approval(self):
        """The HR officer who submitted the sheet and the manager approver saw "Approve (HR)",
        a button that could only answer with an Access Error."""
        sheet = self.computed_sheet()
        # an officer who has a line on the sheet
        self.salesman2.group_ids = [Command.link(
            self.env.ref("kpi_management.group_kpi_bonus_officer").id)]
        self.assertIn(self.salesman2, sheet.line_ids.user_id)
        users = (self.officer, self.hr, self.manager, self.salesman, self.salesman2,
                 self.assessor)
        nobody = {user.login: False for user in users}
        self.assertEqual(self.offered(sheet, users), nobody)  # a draft
        sheet.with_user(self.officer).action_submit_anyway()
        self.assertEqual(self.offered(sheet, users), nobody)  # waits for the manager
        sheet.with_user(self.manager).action_approve_manager()
        self.assertEqual(self.offered(sheet, users), dict(nobody, **{self.hr.login: True}))
        # what the button offers, the action does
        sheet.with_user(self.hr).action_approve()
        self.assertEqual(sheet.state, "approved")
        self.assertEqual(self.offered(sheet, users), nobody)

    def test_the_button_follows_the_compute(self):
        arch = arch_of(self.env["kpi.bonus.sheet"].with_user(self.hr))
        button = arch.xpath("//button[@name='action_approve']")[0]
        self.assertEqual(button.get("invisible"), "not is_hr_approver")


class TestTeamKpisHelp(KpiCase):
    def test_a_director_leading_no_team_is_told_where_to_go(self):
        """The sales director (approver for managers, leading no team) landed on an empty
        Team KPIs page with no word of what she could do there."""
        director = new_test_user(self.env, login="kpi_t_director", tz=TZ,
                                 groups="base.group_user,kpi_management.group_kpi_manager")
        action = self.env["kpi.result"].with_user(director)._landing_action()
        self.assertEqual(action["id"], self.env.ref("kpi_management.kpi_result_action_team").id)
        help_text = action["help"]
        for words in ("teams you lead", "lead no sales team", "Bonus Sheets", "To Approve"):
            self.assertIn(words, help_text)
        # what it points to is there for her
        menus = self.env["ir.ui.menu"].with_user(director)._visible_menu_ids()
        self.assertIn(self.env.ref("kpi_management.kpi_bonus_sheet_menu").id, menus)
        search = arch_of(self.env["kpi.bonus.sheet"].with_user(director), "search")
        self.assertEqual(search.xpath("//filter[@name='filter_to_approve']/@string"),
                         ["To Approve"])


class TestReadableTexts(KpiCase):
    def assertWraps(self, node, label):
        self.assertIn("text-wrap", (node.get("class") or "").split(), label)

    def test_bonus_line_details_wrap(self):
        """The KPI names and the "How" column of a bonus line's details were cut off."""
        arch = arch_of(self.env["kpi.bonus.sheet.line"].with_user(self.salesman))
        details = arch.xpath("//field[@name='detail_ids']")[0]
        for name in ("name", "note"):
            self.assertWraps(details.xpath("./list/field[@name='%s']" % name)[0], name)
        # a row opens the KPI with its note on a line of its own, outside any column
        note = details.xpath("./form//field[@name='note']")
        self.assertEqual(len(note), 1)
        self.assertFalse([el for el in note[0].iterancestors() if el.tag == "list"])

    def test_team_kpis_list_kpi_column_wraps(self):
        arch = arch_of(self.env["kpi.result"].with_user(self.manager), "list")
        self.assertWraps(arch.xpath("//field[@name='rule_id']")[0], "rule_id")


class TestRuleWeightSaysWhatItDoes(KpiCase):
    def test_weight_is_the_overall_score_weight(self):
        """The rule's weight said it was used "in bonus schemes"; sheets use the scheme's
        weights, the rule's weighs the overall score of My KPIs."""
        field = self.env["kpi.rule"].with_user(self.kpi_admin).fields_get(
            ["weight"], ["string", "help"])["weight"]
        self.assertNotIn("bonus schemes", field["help"])
        self.assertIn("overall score of My KPIs", field["help"])
        self.assertIn("Bonus sheets do not use it", field["help"])
        self.assertIn("Overall Score", field["string"])
        arch = arch_of(self.env["kpi.rule"].with_user(self.kpi_admin))
        weight = arch.xpath("//field[@name='weight']")[0]
        self.assertIsNone(weight.get("string"))  # the form shows the field's own label
        self.assertEqual(Form(self.env["kpi.rule"].with_user(self.kpi_admin)).weight, 100)


@freeze_time(NOW)
class TestQuietForms(KpiCase):
    def test_a_new_rule_form_logs_nothing(self):
        """Opening a new rule logged "Domains don't support NewId" (the teams of its roll-out
        were searched with the new record's id)."""
        with self.assertNoLogs("odoo", "WARNING"):
            form = Form(self.env["kpi.rule"].with_user(self.kpi_admin))
            form.name = "Meetings"
            form.template_id = self.template("meetings_planned")
            form.profile_ids.add(self.profile_sales)
            self.assertFalse(form.pilot_team_ids)
            rule = form.save()
        # an existing rule in the form still shows its teams' steps after an onchange (as a
        # KPI admin who may read ir.model.fields: reading the rule's Required Fields needs it)
        rule._set_team_mode(self.team, "pilot", TODAY)
        rights_admin = new_test_user(
            self.env, login="kpi_t_admin_rights", tz=TZ,
            groups="base.group_erp_manager,kpi_management.group_kpi_admin")
        with self.assertNoLogs("odoo", "WARNING"):
            form = Form(rule.with_user(rights_admin))
            form.pilot = True
            self.assertEqual(form.pilot_team_ids[:], self.team)

    def test_a_template_without_code_is_refused_before_the_database(self):
        """Saving a template without a code logged a NOT NULL error of the database."""
        Template = self.env["kpi.template"].with_user(self.kpi_admin)
        with self.assertNoLogs("odoo.sql_db", "ERROR"):
            with self.assertRaisesRegex(ValidationError, "needs a code"):
                Template.name_create("Calls made")
            with self.assertRaisesRegex(ValidationError, "needs a code"):
                Template.create({"name": "Calls made", "code": "  ", "measure": "meetings"})
            template = Template.create({"name": "Calls", "code": "calls_t",
                                        "measure": "meetings"})
            with self.assertRaisesRegex(ValidationError, "needs a code"):
                template.write({"code": False})
        # a code given as a default is a code
        self.assertEqual(Template.with_context(default_code="calls_d").create(
            {"name": "Calls", "measure": "meetings"}).code, "calls_d")
        # the form asks for it, and the rule form creates templates through that form only
        form = Form(Template)
        form.name = "Calls made"
        with self.assertRaisesRegex(AssertionError, "code"):
            form.save()
        arch = arch_of(self.env["kpi.rule"].with_user(self.kpi_admin))
        template_field = arch.xpath("//field[@name='template_id']")[0]
        self.assertIn("no_quick_create", template_field.get("options") or "")
