import logging


class CacheUnavailable(logging.Filter):
    """django-redis logs each call it answers without Redis (DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS)
    at ERROR with the traceback; while Redis is down that is expected, and one warning line per
    call says enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1].__cause__ or record.exc_info[1]
            record.msg = "Cache unavailable, carrying on without it: %s"
            record.args = (f"{error.__class__.__name__}: {error}",)
            record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
