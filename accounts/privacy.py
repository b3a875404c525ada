"""The account itself (profile, preferences, consents, addresses, invitations) is exported
by accounts.selectors.user_data_export and erased by accounts.services.account_delete, which
call every other app's part through core.privacy."""

from core import privacy

privacy.register(models=["accounts.User", "accounts.Invitation", "accounts.Consent"])
