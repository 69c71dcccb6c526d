"""The xml ids of the addon's groups (``security/kpi_security.xml``), one definition each, for
``has_group``, ``env.ref`` and the ``groups=`` of fields."""

MANAGER_GROUP = "kpi_management.group_kpi_manager"
#: among others, who assigns users to profiles (from the profile form), without
#: user-administration rights
ADMIN_GROUP = "kpi_management.group_kpi_admin"
OFFICER_GROUP = "kpi_management.group_kpi_bonus_officer"
