"""Measures that feed money count what happened when it happened.

- A deal counts on the date it was first won (``crm.lead.kpi_date_won``), not on Odoo's closing
  date, which ``crm.lead.write`` resets on any archive (``active=False``) or write of a probability
  of 100: archiving and restoring a won deal, or re-saving it, must not move it into a later
  bonus period. A deal reopened and won again keeps its first won date.
- A client's first won deal ever includes archived deals and deals reopened or lost since.
- An organiser who declined their own meeting does not have it counted.

Every deal goes through Odoo's own paths (*Mark Won*, archive, restore, writes of the stage or
the probability) at frozen times; the figures are read from the engine's stored results. Past
windows of 30 days evaluated on 1 November and 1 December 2026 (Copenhagen) cover
[2 Oct, 1 Nov) and [1 Nov, 1 Dec): "October" and "November" below.
"""

import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError

from .common import NOW, KpiCase, utc

OCT_1 = datetime.datetime(2026, 10, 1, 10, 0)  # before the October window
OCT_10 = datetime.datetime(2026, 10, 10, 10, 0)
OCT_20 = datetime.datetime(2026, 10, 20, 10, 0)
NOV_5 = datetime.datetime(2026, 11, 5, 10, 0)
NOV_10 = datetime.datetime(2026, 11, 10, 10, 0)
#: evaluation days whose 30-day past windows are "October" and "November"
OCTOBER = datetime.date(2026, 11, 1)
NOVEMBER = datetime.date(2026, 12, 1)


