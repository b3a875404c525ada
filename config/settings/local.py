"""The embedded default for `make run`: everything on this machine, no services needed."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
