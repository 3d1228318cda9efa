"""Create the Curator and Editor groups with their permissions (see papers/roles.py).

The permission rows are normally made after all migrations (post_migrate), so on a fresh
database they do not exist yet when this runs: create them first, the known idiom for data
migrations that grant permissions. Names and codenames are spelled out here, not imported, so
that this migration keeps doing what it did when the app's code changes.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATOR = ("add_evidencenote", "change_evidencenote", "view_evidencenote")
ROLES = {"Curator": CURATOR, "Editor": (*CURATOR, "publish_evidencenote")}


def create_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    # create_permissions skips app configs without a models module, which is what the
    # migration state's configs look like; the real config passes that check, and the
    # historical models (apps=) are what it then reads.
    create_permissions(global_apps.get_app_config("papers"), apps=apps, using=using, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        permissions = list(
            Permission.objects.using(using).filter(
                content_type__app_label="papers", codename__in=codenames
            )
        )
        if len(permissions) != len(codenames):
            raise RuntimeError(f"permissions missing for the {name} group: {codenames}")
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(permissions)


def delete_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # 0004 adds the publish permission to EvidenceNote's options.
        ("papers", "0004_evidence_publish_permission"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
