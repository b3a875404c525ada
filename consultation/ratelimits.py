"""Per-person rate limits on contributions, counted in the cache by django-ratelimit."""

from django.conf import settings
from django.utils.translation import gettext_lazy
from django_ratelimit.core import get_usage

from core.throttling import throttled_text

CONTRIBUTING_TOO_FAST = gettext_lazy("You are contributing faster than this consultation allows.")


def over_limit(request, kind: str) -> int:
    """Count this request against the person's limit for `kind`: the seconds to wait before
    the limit's window ends when over it, 0 otherwise."""
    usage = get_usage(
        request,
        group=f"consultation.{kind}",
        key="user_or_ip",
        rate=settings.RATELIMIT_RATES[kind],
        method="POST",
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return 0
    return max(1, usage["time_left"])


def too_fast(seconds: int) -> str:
    """The refusal, saying when to try again."""
    return throttled_text(str(CONTRIBUTING_TOO_FAST), seconds)
