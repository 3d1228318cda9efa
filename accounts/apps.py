from __future__ import annotations

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        """Shorten staff sessions at login; keep the role groups present after a flush."""
        from accounts.groups import ensure_role_groups
        from accounts.sessions import shorten_staff_session

        user_logged_in.connect(shorten_staff_session, dispatch_uid="irtkb-staff-session")
        # The data migration creates the groups once; `flush` (and every TransactionTestCase)
        # empties the tables and re-sends post_migrate, after which the site would have no
        # roles at all. Groups that still exist are left as admins configured them.
        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="irtkb-role-groups")
