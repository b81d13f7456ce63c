"""The answer links' tokens now live in `concertation.core.tokens`; this name stays for the callers outside
the package (scripts, benchmarks) that import it from here."""

from __future__ import annotations

from concertation.core.tokens import MAX_AGE_SECONDS, SALT, InvalidToken, TokenClaims, make_token, read_token

__all__ = ["MAX_AGE_SECONDS", "SALT", "InvalidToken", "TokenClaims", "make_token", "read_token"]
