"""What the API holds about a person: their personal tokens (never the keys nor the keys'
hashes in the download) and the idempotency keys of their writes; deleting the account
deletes them. Other people's kept answers (a moderator's, a reply's) that named them name
"Former participant" instead, as the same request would answer now."""

import json

from accounts.models import PSEUDONYM
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


def _forget(user, names, addresses) -> None:
    # Kept 24 hours, for retries: replayed as they are, so rewritten rather than deleted (a
    # retry must still find its key, or it would write twice). Few rows: read in Python (a
    # body is bytes, which no lookup searches alike on every database). An address goes
    # wherever it stands; a name only where it is a whole value (an author's "name"): the
    # same words in someone's comment may be about someone else.
    quoted = [json.dumps(name, ensure_ascii=False) for name in names]
    rewritten = []
    for row in IdempotencyKey.objects.only("pk", "body").iterator():
        body = bytes(row.body).decode("utf-8", "replace")
        if privacy.names_any(body, [*quoted, *addresses]):
            body = privacy.unname(body, quoted, json.dumps(PSEUDONYM))
            row.body = privacy.unname(body, addresses, PSEUDONYM).encode()
            rewritten.append(row)
    IdempotencyKey.objects.bulk_update(rewritten, ["body"], batch_size=500)


privacy.register(
    models=["api.ApiToken", "api.IdempotencyKey"], export=_export, erase=_erase, forget=_forget
)
