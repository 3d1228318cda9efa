#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

With DATABASE_URL or REDIS_URL unset, it first starts the embedded server for it (see
irtkb/embedded.py) so that ``manage.py load_dataset`` and friends work on a bare machine.
"""

import os
import sys

# Commands that only print: starting a database for them would be a surprise.
_NO_SERVERS = {"help", "--help", "-h", "version", "--version"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irtkb.settings")
    if len(sys.argv) > 1 and sys.argv[1] not in _NO_SERVERS:
        from irtkb import embedded

        embedded.start_missing()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