class TestWonDate(KpiCase):
    """The won date: set once when a lead becomes won, whatever the path; never moved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_won2 = cls.env["crm.stage"].create({"name": "Won again (test)", "is_won": True,
                                                      "sequence": 100})

    def deal(self, user=None, **vals):
        return self.env["crm.lead"].create({
            "name": vals.pop("name", "Deal"), "type": "opportunity",
            "user_id": (user or self.salesman).id, "stage_id": self.stage_new.id, **vals,
        })

    def evaluate(self, code, day, **vals):
        rule = self.make_rule(code, target=vals.pop("target", 1), window_days=30, **vals)
        rule.evaluate(date=day)
        return self.result(rule, self.salesman, day)

    def test_archived_and_restored_deal_counts_in_the_month_it_was_won(self):
        """Won on 10 October, archived and restored on 5 November: October's deal only."""
        with freeze_time(OCT_10):
            deal = self.deal(expected_revenue=400000, cost_price=150000, extra_cost_hours=100,
                             extra_cost_hour_rate=1500)
            deal.action_set_won()
        with freeze_time(NOV_5):
            deal.action_archive()
            deal.action_unarchive()
        self.assertEqual((deal.active, deal.won_status), (True, "won"))
        self.assertEqual(deal.date_closed, NOV_5, "Odoo resets the closing date on archive")
        for code, value in (("won_deals", 1), ("won_revenue", 400000), ("net_profit", 100000)):
            october, november = self.evaluate(code, OCTOBER), self.evaluate(code, NOVEMBER)
            self.assertEqual((october.value, october.record_ids), (value, deal.ids), code)
            self.assertEqual((november.value, november.record_ids), (0, []), code)
        self.assertEqual(deal.kpi_date_won, OCT_10)

    def test_reopened_deal_keeps_its_first_won_date(self):
        """Won on 10 October, reopened on 20 October, won again on 5 November: it counts once,
        in October (paid with October, it must not be paid again with November)."""
        with freeze_time(OCT_10):
            deal = self.deal(expected_revenue=1000)
            deal.action_set_won()
        with freeze_time(OCT_20):
            deal.write({"stage_id": self.stage_new.id})
        self.assertEqual(deal.won_status, "pending")
        with freeze_time(NOV_5):
            deal.action_set_won()
        october, november = (self.evaluate("won_revenue", OCTOBER),
                             self.evaluate("won_revenue", NOVEMBER))
        self.assertEqual((october.value, november.value), (1000, 0))
        self.assertEqual((deal.kpi_date_won, deal.date_closed), (OCT_10, NOV_5))

    def test_conversion_rate_counts_won_deals_by_their_won_date(self):
        """The won deal of 10 October (archived and restored on 5 November) is October's; the
        deal lost on 10 November is November's, by its closing date."""
        with freeze_time(OCT_10):
            won = self.deal()
            won.action_set_won()
        with freeze_time(NOV_5):
            won.action_archive()
            won.action_unarchive()
        with freeze_time(NOV_10):
            lost = self.deal(name="Lost deal")
            lost.action_set_lost()
        october, november = (self.evaluate("conversion_rate", OCTOBER, target=50),
                             self.evaluate("conversion_rate", NOVEMBER, target=50))
        self.assertEqual((october.value, october.record_ids), (100.0, won.ids))
        self.assertEqual((november.value, november.record_ids), (0.0, lost.ids))

    def test_won_date_is_set_once_whatever_the_path(self):
        Lead = self.env["crm.lead"]
        with freeze_time(OCT_1):
            # not won (yet): a probability of 100 in a stage that is not won, an archived lead
            not_won = self.deal(name="Probability 100") | self.deal(name="Archived")
            not_won[0].write({"probability": 100})
            not_won[1].action_archive()
        with freeze_time(OCT_10):
            by_action = self.deal(name="Mark Won")
            by_action.action_set_won()
            by_stage = self.deal(name="Stage")
            by_stage.write({"stage_id": self.stage_won.id})
            created = Lead.create({"name": "Created won", "type": "opportunity",
                                   "user_id": self.salesman.id, "stage_id": self.stage_won.id})
            # a deal created won with its date (e.g. imported): won on that date
            imported = Lead.create({"name": "Imported", "type": "opportunity",
                                    "user_id": self.salesman.id, "stage_id": self.stage_won.id,
                                    "date_closed": OCT_1})
            archived_won = self.deal(name="Archived, then won")
            archived_won.action_archive()
            archived_won.action_set_won()
        deals = by_action | by_stage | created | imported | archived_won
        self.assertEqual(set(deals.mapped("won_status")), {"won"})
        self.assertEqual(not_won.mapped("kpi_date_won"), [False, False])
        dates = [OCT_10, OCT_10, OCT_10, OCT_1, OCT_10]  # the imported deal: its own date
        self.assertEqual(deals.mapped("kpi_date_won"), dates)
        # later writes move Odoo's closing date, never the won date
        with freeze_time(NOV_5):
            deals.action_archive()
            deals.action_unarchive()
            deals.write({"probability": 100})
            deals.write({"stage_id": self.stage_won2.id})
            deals.write({"name": "Renamed"})
        self.assertEqual(set(deals.mapped("date_closed")), {NOV_5})
        self.assertEqual(deals.mapped("kpi_date_won"), dates)
        # lost after it was won: the date stays (the deal was won once), copies do not inherit it
        with freeze_time(NOV_10):
            by_stage.write({"stage_id": self.stage_new.id})
            by_stage.action_set_lost()
            self.assertEqual((by_stage.won_status, by_stage.kpi_date_won), ("lost", OCT_10))
            self.assertFalse(by_action.copy().kpi_date_won)

    def test_only_a_kpi_admin_sets_the_won_date_by_hand(self):
        """The won date decides the bonus period: a salesperson cannot move a deal into another
        period over RPC, while marking deals won as salesperson still dates them."""
        with freeze_time(OCT_10):
            deal = self.deal()
            deal.with_user(self.salesman).action_set_won()
        self.assertEqual(deal.kpi_date_won, OCT_10)
        for vals in ({"kpi_date_won": NOV_5}, {"name": "Moved", "kpi_date_won": False}):
            with self.assertRaises(AccessError):
                deal.with_user(self.salesman).write(vals)
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.salesman).create({
                "name": "Backdated", "user_id": self.salesman.id, "kpi_date_won": OCT_1})
        self.assertEqual(deal.kpi_date_won, OCT_10)
        admin = self.env.ref("base.user_admin")
        deal.with_user(admin).write({"kpi_date_won": OCT_20})
        self.assertEqual(deal.kpi_date_won, OCT_20)


