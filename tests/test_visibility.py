"""Only to those allowed (issue 9), tested as the users who must be refused.

* Bonus schemes, their KPIs and payout levels are read by the users on the scheme, the managers
  of their teams (or of a team with a sheet of the scheme), its assessors and its approver for
  managers; bonus officers and KPI administrators read all. The chatter follows the scheme.
* Sheet details follow the multi-company rule of the sheets and their lines.
* A KPI administrator assigns users to profiles without being a user administrator.
* A custom template measures only the records its author can read.
"""

from contextlib import contextmanager

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, JsonRpcException, new_test_user

from .bonus_common import BonusCase
from .common import NOW, TZ, KpiCase

SCHEME_MODELS = ("kpi.bonus.scheme", "kpi.bonus.scheme.line", "kpi.bonus.level")


@freeze_time(NOW)
class TestSchemeVisibility(BonusCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kam_scheme = cls.env["kpi.bonus.scheme"].create({
            "name": "KAM bonus",
            "profile_ids": [Command.set(cls.profile_kam.ids)],
            "base_amount": 20000,
            "line_ids": [Command.create({"kind": "manual", "name": "Key accounts kept",
                                         "weight": 100})],
        })
        cls.director = new_test_user(
            cls.env, login="kpi_t_director", tz=TZ,
            groups="base.group_user,kpi_management.group_kpi_user",
        )
        cls.scheme.approver_id = cls.director
        cls.other_team = cls.env["crm.team"].search([("user_id", "=", cls.other_manager.id)])

    def visible(self, user, model="kpi.bonus.scheme"):
        """What ``user`` finds of ``model``, as schemes."""
        records = self.env[model].with_user(user).search([])
        return records if model == "kpi.bonus.scheme" else records.sudo().scheme_id

    def assert_reads(self, user, schemes):
        for model in SCHEME_MODELS:
            self.assertEqual(self.visible(user, model), schemes, f"{user.login} on {model}")

    def test_users_read_the_schemes_they_are_on(self):
        self.assert_reads(self.salesman, self.scheme)
        self.assert_reads(self.kam, self.kam_scheme)
        self.assert_reads(self.no_profile, self.env["kpi.bonus.scheme"])
        # over RPC the key account manager reads neither the base amount nor the curve of the
        # Sales scheme he is not on
        for records, field in ((self.scheme, "base_amount"), (self.scheme.level_ids, "payout"),
                               (self.scheme.line_ids, "weight")):
            with self.assertRaises(AccessError):
                records.with_user(self.kam).read([field])
        self.assertEqual(self.scheme.with_user(self.salesman).read(["base_amount"])[0]
                         ["base_amount"], 10000)
        # a new profile, other schemes (the rule is not cached with the old profile)
        self.salesman.kpi_profile_id = self.profile_kam
        self.assert_reads(self.salesman, self.kam_scheme)

    def test_assessors_and_the_approver_for_managers_read_the_scheme(self):
        self.assert_reads(self.assessor, self.scheme)
        self.assert_reads(self.director, self.scheme)
        self.scheme.approver_id = False
        self.assert_reads(self.director, self.env["kpi.bonus.scheme"])

    def test_team_managers_read_the_schemes_of_their_teams(self):
        # his team's members (salesman, salesman2) are on the Sales scheme
        self.assert_reads(self.manager, self.scheme)
        # the other manager's team has no member on a scheme, nor a sheet
        self.assert_reads(self.other_manager, self.env["kpi.bonus.scheme"])
        self.new_sheet(team_id=self.other_team.id)
        self.assert_reads(self.other_manager, self.scheme)
        self.other_team.crm_team_member_ids = [Command.create({"user_id": self.kam.id})]
        self.assert_reads(self.other_manager, self.scheme | self.kam_scheme)
        # a member who leaves the team: his scheme with him
        self.other_team.crm_team_member_ids.active = False
        self.assert_reads(self.other_manager, self.scheme)

    def test_officers_and_kpi_admins_read_and_configure_all(self):
        for user in (self.officer, self.kpi_admin):
            for model in SCHEME_MODELS:
                self.assertGreaterEqual(self.visible(user, model), self.scheme | self.kam_scheme)
            self.kam_scheme.with_user(user).base_amount += 1000
        self.assertEqual(self.kam_scheme.base_amount, 22000)

    def test_the_chatter_states_amounts_only_to_readers(self):
        scheme = self.scheme.with_user(self.officer).with_context(
            tracking_disable=False, mail_notrack=False)
        scheme.base_amount = 12345
        self.env.flush_all()
        self.env.cr.precommit.run()
        domain = [("model", "=", "kpi.bonus.scheme"), ("res_id", "=", self.scheme.id)]
        messages = self.env["mail.message"].search(domain)
        tracked = messages.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "base_amount")
        self.assertEqual((tracked.old_value_float, tracked.new_value_float), (10000, 12345))
        Message = self.env["mail.message"]
        for user in (self.kam, self.no_profile, self.other_manager):
            self.assertFalse(Message.with_user(user).search(domain), user.login)
            with self.assertRaises(AccessError):
                messages.with_user(user).read(["body", "tracking_value_ids"])
            with self.assertRaises(AccessError):
                tracked.with_user(user).read(["new_value_float"])
            with self.assertRaises(AccessError):
                self.scheme.with_user(user).read(["message_ids"])
            # the thread as the web client opens it (/mail/thread/messages)
            self.assertFalse(self.env["kpi.bonus.scheme"].with_user(user)
                             ._get_thread_with_access(self.scheme.id))
        # those on the scheme follow its changes
        self.assertEqual(Message.with_user(self.salesman).search(domain), messages)
        self.assertTrue(self.env["kpi.bonus.scheme"].with_user(self.salesman)
                        ._get_thread_with_access(self.scheme.id))


