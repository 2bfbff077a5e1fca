import os

from django.core.wsgi import get_wsgi_application

from config.env import settings_or_exit
from core import tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
settings_or_exit("wsgi")
# Gunicorn imports this module in each worker, after the fork (runserver, in the process
# that serves): before the application is built, which reads the middleware list.
tracing.start()
application = get_wsgi_application()
