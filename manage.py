#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

Before Django reads its settings:
- where no SECRET_KEY is set, the choices the last `make run` recorded (DEBUG, OFFLINE) are
  applied (irtkb/local_env.py), so the README's commands work as written;
- with DATABASE_URL or REDIS_URL unset, the embedded server for it is started
  (irtkb/embedded.py), so ``manage.py load_dataset`` and friends work on a bare machine;
- with OFFLINE=1 and no EUTILS_BASE_URL, a replay server on the bundled records runs for the
  command's lifetime and the command talks to it instead of NCBI.
"""

import contextlib
import os
import sys
from pathlib import Path

# Commands that only print: starting a database for them would be a surprise.
_NO_SERVERS = {"help", "--help", "-h", "version", "--version"}
OFFLINE_FIXTURES = Path(__file__).resolve().parent / "papers" / "dataset" / "pubmed"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irtkb.settings")
    from irtkb import local_env

    local_env.apply()
    with contextlib.ExitStack() as stack:
        if len(sys.argv) > 1 and sys.argv[1] not in _NO_SERVERS:
            from irtkb import embedded

            embedded.start_missing()
            if os.environ.get("OFFLINE") == "1" and not os.environ.get("EUTILS_BASE_URL"):
                from eutils_replay import running_replay_server

                server = stack.enter_context(running_replay_server(OFFLINE_FIXTURES))
                os.environ["EUTILS_BASE_URL"] = server.base_url
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