@freeze_time(NOW)
class TestSchemeScreens(BonusCase):
    """What legitimately uses a scheme still works for the salesperson and the manager."""

    def setUp(self):
        super().setUp()
        self.sheet = self.computed_sheet()

    def test_estimate_assessment_approval_and_own_sheet(self):
        # My KPIs and My Bonus Estimate (the estimate reads the scheme as superuser)
        [estimate] = self.env["kpi.bonus.scheme"].with_user(self.salesman).get_bonus_estimate()
        self.assertEqual((estimate["scheme"], estimate["base_amount"]), ("Sales bonus", 10000))
        self.assertEqual(len(self.env["kpi.bonus.scheme"].with_user(self.manager)
                             .get_bonus_estimate(self.salesman.id)), 1)
        # the manager opens his team's sheet, assesses and approves it
        self.assertEqual(Form(self.sheet.with_user(self.manager)).scheme_id, self.scheme)
        self.assess(self.sheet, self.salesman, self.manager, 80)
        self.sheet.with_user(self.officer).action_compute()
        self.approve(self.sheet)
        self.assertEqual(self.sheet.manager_approved_uid, self.manager)
        # the salesperson opens his approved sheet and his line (as in a new request: the
        # cache holds what the superuser read)
        self.env.invalidate_all()
        form = Form(self.sheet.with_user(self.salesman))
        self.assertEqual(form.scheme_name, "Sales bonus")
        [line] = self.env["kpi.bonus.sheet.line"].with_user(self.salesman).search([])
        self.assertTrue(line.detail_ids.scheme_line_id.read(["name"]))
        # ... still after he changed profile (no longer on the scheme)
        self.salesman.kpi_profile_id = self.profile_kam
        self.assertFalse(self.env["kpi.bonus.scheme"].with_user(self.salesman).search([]))
        self.env.invalidate_all()
        form = Form(self.sheet.with_user(self.salesman))
        self.assertEqual(form.scheme_name, "Sales bonus")
        self.assertEqual(self.sheet.with_user(self.salesman).web_read(
            {"scheme_id": {"fields": {"display_name": {}}}})[0]["scheme_id"]["display_name"],
            "Sales bonus")


@freeze_time(NOW)
class TestSheetDetailCompany(BonusCase):
    def test_details_of_another_company_are_hidden(self):
        sheet = self.computed_sheet()
        details = sheet.line_ids.detail_ids
        self.assertTrue(details)
        other = self.env["res.company"].create({"name": "KPI other company"})
        officer_b = new_test_user(
            self.env, login="kpi_t_officer_b", tz=TZ, company_id=other.id,
            company_ids=[Command.set(other.ids)],
            groups="base.group_user,kpi_management.group_kpi_bonus_officer",
        )
        for model in ("kpi.bonus.sheet", "kpi.bonus.sheet.line", "kpi.bonus.sheet.detail",
                      *SCHEME_MODELS):
            self.assertFalse(self.env[model].with_user(officer_b).search([]), model)
        with self.assertRaises(AccessError):
            details.with_user(officer_b).read(["score", "contribution"])
        # an officer of both companies, working in the other one only
        self.officer.company_ids |= other
        Detail = self.env["kpi.bonus.sheet.detail"].with_user(self.officer)
        self.assertFalse(Detail.with_context(allowed_company_ids=other.ids).search([]))
        self.assertEqual(Detail.with_context(allowed_company_ids=(self.company | other).ids)
                         .search([("sheet_id", "=", sheet.id)]), details)


