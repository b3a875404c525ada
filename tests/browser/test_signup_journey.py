"""A reader of a recommendation signs up from its page (name, e-mail, password, stakeholder
group, declaration of interests, consents in one form), follows the link of the verification
e-mail read from the file outbox, and is signed in, back on that recommendation, with nothing
left to declare. Then the other allauth pages: e-mail, password, sign-in with an error,
password reset. axe-core finds no accessibility violation on any of them."""

import re

from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from accounts import legal
from accounts.models import User
from tests.browser.signin import label

PASSWORD = "a-long and unusual passphrase 42"


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, live_server, path: str) -> str:
    link = re.search(rf"https?://\S+{path}\S+/", text_of(message)).group(0)
    assert link.startswith(live_server.url)
    return link


def test_sign_up_from_a_recommendation_and_land_back_on_it_signed_in(
    page, live_server, migrated_rows, file_outbox, recommendation, axe
):
    here = recommendation.get_absolute_url()
    page.goto(here)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    assert axe(page) == []

    page.get_by_label(label("Email")).fill("nina.new@example.org")
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Password (again)")).fill(PASSWORD)
    page.get_by_label(label("Your name")).fill("Nina New")
    page.get_by_label(label("Organisation")).fill("Belgian Patients")
    page.get_by_label(label("Stakeholder group")).select_option(label="Patient organisation")
    declaration = page.get_by_label("Declaration of interests")
    # Why it is asked, said with the field (and read with it: aria-describedby).
    expect(declaration).to_have_accessible_description(re.compile("Readers weigh a contribution"))
    page.get_by_label("I accept the terms of participation").check()
    page.get_by_label("I have read the privacy notice").check()
    # Forgotten: the error is shown as the site shows errors, the rest is kept.
    page.get_by_role("button", name="Sign Up").click()
    expect(page.locator(".field .error")).to_have_text(["This field is required."])
    expect(page.get_by_label(label("Your name"))).to_have_value("Nina New")
    assert axe(page) == []
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Password (again)")).fill(PASSWORD)
    page.get_by_label("Declaration of interests").fill("None.")
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    assert axe(page) == []
    user = User.objects.get(email="nina.new@example.org")
    assert (user.interests, user.has_declared_interests) == ("None.", True)
    assert set(user.consents.values_list("document", "version")) == {
        ("terms", legal.TERMS_VERSION),
        ("privacy", legal.PRIVACY_VERSION),
    }

    # The verification message, from the file outbox, opened in the same browser.
    (message,) = file_outbox()
    assert message["To"] == "nina.new@example.org"
    page.goto(link_in(message, live_server, "/accounts/confirm-email/"))
    assert axe(page) == []
    page.get_by_role("button", name="Confirm").click()

    # Signed in, back on the recommendation, asked for nothing more.
    expect(page).to_have_url(live_server.url + here)
    assert EmailAddress.objects.get(user=user).verified
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Nina New")).to_be_visible()
    expect(page.get_by_text("Declare your interests")).to_have_count(0)
    expect(page.get_by_role("button", name="Post comment")).to_be_visible()
    nav.get_by_role("link", name="Nina New").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your stakeholder profile")
    expect(page.get_by_label("Declaration of interests")).to_have_value("None.")
    expect(page.locator(".notice")).to_have_count(0)

    # The account's allauth pages, in the site's layout.
    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="E-mail address"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email Address")
    assert axe(page) == []
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change Password")
    assert axe(page) == []

    # Sign out; a wrong password on the sign-in page; the password reset.
    page.get_by_role("button", name="Sign out").click()
    nav.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
    page.get_by_label(label("Email")).fill("nina.new@example.org")
    page.get_by_label(label("Password")).fill("not the password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("form.stacked .message-error")).to_contain_text("not correct")
    assert axe(page) == []
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password Reset")
    assert axe(page) == []
    page.get_by_label(label("Email")).fill("nina.new@example.org")
    page.get_by_role("button", name="Reset My Password").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/done/$"))
    assert axe(page) == []
    reset = file_outbox()[-1]
    page.goto(link_in(reset, live_server, "/accounts/password/reset/key/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Change Password")
    assert axe(page) == []

    assert page.console_errors == []
