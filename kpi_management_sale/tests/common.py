"""Fixtures of the sales bridge's tests: salespeople, a customer, a product, orders confirmed
and invoices posted through Odoo's own methods at frozen times (no reliance on demo data).

The clock is frozen on Monday 23 November 2026, 10:00 UTC: 11:00 in Copenhagen (the users'
timezone unless said otherwise). A past window of 30 days evaluated today is [24 October 00:00,
23 November 00:00) local, its previous period [24 September, 24 October). The company (the
database's, USD, with the generic chart of accounts) holds its own rates of EUR, as Odoo keeps
them (units of EUR per USD): 0.50 from 1 January 2026, 0.80 from 10 November 2026.
"""

import datetime
import pathlib

import pytz
from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import TransactionCase, new_test_user
from odoo.tools.translate import PoFileReader

NOW = datetime.datetime(2026, 11, 23, 10, 0, 0)
TODAY = datetime.date(2026, 11, 23)
TZ = "Europe/Copenhagen"
D = datetime.date
#: the day the EUR rate changes
RATE_CHANGE = D(2026, 11, 10)
NBSP = "\N{NO-BREAK SPACE}"


def local(*args, tz=TZ):
    """Naive UTC of a wall-clock time in ``tz``: ``local(2026, 10, 31, 23, 30)``."""
    return pytz.timezone(tz).localize(datetime.datetime(*args)).astimezone(
        pytz.utc).replace(tzinfo=None)


#: the repository's root (the addons' parent directory)
REPO = pathlib.Path(__file__).parent.parent.parent


def po_path(addon, name="da.po"):
    """The path of ``<addon>/i18n/<name>`` in this repository."""
    return REPO / addon / "i18n" / name


def po_terms(addon, name="da.po"):
    """``{source: translation}`` of ``<addon>/i18n/<name>``."""
    return {entry["src"]: entry["value"] for entry in PoFileReader(str(po_path(addon, name)))}


def load_danish(env, modules=("kpi_management", "kpi_management_sale")):
    """Danish active, with the Danish terms of ``modules`` loaded over any others."""
    env["res.lang"]._activate_lang("da_DK")
    env["ir.module.module"]._load_module_terms(list(modules), ["da_DK"], overwrite=True)


class SaleKpiCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(
            cls.env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True,
        ))
        cls.company = cls.env.company
        cls.usd = cls.company.currency_id
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        Rate = cls.env["res.currency.rate"]
        Rate.search([("currency_id", "=", cls.eur.id)]).unlink()
        Rate.create([
            {"name": D(2026, 1, 1), "rate": 0.5, "currency_id": cls.eur.id,
             "company_id": cls.company.id},
            {"name": RATE_CHANGE, "rate": 0.8, "currency_id": cls.eur.id,
             "company_id": cls.company.id},
        ])
        cls.eur_pricelist = cls.env["product.pricelist"].create({
            "name": "EUR (KPI test)", "currency_id": cls.eur.id})
        cls.profile = cls.env["kpi.profile"].create({"name": "Sales (bridge test)"})
        cls.salesman = cls.user("kpi_s_salesman")
        cls.salesman2 = cls.user("kpi_s_salesman2")
        cls.manager = new_test_user(
            cls.env, login="kpi_s_manager", tz=TZ,
            groups="sales_team.group_sale_salesman_all_leads,kpi_management.group_kpi_manager")
        cls.team = cls.env["crm.team"].create({
            "name": "KPI sales team", "user_id": cls.manager.id,
            "crm_team_member_ids": [Command.create({"user_id": u.id})
                                    for u in (cls.salesman, cls.salesman2)],
        })
        cls.customer = cls.env["res.partner"].create({"name": "Customer A/S",
                                                      "is_company": True})
        cls.product = cls.env["product.product"].create({
            "name": "Consulting day", "type": "service", "invoice_policy": "order",
            "list_price": 1000, "standard_price": 600,
        })

    @classmethod
    def user(cls, login, tz=TZ, profile=None, **kw):
        user = new_test_user(cls.env, login=login, tz=tz,
                             groups="sales_team.group_sale_salesman", **kw)
        user.kpi_profile_id = profile or cls.profile
        return user

    @classmethod
    def template(cls, code):
        module = "kpi_management_sale_margin" if code == "gross_margin" else "kpi_management_sale"
        return cls.env.ref("%s.kpi_template_%s" % (module, code))

    @classmethod
    def make_rule(cls, code, **vals):
        template = cls.template(code)
        return cls.env["kpi.rule"].create({
            "name": vals.pop("name", template.name),
            "template_id": template.id,
            "profile_ids": [Command.set(vals.pop("profiles", cls.profile).ids)],
            "target": vals.pop("target", 1000),
            "window_days": vals.pop("window_days", 30),
            **vals,
        })

    @classmethod
    def order(cls, user, amount, confirmed_at=None, qty=1, **vals):
        """A quotation of ``user`` for ``qty`` x ``amount`` (untaxed, in the order's currency:
        that of its pricelist), confirmed through Odoo at ``confirmed_at`` when given."""
        order = cls.env["sale.order"].create({
            "partner_id": cls.customer.id,
            "user_id": user.id,
            "order_line": [Command.create({"product_id": cls.product.id,
                                           "product_uom_qty": qty, "price_unit": amount})],
            **vals,
        })
        if confirmed_at:
            with freeze_time(confirmed_at):
                order.action_confirm()
        return order

    @classmethod
    def invoice(cls, order, invoice_date):
        """Odoo's invoice of what ``order`` has to invoice, dated and posted."""
        move = order._create_invoices()
        move.invoice_date = invoice_date
        move.action_post()
        return move

    @classmethod
    def refund(cls, invoice, invoice_date, price_unit=None):
        """A credit note of ``invoice`` made by Odoo's reversal (it keeps the order lines),
        dated ``invoice_date``, for ``price_unit`` per line when given, posted."""
        refund = invoice._reverse_moves([{"invoice_date": invoice_date, "date": invoice_date}])
        if price_unit is not None:
            refund.invoice_line_ids.filtered(
                lambda line: line.display_type == "product").price_unit = price_unit
        refund.action_post()
        return refund

    def result(self, rule, user, date=None):
        domain = [("rule_id", "=", rule.id), ("user_id", "=", user.id)]
        if date:
            domain.append(("date", "=", date))
        return self.env["kpi.result"].search(domain)

    def evaluate(self, rule, user, date=None):
        """``rule`` evaluated (on ``date``, else today): ``user``'s stored result."""
        rule.evaluate(date=date)
        return self.result(rule, user, date)

    def counted(self, result):
        """The records the drill-down of ``result`` opens, searched as the reader."""
        action = result.action_open_records()
        return result.env[action["res_model"]].search(action["domain"])

    def money(self, amount, currency=None):
        """``amount`` as the results show it, in ``currency`` (the company's by default)."""
        currency = currency or self.usd
        text = f"{amount:,.0f}"
        return ("%s%s%s" % (text, NBSP, currency.symbol) if currency.position == "after"
                else "%s%s%s" % (currency.symbol, NBSP, text))


# ------------------------------------------------------------------ the registry's checks
#: the window kinds of a template (``kpi_management.tools.scoring``)
WINDOW_KINDS = ("past", "future", "snapshot")
#: what every gap sentence may be formatted with (``kpi_result_reminder.gap_sentence``)
GAP_ARGS = {"gap": "4", "value": "6", "target": "10", "days": 14, "unit": ""}


def template_measures(addon):
    """``{template code: measure}`` of the templates shipped in ``addon``'s data file."""
    path = REPO / addon / "data" / "kpi_template_data.xml"
    return {
        record.findtext("field[@name='code']"): record.findtext("field[@name='measure']")
        for record in etree.parse(str(path)).iterfind(".//record[@model='kpi.template']")
    }


def lazy_texts(measure):
    """Every lazy text a measure declares: its gap sentences and its to-do labels."""
    gap = measure.gap
    texts = [gap.many, gap.one, gap.future_many, gap.future_one]
    if measure.todo:
        texts += [measure.todo.one, measure.todo.many]
    return [text for text in texts if text is not None]
