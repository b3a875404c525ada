"""DRF's anon/user throttles, reading their rates from the settings at each request (DRF's
own read them once, at import), so that tests and deployments can change them."""

from rest_framework import throttling
from rest_framework.settings import api_settings


class _LiveRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonRateThrottle(_LiveRates, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_LiveRates, throttling.UserRateThrottle):
    pass
