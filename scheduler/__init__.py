"""The one scheduler process (`python -m scheduler`): periodic jobs that poll the database."""
