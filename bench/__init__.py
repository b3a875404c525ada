"""`make bench`: page timings and SQL query counts on generated data, served by gunicorn.

A benchmark, not a test: nothing under tests/ times anything. Run `python -m bench --help`.
"""
