import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their models) lives as long as the process:
# keep it out of the garbage collector's full passes, which otherwise scan it all and stall
# a request now and then (a page that builds many model instances triggers them often).
gc.freeze()
