"""Orders confirmed and delivered through Odoo's own paths (confirmation, reservation,
validation, the backorder wizard, the return wizard) at frozen times, for the delivery KPIs.

The clock: Monday 23 November 2026, 10:00 UTC, 11:00 in Copenhagen, 05:00 in New York: the same
local day for every salesperson. A 30-day past window evaluated that day covers 24 October -
22 November, [local midnight of 24 October, local midnight of 23 November).
"""

import datetime

import pytz
from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, TransactionCase, new_test_user

NOW = datetime.datetime(2026, 11, 23, 10, 0, 0)
TODAY = datetime.date(2026, 11, 23)
TZ = "Europe/Copenhagen"
NY = "America/New_York"


def local(*args, tz=TZ):
    """Naive UTC of a wall-clock time in ``tz``: ``local(2026, 11, 22, 23, 30)``."""
    return pytz.timezone(tz).localize(datetime.datetime(*args)).astimezone(
        pytz.utc).replace(tzinfo=None)


class DeliveryCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(
            cls.env.context, tracking_disable=True, mail_create_nolog=True,
            no_mail_to_attendees=True, mail_notrack=True))
        cls.company = cls.env.company
        cls.profile = cls.env["kpi.profile"].create({"name": "Delivery sales"})
        cls.salesman = cls._user("kpi_d_salesman")
        cls.salesman2 = cls._user("kpi_d_salesman2")
        cls.ny = cls._user("kpi_d_ny", tz=NY)
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1)
        cls.product = cls._product("Widget")
        cls.other_product = cls._product("Gadget")
        cls.customer = cls.env["res.partner"].create({"name": "Customer A/S",
                                                      "is_company": True})

    @classmethod
    def _user(cls, login, tz=TZ, groups="sales_team.group_sale_salesman", **kw):
        user = new_test_user(cls.env, login=login, tz=tz, groups=groups, **kw)
        user.kpi_profile_id = cls.profile
        return user

    @classmethod
    def _product(cls, name, lead=0):
        product = cls.env["product.product"].create({
            "name": name, "type": "consu", "is_storable": True, "list_price": 100,
            "sale_delay": lead})
        for warehouse in cls.env["stock.warehouse"].search([]):
            cls.env["stock.quant"]._update_available_quantity(
                product, warehouse.lot_stock_id, 1000)
        return product

    @classmethod
    def template(cls, code):
        return cls.env.ref("kpi_management_sale_stock.kpi_template_%s" % code)

    @classmethod
    def make_rule(cls, code, **vals):
        template = cls.template(code)
        return cls.env["kpi.rule"].create({
            "name": vals.pop("name", template.name),
            "template_id": template.id,
            "target": vals.pop("target", template.default_target),
            "window_days": vals.pop("window_days", 30),
            "profile_ids": [Command.set(cls.profile.ids)],
            **vals,
        })

    def order(self, user, confirmed, qty=10, commitment=None, company=None, products=None,
              **vals):
        """A sales order of ``user`` for ``qty`` of each of ``products`` (the widget by
        default), confirmed at ``confirmed`` (naive UTC: Odoo sets the order's date then)."""
        company = company or self.company
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", company.id)],
                                                       limit=1)
        order = self.env["sale.order"].with_company(company).create({
            "partner_id": self.customer.id, "user_id": user.id, "company_id": company.id,
            "warehouse_id": warehouse.id, "commitment_date": commitment,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": qty})
                           for product in (products or self.product)],
            **vals,
        })
        with freeze_time(confirmed):
            order.action_confirm()
        return order

    def delivery(self, order):
        """The order's delivery still open (one)."""
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel"))
        self.assertEqual(len(picking), 1)
        return picking

    def deliver(self, picking, at, qty=None, backorder=True):
        """Validate ``picking`` at ``at`` with ``qty`` of each product (all by default); the
        rest goes to a backorder (returned) or, ``backorder`` False, is cancelled."""
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty if qty is None else qty
            move.picked = True
        with freeze_time(at):
            action = picking.button_validate()
            if isinstance(action, dict):
                wizard = Form.from_action(self.env, action).save()
                if backorder:
                    wizard.process()
                else:
                    wizard.process_cancel_backorder()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.date_done, at)
        return picking.backorder_ids

    def return_of(self, picking, at, qty=1):
        """Return ``qty`` of ``picking``'s goods, validated at ``at``."""
        wizard = Form(self.env["stock.return.picking"].with_context(
            active_ids=picking.ids, active_id=picking.id, active_model="stock.picking")).save()
        wizard.product_return_moves.quantity = qty
        returned = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        self.deliver(returned, at)
        return returned

    def evaluate(self, rule, day=TODAY, users=None):
        rule.evaluate(date=day, users=users)
        return {user: self.result(rule, user, day) for user in (users or rule.profile_ids.user_ids)}

    def result(self, rule, user, day=TODAY):
        return self.env["kpi.result"].search([("rule_id", "=", rule.id),
                                              ("user_id", "=", user.id), ("date", "=", day)])
