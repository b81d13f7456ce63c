"""Attendance, minutes, decisions linked to the contracts, action items and turnout statistics."""
