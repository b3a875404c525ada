"""A stakeholder signs up with the consents, follows the link of the verification e-mail read
from the file outbox, signs in, fills in the profile with the declaration of interests and
signs out."""

import re

from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from accounts import legal
from accounts.models import User

PASSWORD = "a-long and unusual passphrase 42"


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_sign_up_verify_sign_in_fill_the_profile_and_sign_out(
    page, live_server, migrated_rows, file_outbox
):
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    # (allauth's form labels end with a colon)
    page.get_by_label("Email:", exact=True).fill("nina.new@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):", exact=True).fill(PASSWORD)
    page.get_by_label("Your name:", exact=True).fill("Nina New")
    page.get_by_label("Organisation:", exact=True).fill("Belgian Patients")
    page.get_by_label("Stakeholder group:", exact=True).select_option(label="Patient organisation")
    page.get_by_label("I accept the terms of participation").check()
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    user = User.objects.get(email="nina.new@example.org")
    assert set(user.consents.values_list("document", "version")) == {
        ("terms", legal.TERMS_VERSION),
        ("privacy", legal.PRIVACY_VERSION),
    }

    # The verification message, from the file outbox.
    (message,) = file_outbox()
    assert message["To"] == "nina.new@example.org"
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", text_of(message)).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    assert EmailAddress.objects.get(user=user).verified

    page.get_by_label("Email:", exact=True).fill("nina.new@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(live_server.url + "/")

    # The profile, with the declaration of interests.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Nina New").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your stakeholder profile")
    expect(page.get_by_label("Your name")).to_have_value("Nina New")
    expect(page.get_by_label("Organisation", exact=True)).to_have_value("Belgian Patients")
    page.get_by_label("Position", exact=True).fill("Policy officer")
    page.get_by_label("Declaration of interests").fill("None.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#alerts")).to_contain_text("Your profile is saved.")
    user.refresh_from_db()
    assert (user.job_title, user.interests) == ("Policy officer", "None.")
    assert user.interests_declared_at is not None

    page.get_by_role("button", name="Sign out").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    ).to_be_visible()
    page.goto("/accounts/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/accounts/profile/$"))

    assert page.console_errors == []
