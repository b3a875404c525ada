"""The scale bench's settings: the bench's (DEBUG off, query counts in headers) on the database
named by DATABASE_URL itself, with bare Django's ceiling pages beside the site's."""

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES, env

DATABASES["default"]["NAME"] = env.db_url_config(env("DATABASE_URL"))["NAME"]
ROOT_URLCONF = "bench.scale.ceiling"
# As production has it: a cache shared by the workers (Redis) when one is named.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
