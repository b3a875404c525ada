"""The signed token of a digest's unsubscribe link: it names the person, needs no login and
does not expire (RFC 8058: the link must keep working from an old message)."""

from django.core import signing

from accounts.models import User

SALT = "digests.unsubscribe"


def unsubscribe_token(user: User) -> str:
    return signing.Signer(salt=SALT).sign(str(user.pk))


def user_from_unsubscribe_token(token: str) -> User | None:
    try:
        pk = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=pk, deleted_at__isnull=True).first()