class TestProfileAssignment(KpiCase):
    """KPI administrators assign profiles (that field only) without being user administrators.

    Run as in an RPC request of the user: the ORM runs x2many commands on users with the rights
    of the request's user, even under sudo (``res.users._allow_sudo_commands``); in a test the
    transaction's user is the superuser unless set.
    """

    @contextmanager
    def request_of(self, user):
        transaction = self.env.transaction
        default_env = transaction.default_env
        transaction.default_env = self.env(user=user)
        try:
            yield
        finally:
            transaction.default_env = default_env

    def test_kpi_admin_assigns_and_unassigns(self):
        admin = self.kpi_admin
        self.assertFalse(admin.has_group("base.group_erp_manager"))
        profile = self.profile_kam.with_user(admin)
        with self.request_of(admin):
            profile.write({"user_ids": [Command.link(self.no_profile.id)]})
            self.assertEqual(self.no_profile.kpi_profile_id, self.profile_kam)
            profile.write({"user_ids": [Command.unlink(self.no_profile.id)]})
            self.assertFalse(self.no_profile.kpi_profile_id)
            # unlinking a user who holds another profile leaves it alone
            profile.write({"user_ids": [Command.unlink(self.salesman.id)]})
            self.assertEqual(self.salesman.kpi_profile_id, self.profile_sales)
            profile.write({"user_ids": [Command.set((self.kam | self.salesman2).ids)]})
            self.assertEqual(self.profile_kam.user_ids, self.kam | self.salesman2)
            self.assertEqual(self.profile_sales.user_ids, self.salesman)
            profile.write({"user_ids": [Command.clear()]})
            self.assertFalse(self.profile_kam.user_ids)
            self.assertFalse(self.kam.kpi_profile_id)
            new = self.env["kpi.profile"].with_user(admin).create({
                "name": "Test Key Accounts", "user_ids": [Command.link(self.kam.id)]})
            self.assertEqual(self.kam.kpi_profile_id, new)
            self.assertEqual(new.user_count, 1)
            # from the profile's form (add selects existing users, remove unassigns)
            with Form(self.profile_sales.with_user(admin)) as form:
                form.user_ids.add(self.no_profile)
            self.assertEqual(self.no_profile.kpi_profile_id, self.profile_sales)
            with Form(self.profile_sales.with_user(admin)) as form:
                form.user_ids.remove(id=self.salesman.id)
            self.assertFalse(self.salesman.kpi_profile_id)
            self.assertEqual(self.profile_sales.user_ids, self.no_profile)

    def test_kpi_admin_cannot_change_anything_else_of_a_user(self):
        profile = self.profile_sales.with_user(self.kpi_admin)
        with self.request_of(self.kpi_admin):
            with self.assertRaisesRegex(AccessError, "only assign or unassign users"):
                profile.write({"user_ids": [
                    Command.update(self.salesman.id, {"login": "hijacked"})]})
            self.assertEqual(self.salesman.login, "kpi_t_salesman")
            with self.assertRaisesRegex(UserError, "create them in Settings > Users"):
                profile.write({"user_ids": [
                    Command.create({"name": "New", "login": "kpi_t_new"})]})
            with self.assertRaisesRegex(UserError, "not deleted"):
                profile.write({"user_ids": [Command.delete(self.salesman2.id)]})
            self.assertEqual(self.profile_sales.user_ids, self.salesman | self.salesman2)
            # an update of the profile alone is an assignment
            profile.write({"user_ids": [
                Command.update(self.salesman2.id, {"kpi_profile_id": False})]})
            self.assertFalse(self.salesman2.kpi_profile_id)
            # the rest of the user stays with user administrators
            with self.assertRaises(AccessError):
                self.salesman.with_user(self.kpi_admin).write({"kpi_profile_id": False})

    def test_only_kpi_admins_assign(self):
        for user in (self.manager, self.salesman):
            with self.request_of(user), self.assertRaises(AccessError):
                self.profile_kam.with_user(user).write(
                    {"user_ids": [Command.link(self.no_profile.id)]})
        self.assertFalse(self.no_profile.kpi_profile_id)