@freeze_time(NOW)
class TestNewClients(KpiCase):
    """A client's first won deal ever includes archived deals and deals reopened since."""

    def deal(self, user, partner, won_at, name="Deal"):
        with freeze_time(won_at):
            lead = self.env["crm.lead"].create({
                "name": name, "type": "opportunity", "user_id": user.id,
                "partner_id": partner.id, "stage_id": self.stage_new.id,
            })
            lead.action_set_won()
        return lead

    def test_client_whose_first_won_deal_is_archived_or_reopened_is_not_new(self):
        Partner = self.env["res.partner"]
        acme, globex, initech = Partner.create([
            {"name": name, "is_company": True} for name in ("Acme", "Globex", "Initech")])
        buyer = Partner.create({"name": "Acme buyer", "parent_id": acme.id})
        # Acme: first won by salesman2 on 10 October, archived on 20 October
        first_acme = self.deal(self.salesman2, acme, OCT_10)
        with freeze_time(OCT_20):
            first_acme.action_archive()
        # Globex: first won on 10 October, reopened on 20 October (pending since)
        first_globex = self.deal(self.salesman2, globex, OCT_10)
        with freeze_time(OCT_20):
            first_globex.write({"stage_id": self.stage_new.id})
        self.assertEqual((first_acme.active, first_globex.won_status), (False, "pending"))
        # November: the salesman wins Acme (through a contact), Globex and Initech
        self.deal(self.salesman, buyer, NOV_5)
        self.deal(self.salesman, globex, NOV_5)
        initech_deal = self.deal(self.salesman, initech, NOV_10)
        rule = self.make_rule("new_clients", target=2, window_days=30)
        rule.evaluate(date=NOVEMBER)
        result = self.result(rule, self.salesman, NOVEMBER)
        self.assertEqual((result.value, result.record_ids), (1, initech_deal.ids))


@freeze_time(NOW)
class TestDeclinedOrganiser(KpiCase):
    """An organiser who declined their own meeting does not have it counted."""

    def decline(self, event, user):
        event.attendee_ids.filtered(lambda a: a.partner_id == user.partner_id).do_decline()

    def test_meetings(self):
        rule = self.make_rule("meetings_planned", target=10, window_days=14)
        client = self.env["res.partner"].create({"name": "Client"})
        declined = self.event(self.salesman, utc(days=2),
                              attendees=self.salesman.partner_id | client)
        self.decline(declined, self.salesman)
        counted = (
            self.event(self.salesman, utc(days=3))  # accepted by default
            # organised for others, without an attendee record of the organiser: counted
            | self.event(self.salesman, utc(days=4), attendees=client)
        )
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, sorted(result.record_ids)), (2, sorted(counted.ids)))

    def test_kam_coverage(self):
        rule = self.make_rule("kam_coverage", profiles=self.profile_kam, target=100,
                              window_days=90)
        Partner = self.env["res.partner"]
        account, other = Partner.create([
            {"name": "Key %s" % i, "is_company": True, "user_id": self.kam.id} for i in (1, 2)])
        buyers = Partner.create([{"name": "Buyer", "parent_id": p.id} for p in (account, other)])
        declined = self.event(self.kam, utc(days=-5), attendees=self.kam.partner_id | buyers[0])
        self.decline(declined, self.kam)
        self.event(self.kam, utc(days=-6), attendees=self.kam.partner_id | buyers[1])
        rule.evaluate()
        result = self.result(rule, self.kam)
        self.assertEqual((result.value, result.record_ids), (50.0, other.ids))
        # accepted after all: the meeting covers the account
        declined.attendee_ids.filtered(lambda a: a.partner_id == self.kam.partner_id).do_accept()
        rule.evaluate()
        self.assertEqual(self.result(rule, self.kam).value, 100.0)
