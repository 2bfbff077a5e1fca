"""Settings for the benchmark server: the production settings plus the baseline routes."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The load generator sends more than the default per-user rate on purpose.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
