"""What the digests hold about a person: the record of each digest sent to them. The records
stay when the account is deleted (they name no one once the account is anonymised) and are
forgotten after the retention (digest_records_clean_up). A mail server's error that quoted
their address keeps the error without it."""

from core import privacy

from .models import DigestRecord


def _export(user) -> dict:
    records = DigestRecord.objects.filter(user=user).order_by("period_start", "pk")
    return {
        "digests": [
            {
                "frequency": r.frequency,
                "period_start": r.period_start,
                "status": r.status,
                "sent_at": r.sent_at,
            }
            for r in records
        ]
    }


def _forget(user, names, addresses) -> None:
    privacy.rows_unname(DigestRecord.objects.all(), ["error"], addresses, "…")


privacy.register(models=["digests.DigestRecord"], export=_export, forget=_forget)
