"""Entry point for gunicorn: `gunicorn wsgi:app`.

What gunicorn serves is production unless REVIEWAPP_CONFIG names another configuration, so a
server started without set-up refuses to run on the development session key.
"""

import os

from reviewapp import create_app

app = create_app(os.environ.get("REVIEWAPP_CONFIG") or "production")
