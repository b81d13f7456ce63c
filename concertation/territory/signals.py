"""Signals sent by territory services, so that the people domain can follow the bodies it refers to.

Territory must not import people (dependencies point one way); the receivers run synchronously inside
the caller's transaction, so what they remove goes or stays with the change.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the Syndicate about to be deleted; a receiver removes the mandates held in it and returns
#: how many it removed
syndicate_deleting = _signals.signal("syndicate-deleting")
