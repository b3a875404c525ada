"""What the API holds about a person: their personal tokens (never the keys nor the keys'
hashes in the download) and the idempotency keys of their writes; deleting the account
deletes them."""

from core import privacy

from .models import ApiToken, IdempotencyKey


def _export(user) -> dict:
    return {
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in ApiToken.objects.filter(user=user).order_by("pk")
        ],
        # The keys of their retried writes, kept 24 hours (the stored answers are ours).
        "idempotency_keys": [
            {"key": k.key, "status_code": k.status_code, "created_at": k.created_at}
            for k in IdempotencyKey.objects.filter(user=user).order_by("pk")
        ],
    }


def _erase(user) -> None:
    ApiToken.objects.filter(user=user).delete()
    IdempotencyKey.objects.filter(user=user).delete()


privacy.register(models=["api.ApiToken", "api.IdempotencyKey"], export=_export, erase=_erase)