class TestProfileFormOverRpc(KpiCase, HttpCase):
    def test_kpi_admin_saves_the_profile_form(self):
        self.authenticate(self.kpi_admin.login, self.kpi_admin.login)

        def save(commands):
            self.env.invalidate_all()
            return self.make_jsonrpc_request("/web/dataset/call_kw/kpi.profile/web_save", {
                "model": "kpi.profile", "method": "web_save",
                "args": [self.profile_kam.ids, {"user_ids": commands}],
                "kwargs": {"specification": {"user_ids": {}}},
            })

        [saved] = save([[Command.LINK, self.no_profile.id]])
        self.env.invalidate_all()
        self.assertEqual(saved["user_ids"], (self.kam | self.no_profile).ids)
        self.assertEqual(self.no_profile.kpi_profile_id, self.profile_kam)
        save([[Command.UNLINK, self.kam.id]])
        self.env.invalidate_all()
        self.assertFalse(self.kam.kpi_profile_id)
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            save([[Command.UPDATE, self.no_profile.id, {"login": "hijacked"}]])
        self.env.invalidate_all()
        self.assertEqual(self.no_profile.login, "kpi_t_noprofile")


@freeze_time(NOW)
class TestCustomTemplateAuthor(KpiCase):
    """A custom template counts only the records its author can read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own_docs_admin = cls._user(
            "kpi_t_admin_own", cls.profile_sales,
            groups="sales_team.group_sale_salesman,kpi_management.group_kpi_admin")
        cls.all_leads_admin = cls._user(
            "kpi_t_admin_all", False,
            groups="sales_team.group_sale_salesman_all_leads,kpi_management.group_kpi_admin")
        cls.users = cls.salesman | cls.salesman2 | cls.own_docs_admin
        for user, revenue in zip(cls.users, (30, 50, 70), strict=True):
            cls.env["crm.lead"].create({"name": "Deal of %s" % user.login, "type": "opportunity",
                                        "user_id": user.id, "expected_revenue": revenue})

    def define(self, author, code):
        fields_ = self.env["ir.model.fields"]
        return self.env["kpi.template"].with_user(author).create({
            "name": "Expected revenue", "code": code, "measure": "custom",
            "model_id": self.env["ir.model"]._get("crm.lead").id,
            "domain": "[('type', '=', 'opportunity')]", "aggregate": "sum",
            "field_id": fields_._get("crm.lead", "expected_revenue").id,
            "user_field_id": fields_._get("crm.lead", "user_id").id,
            "date_field_id": fields_._get("crm.lead", "create_date").id,
            "window_kind": "snapshot",
        })

    def measure(self, template):
        """Today's values of a rule of ``template``, evaluated as the nightly job does
        (superuser)."""
        rule = self.env["kpi.rule"].search([("template_id", "=", template.id)]) \
            or self.env["kpi.rule"].create({
                "name": "Expected revenue", "template_id": template.id, "target": 100,
                "profile_ids": [Command.set(self.profile_sales.ids)]})
        rule.evaluate()
        return [self.result(rule, user).value for user in self.users]

    def test_author_with_own_documents_counts_only_his_leads(self):
        template = self.define(self.own_docs_admin, "test_revenue_own")
        self.assertEqual(template.definition_uid, self.own_docs_admin)
        self.assertEqual(self.measure(template), [0, 0, 70])

    def test_author_with_all_leads_counts_all(self):
        template = self.define(self.all_leads_admin, "test_revenue_all")
        self.assertEqual(template.definition_uid, self.all_leads_admin)
        self.assertEqual(self.measure(template), [30, 50, 70])

    def test_whoever_changes_the_definition_is_the_author(self):
        template = self.define(self.own_docs_admin, "test_revenue_change")
        template.with_user(self.all_leads_admin).write({"name": "Revenue", "unit": "amount"})
        self.assertEqual(template.definition_uid, self.own_docs_admin)
        self.assertEqual(self.measure(template), [0, 0, 70])
        template.with_user(self.all_leads_admin).write({"domain": "[]"})
        self.assertEqual(template.definition_uid, self.all_leads_admin)
        self.assertEqual(self.measure(template), [30, 50, 70])
        template.write({"definition_uid": self.own_docs_admin.id})  # never given
        self.assertEqual(template.definition_uid, self.all_leads_admin)
