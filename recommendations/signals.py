"""The catalogue's one event: its wording changed (an administrator's rewording), sent inside
the change's transaction. The dialogue, above, reacts in consultation/receivers.py; the
catalogue imports nothing of it."""

from django.dispatch import Signal

# recommendation, version (the new RecommendationVersion).
wording_changed = Signal()
