"""WSGI entry point served by gunicorn or `flask run`; it never starts the scheduler."""

from concertation import create_app

app = create_app()
