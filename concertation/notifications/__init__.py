"""Notifications: email builders, iCalendar objects, the outbox and its sender."""
