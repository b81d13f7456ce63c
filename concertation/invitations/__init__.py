"""Invitations: one per invitee of a convoked meeting, with its answer (RSVP link or iTIP REPLY)."""
