"""Follow-up: reminders and the annual cycle, computed by polling the database (run by the scheduler)."""
