from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.groups import ADMIN_GROUP

#: 3-5 KPIs motivate, 10 do not, 20 demotivate (source material).
MOTIVATING_KPI_COUNT = 5


class KpiProfile(models.Model):
    _name = "kpi.profile"
    _description = "KPI Profile"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    rule_ids = fields.Many2many(
        "kpi.rule",
        "kpi_rule_profile_rel",
        "profile_id",
        "rule_id",
        string="KPI Rules",
    )
    user_ids = fields.One2many(
        "res.users", "kpi_profile_id", string="Users",
        help="The users holding this profile. KPI administrators assign and unassign them here "
        "(only their KPI profile is written; users are created and edited in Settings > Users).",
    )
    rule_count = fields.Integer(compute="_compute_counts")
    user_count = fields.Integer(compute="_compute_counts")
    kpi_count_warning = fields.Char(compute="_compute_counts")

    _name_unique = models.Constraint("UNIQUE(name)", "A KPI profile with this name already exists.")

    @api.depends("rule_ids", "rule_ids.active", "user_ids")
    def _compute_counts(self):
        for profile in self:
            active_rules = profile.rule_ids.filtered("active")
            profile.rule_count = len(active_rules)
            profile.user_count = len(profile.user_ids)
            profile.kpi_count_warning = (
                _(
                    "This profile has %s KPIs. 3-5 KPIs motivate a person, 10 do not, 20 "
                    "demotivate: keep the few that matter.",
                    len(active_rules),
                )
                if len(active_rules) > MOTIVATING_KPI_COUNT
                else False
            )

    # ------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [dict(vals) for vals in vals_list]
        user_commands = [vals.pop("user_ids", None) for vals in vals_list]
        profiles = super().create(vals_list)
        for profile, commands in zip(profiles, user_commands, strict=True):
            if commands:
                profile._assign_users(commands)
        return profiles

    def write(self, vals):
        vals = dict(vals)
        assigning = "user_ids" in vals
        commands = vals.pop("user_ids", None)
        res = super().write(vals)
        if "active" in vals or "rule_ids" in vals:
            # the KPIs of its users changed: the reminders of those that no longer apply
            # close now (the users assigned or unassigned below: res.users.write)
            self.env["kpi.result"].sudo()._sync_open_reminders(
                users=self.with_context(active_test=False).user_ids)
        if assigning:
            for profile in self:
                profile._assign_users(commands)
        return res

    # --------------------------------------------------------------- business
    def _assign_users(self, commands):
        """Apply the x2many ``commands`` of ``user_ids`` (link, unlink, set, clear) by writing
        only ``kpi_profile_id`` on the users, as superuser: a KPI administrator assigns and
        unassigns profiles without being a user administrator. Creating or deleting users, or
        changing any other field of theirs through the profile, is refused."""
        self.ensure_one()
        self.check_access("write")
        if not (self.env.su or self.env.user.has_group(ADMIN_GROUP)):
            raise AccessError(_("Only KPI administrators assign users to KPI profiles."))
        users = self.env["res.users"].sudo().with_context(active_test=False)
        holders = set(self.user_ids.ids)  # active holders, as the one2many shows them
        wanted = {}  # user id -> profile id (or False) after the commands

        def profile_of(user_id):
            return wanted[user_id] if user_id in wanted else users.browse(user_id).kpi_profile_id.id

        for command in self._normalize_user_commands(commands):
            code = command[0]
            if code == Command.LINK:
                wanted[command[1]] = self.id
                holders.add(command[1])
            elif code == Command.UNLINK:
                if profile_of(command[1]) == self.id:
                    wanted[command[1]] = False
                holders.discard(command[1])
            elif code in (Command.CLEAR, Command.SET):
                new = set(command[2]) if code == Command.SET else set()
                for user_id in holders - new:
                    wanted[user_id] = False
                for user_id in new:
                    wanted[user_id] = self.id
                holders = new
            elif code == Command.UPDATE:
                self._check_profile_only(command[1], command[2])
                if "kpi_profile_id" in command[2]:
                    wanted[command[1]] = command[2]["kpi_profile_id"] or False
                    holders.discard(command[1])
                    if wanted[command[1]] == self.id:
                        holders.add(command[1])
            elif code == Command.CREATE:
                raise UserError(_(
                    "Users are not created from KPI profile %s: create them in Settings > "
                    "Users, then assign the profile here.", self.name))
            else:  # Command.DELETE
                raise UserError(_(
                    "Users are not deleted from KPI profile %s: remove them from the list to "
                    "unassign the profile.", self.name))
        # the caller may read the users assigned (a user of another company stays hidden)
        self.env["res.users"].browse(list(wanted)).check_access("read")
        by_profile = {}
        for user_id, profile_id in wanted.items():
            if users.browse(user_id).kpi_profile_id.id != profile_id:
                by_profile.setdefault(profile_id, []).append(user_id)
        for profile_id, user_ids in by_profile.items():
            users.browse(user_ids).write({"kpi_profile_id": profile_id})

    @api.model
    def _normalize_user_commands(self, value):
        """``user_ids`` values as commands, the way the ORM reads them (ids, a recordset,
        False are a SET or a CLEAR)."""
        if isinstance(value, models.BaseModel):
            return [Command.set(value.ids)]
        if value is False or value is None:
            return [Command.clear()]
        if isinstance(value, tuple) or (value and not isinstance(value[0], (tuple, list))):
            return [Command.set(list(value))]
        return value

    def _check_profile_only(self, user_id, values):
        """An update of a user through the profile may change their KPI profile only."""
        others = set(values) - {"kpi_profile_id"}
        if others:
            user = self.env["res.users"].sudo().browse(user_id)
            raise AccessError(_(
                "From KPI profile %(profile)s you can only assign or unassign users, not change "
                "%(fields)s of %(user)s: a user administrator does that in Settings > Users.",
                profile=self.name, user=user.name, fields=", ".join(sorted(others))))
