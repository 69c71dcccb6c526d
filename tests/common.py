"""Shared fixtures of the kpi_management test suite (no reliance on demo data)."""

import datetime
import importlib.util
import os
from contextlib import contextmanager

import pytz

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user

# Monday 23 November 2026, 10:00 UTC = 11:00 in Copenhagen
NOW = datetime.datetime(2026, 11, 23, 10, 0, 0)
TODAY = datetime.date(2026, 11, 23)
# local midnight starting 23 November in Copenhagen (UTC+1), as naive UTC
CPH_MIDNIGHT = datetime.datetime(2026, 11, 22, 23, 0, 0)
TZ = "Europe/Copenhagen"


def utc(days=0, hours=0, minutes=0, seconds=0):
    """Naive UTC datetime of a Copenhagen wall-clock time relative to local midnight of TODAY.

    Daylight saving time is honoured: 30 days before TODAY is still summer time (UTC+2).
    """
    local = datetime.datetime.combine(TODAY, datetime.time.min) + datetime.timedelta(
        days=days, hours=hours, minutes=minutes, seconds=seconds)
    tz = pytz.timezone(TZ)
    return tz.localize(local).astimezone(pytz.utc).replace(tzinfo=None)


def local(*args, tz=TZ):
    """Naive UTC of a wall-clock time in ``tz``: ``local(2026, 10, 31, 23, 30)``."""
    return pytz.timezone(tz).localize(datetime.datetime(*args)).astimezone(
        pytz.utc).replace(tzinfo=None)


def load_danish(env):
    """Danish active, with the module's Danish terms (``i18n/da.po``) loaded over any others."""
    env["res.lang"]._activate_lang("da_DK")
    env["ir.module.module"]._load_module_terms(["kpi_management"], ["da_DK"], overwrite=True)


class RefusedMixin:
    @contextmanager
    def refused(self, text):
        """A ValidationError whose message contains ``text`` (``assertRaises``: in a
        savepoint, the cache cleared)."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertIn(text, str(caught.exception))


class KpiTestMixin:
    """Odoo tags only the test classes defined inside ``odoo.addons.*``; this suite lives at
    the repository root (pytest-odoo), so it declares the addon's tags itself."""

    test_tags = {"standard", "at_install"}
    test_module = "kpi_management"


class KpiCase(KpiTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(
            cls.env.context, tracking_disable=True, mail_create_nolog=True,
            no_mail_to_attendees=True, mail_notrack=True,
        ))
        cls.company = cls.env.company
        cls.profile_sales = cls.env["kpi.profile"].create({"name": "Test Sales"})
        cls.profile_kam = cls.env["kpi.profile"].create({"name": "Test KAM"})
        cls.salesman = cls._user("kpi_t_salesman", cls.profile_sales)
        cls.salesman2 = cls._user("kpi_t_salesman2", cls.profile_sales)
        cls.kam = cls._user("kpi_t_kam", cls.profile_kam)
        cls.no_profile = cls._user("kpi_t_noprofile", False)
        cls.manager = new_test_user(
            cls.env, login="kpi_t_manager", tz=TZ,
            groups="sales_team.group_sale_salesman_all_leads,kpi_management.group_kpi_manager",
        )
        cls.kpi_admin = new_test_user(
            cls.env, login="kpi_t_admin", tz=TZ,
            groups="base.group_user,kpi_management.group_kpi_admin",
        )
        cls.team = cls.env["crm.team"].create({
            "name": "KPI test team",
            "user_id": cls.manager.id,
            "crm_team_member_ids": [Command.create({"user_id": cls.salesman.id})],
        })
        cls.stage_won = cls.env["crm.stage"].create({"name": "Won (test)", "is_won": True,
                                                      "sequence": 99})
        cls.stage_new = cls.env["crm.stage"].create({"name": "New (test)", "sequence": 1})

    @classmethod
    def _user(cls, login, profile, groups="sales_team.group_sale_salesman", **kw):
        kw.setdefault("tz", TZ)
        user = new_test_user(cls.env, login=login, groups=groups, **kw)
        user.kpi_profile_id = profile
        return user

    @classmethod
    def template(cls, code):
        return cls.env.ref("kpi_management.kpi_template_%s" % code)

    @classmethod
    def make_rule(cls, code, profiles=None, **vals):
        template = cls.template(code)
        values = {
            "name": vals.pop("name", template.name),
            "template_id": template.id,
            "profile_ids": [Command.set((profiles or cls.profile_sales).ids)],
        }
        values.update(vals)
        return cls.env["kpi.rule"].create(values)

    @classmethod
    def event(cls, user, start, attendees=None, hours=1, **vals):
        partners = attendees if attendees is not None else user.partner_id
        return cls.env["calendar.event"].create({
            "name": vals.pop("name", "Meeting"),
            "user_id": user.id,
            "start": start,
            "stop": start + datetime.timedelta(hours=hours),
            "partner_ids": [Command.set(partners.ids)],
            **vals,
        })

    @classmethod
    def won_lead(cls, user, closed, revenue=0.0, partner=None, **vals):
        lead = cls.env["crm.lead"].create({
            "name": vals.pop("name", "Deal"),
            "type": "opportunity",
            "user_id": user.id,
            "partner_id": partner.id if partner else False,
            "expected_revenue": revenue,
            "stage_id": cls.stage_won.id,
            **vals,
        })
        # won at ``closed``: the won date the measures use, and Odoo's closing date
        lead.write({"date_closed": closed, "kpi_date_won": closed})
        return lead

    @classmethod
    def lost_lead(cls, user, closed, partner=None, **vals):
        lead = cls.env["crm.lead"].create({
            "name": vals.pop("name", "Lost deal"),
            "type": "opportunity",
            "user_id": user.id,
            "partner_id": partner.id if partner else False,
            "stage_id": cls.stage_new.id,
            **vals,
        })
        lead.action_set_lost()
        lead.date_closed = closed
        return lead

    def set_lead_dates(self, lead, created, assigned=None):
        """Backdate a lead's creation and assignment (magic or computed fields, so in SQL)."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s, date_open = %s WHERE id = %s",
            (created, assigned or created, lead.id))
        lead.invalidate_recordset(["create_date", "date_open"])

    def result(self, rule, user, date=None):
        domain = [("rule_id", "=", rule.id), ("user_id", "=", user.id)]
        if date:
            domain.append(("date", "=", date))
        return self.env["kpi.result"].search(domain)


BENCH_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench")


def load_bench(name):
    """The benchmark script ``bench/<name>.py`` as a module (the benchmarks are scripts, not a
    package): the tests run their tiny scales so that they do not rot."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(BENCH_DIR, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
