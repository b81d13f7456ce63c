"""The date poll: before a concertation is convoked, its invitees say which proposed half-days suit them.

Above invitations (choosing a slot leads to the convocation) and below minutes. A poll never writes a
calendar object: its emails carry no text/calendar part, so nothing lands in an agenda before the date
is chosen.
"""
