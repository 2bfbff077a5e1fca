import os

from django.core.asgi import get_asgi_application

from core import tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
tracing.start()  # before the application is built, which reads the middleware list
application = get_asgi_application()
