"""`python -m bench.scale load --size S|M|L` and `python -m bench.scale measure`: the platform
grown to a real consultation's size on PostgreSQL, and every heavy page timed at that size."""
