"""The organiser's mailbox, read over IMAP: the connection (imap.py) and what each message is (classify.py,
bounces.py). Pure reading: applying what was read belongs to the invitations domain (invitations/inbox.py)."""
