"""``python -m eutils_replay``: see eutils_replay/cli.py."""

from __future__ import annotations

import sys

from eutils_replay.cli import main

sys.exit(main())
