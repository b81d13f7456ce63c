"""gunicorn settings for production: `gunicorn --config gunicorn.conf.py wsgi:app` (`make serve-prod`).

- workers: WEB_CONCURRENCY (default 4), synchronous; each builds its own app and connection pool after
  the fork (no preload: a database connection must never be shared between processes);
- bind: 127.0.0.1:$PORT (default 8000), behind the reverse proxy that terminates HTTPS;
- no access log: the application writes one JSON line per request itself (concertation.observability),
  with its request id, and gunicorn's own messages go through the same handler and format;
- gunicorn never starts the scheduler: `python -m scheduler` is one separate process (no server hooks here).

Any setting can still be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import os

from concertation.observability import gunicorn_logconfig

bind = f"127.0.0.1:{int(os.environ.get('PORT', '8000'))}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
# A worker silent for this long is killed and replaced; a 1,000-invitee convocation takes a few seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# Workers are recycled now and then, so that a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = "127.0.0.1"
proc_name = "concertation"

accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = gunicorn_logconfig()
# gunicorn's control socket is one fixed path per user: two instances on one machine would fight over it.
control_socket_disable = True
