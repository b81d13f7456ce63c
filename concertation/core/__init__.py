"""Cross-cutting helpers shared by every domain (time, column types, access control)."""
