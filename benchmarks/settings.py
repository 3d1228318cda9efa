"""Settings for `make bench-web`: production settings plus a bare view to compare against.

Only the benchmark uses this module; the production URLconf never contains /bench/bare/.
"""

from irtkb.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
