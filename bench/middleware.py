"""Counts a request's SQL queries and times it; used only by bench/settings.py."""

import time

from django.db import connection


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class QueryCountMiddleware:
    """Adds X-Query-Count (SQL statements run) and X-Server-Time-Ms to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _Counter()
        start = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Server-Time-Ms"] = f"{(time.perf_counter() - start) * 1000:.3f}"
        response["X-Query-Count"] = str(counter.count)
        return response
