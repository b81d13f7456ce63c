"""The documents of a meeting: the dossier de séance generated from the contracts, and attached files.

Above minutes (a concertation's dossier lists the decisions and open actions of the previous sessions);
the documents themselves (`MeetingDocument`) are rows of the meetings domain, so that the invitations
below can list them in their emails and on the answer page.
"""
