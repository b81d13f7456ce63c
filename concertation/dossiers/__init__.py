"""The documents of a meeting: the dossier de séance generated from the contracts, and attached files.

Above minutes (a concertation's dossier lists the decisions and open actions of the previous sessions);
the documents themselves (`MeetingDocument`) are rows of the meetings domain, so that the invitations
below can list them in their emails and on the answer page.

- `content` builds a `Dossier` (plain values) from the meeting (`meeting_part`), its contract
  (`concertation`) or its sector (`rendezvous`), reusing the contracts' own figures;
- `render` lays it out (templates/dossiers/, French typography from `typography`) and prints the PDF;
- `services.generate_dossier` stores it as the next version; `routes` is the organisers' pages.
"""
