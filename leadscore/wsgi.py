"""WSGI entry point: `gunicorn leadscore.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadscore.settings")
application = get_wsgi_application()
