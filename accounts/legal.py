"""The current versions of the texts a person consents to at sign-up.

Bump a version when its template (templates/legal/<document>.html) changes materially:
consents record the version that was accepted.
"""

TERMS_VERSION = "2026-11-01"
PRIVACY_VERSION = "2026-11-01"
