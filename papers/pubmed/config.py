"""Settings for the NCBI client, gathered once into a plain value."""

from __future__ import annotations

from dataclasses import dataclass

NCBI_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"


@dataclass(frozen=True)
class NcbiConfig:
    """Where and how to call E-utilities. ``config_from_settings()`` builds the app's one."""

    base_url: str = NCBI_EUTILS_URL
    email: str | None = None
    api_key: str | None = None
    tool: str = "irtkb"
    timeout_seconds: float = 30.0
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Every process that shares this Redis key shares one request budget.
    rate_limit_key: str = "irtkb:ncbi:rate"
    max_attempts: int = 5
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 30.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {self.base_url!r}")
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")
        if self.timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be > 0, got {self.timeout_seconds}")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")

    @property
    def requests_per_second(self) -> int:
        """Return NCBI's limit for this configuration: 10 with an API key, else 3."""
        return 10 if self.api_key else 3


def config_from_settings() -> NcbiConfig:
    """Return the client configuration from Django settings (NCBI_*, EUTILS_BASE_URL, REDIS_URL)."""
    from django.conf import settings

    return NcbiConfig(
        base_url=settings.EUTILS_BASE_URL,
        email=settings.NCBI_EMAIL or None,
        api_key=settings.NCBI_API_KEY or None,
        tool=settings.NCBI_TOOL or "irtkb",
        timeout_seconds=float(settings.NCBI_TIMEOUT_SECONDS),
        redis_url=settings.NCBI_RATE_LIMIT_REDIS_URL or settings.REDIS_URL,
        rate_limit_key=settings.NCBI_RATE_LIMIT_KEY,
        max_attempts=settings.NCBI_MAX_ATTEMPTS,
        backoff_base_seconds=settings.NCBI_BACKOFF_BASE_SECONDS,
    )
