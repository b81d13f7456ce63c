"""People: élus and contacts, with their dated mandates."""
