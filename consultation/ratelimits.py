"""Per-person rate limits on contributions, counted in the cache by django-ratelimit."""

from django.conf import settings
from django_ratelimit.core import is_ratelimited


def over_limit(request, kind: str) -> bool:
    """Count this request against the person's limit for `kind`; True when over it."""
    return is_ratelimited(
        request,
        group=f"consultation.{kind}",
        key="user_or_ip",
        rate=settings.RATELIMIT_RATES[kind],
        method="POST",
        increment=True,
    )
