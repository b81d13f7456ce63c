"""Meetings: Rendez-vous de Territoire, concertations, agenda, composition rules and invitee lists."""
