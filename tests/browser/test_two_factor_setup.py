"""A new moderator opens the moderation queue and is sent to set up two-factor authentication:
allauth asks for their password again (a page that says nothing of QR codes), the set-up page
says why, shows the QR code and a secret they can copy; a code from their app activates it,
the recovery codes follow, and one click takes them back to the queue. axe-core finds no
accessibility violation on any of these pages, nor on the two-factor overview and its
re-authentication page."""

import re
import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from accounts.models import User
from accounts.rules import MODERATORS
from tests.browser.signin import label, log_in

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def current_code(secret: str) -> str:
    counter = int(time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def test_a_moderator_sets_up_two_factor_and_returns_to_the_queue(
    page, live_server, migrated_rows, make_person, axe
):
    moderator = make_person(
        "mod@example.org", groups=[MODERATORS], display_name="Mo Derator", is_staff=True
    )
    log_in(page, live_server, moderator)
    # (the live server's first request loads the whole URLconf: slow on a busy machine)
    page.goto("/moderation/", timeout=40_000)

    # Re-authentication first: no set-up wording, no code to scan.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    expect(page.locator("main")).not_to_contain_text("code")
    expect(page.locator("main")).not_to_contain_text("two-factor")
    assert axe(page) == []
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    # The set-up page: why, the QR code, the secret to copy.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.locator("#two-factor-needed")).to_contain_text(
        "Moderators and administrators must set up two-factor authentication"
    )
    expect(page.get_by_role("img", name="QR code of your authenticator secret")).to_be_visible()
    secret_field = page.get_by_label("Authenticator secret")
    expect(secret_field).to_be_editable(editable=False)
    expect(secret_field).to_be_enabled()  # selectable, so copyable
    secret = secret_field.input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    box = secret_field.bounding_box()
    assert box["width"] >= 300  # the whole secret in view
    assert axe(page) == []
    # A wrong code: the site's error, nothing activated.
    page.get_by_label(label("Authenticator code")).fill("000000")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator(".field .error")).to_have_text(["Incorrect code."])
    assert axe(page) == []
    page.get_by_label(label("Authenticator code")).fill(current_code(secret))
    page.get_by_role("button", name="Activate").click()

    # The recovery codes, then back to the queue.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    expect(page.get_by_label("Unused codes")).not_to_be_empty()
    assert axe(page) == []
    page.get_by_role("link", name="I have saved them: continue where I was going").click()
    expect(page).to_have_url(live_server.url + "/moderation/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Moderation")
    assert axe(page) == []
    assert User.objects.get(pk=moderator.pk).authenticator_set.count() == 2  # TOTP, codes

    # The two-factor overview and its own re-authentication page, in the site's layout.
    page.goto("/accounts/2fa/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    expect(page.locator("section.card")).to_have_count(2)
    assert axe(page) == []
    page.goto("/accounts/2fa/reauthenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    expect(page.get_by_label(label("Code"))).to_be_visible()
    assert axe(page) == []
    # Straight to the set-up page later: no "you were sent here" notice.
    page.goto("/accounts/2fa/recovery-codes/")
    expect(page.locator("#two-factor-continue")).to_have_count(0)

    assert page.console_errors == []
