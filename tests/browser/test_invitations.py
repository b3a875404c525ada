"""A consultation admin invites people from a CSV file and reads the report line by line; an
invitee follows the link of the e-mail to a pre-filled sign-up form and is in at once; the
admin sees the invitation accepted."""

import re

from playwright.sync_api import expect

from accounts.models import Invitation, User
from tests.browser.signin import label, log_in

PASSWORD = "a-long and unusual passphrase 42"
CSV = """\
email,name,organisation,stakeholder_group
ann@example.org,Ann Invitee,Hospital AZ,hospital
not-an-address,Bad Address,,
bob@example.org,Bob Invitee,Pharma NV,astrology
cy@example.org,Cy Invitee,,Patient organisation
"""


def test_invite_by_csv_read_the_report_and_the_invitee_signs_up_through_the_link(
    migrated_rows, page, live_server, settings, file_outbox, consultation_admin, with_totp, eager
):
    settings.SITE_URL = live_server.url
    log_in(page, live_server, with_totp(consultation_admin))
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    expect(page.locator("main")).to_contain_text("No invitations yet.")

    page.get_by_role("link", name="Invite from a CSV file").first.click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Upload and invite").click()

    report = page.get_by_role("region", name="Import report")
    expect(report.get_by_role("status")).to_have_text("2 invitations sent, 2 problems.")
    expect(report.locator("ul.invited li")).to_have_text(
        ["ann@example.org (Ann Invitee)", "cy@example.org (Cy Invitee)"]
    )
    expect(report.locator("ul.import-errors li")).to_have_text(
        [
            "line 3: “not-an-address” is not a valid e-mail address.",
            re.compile(r"^line 4: unknown stakeholder group “astrology”; use one of academia"),
        ]
    )

    # The list shows them sent.
    page.get_by_role("link", name="All invitations").click()
    ann = Invitation.objects.get(email="ann@example.org")
    row = page.locator(f"#invitation-{ann.pk}")
    expect(row).to_contain_text("Ann Invitee")
    expect(row).to_contain_text("Hospital and healthcare professionals")
    expect(row.locator(".invitation-status")).to_contain_text("Sent")

    # Ann follows the link of her e-mail: the form is filled in; she is in at once.
    (message,) = [m for m in file_outbox() if m["To"] == "ann@example.org"]
    assert len(file_outbox()) == 2
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/accounts/signup/\?invitation=[\w-]+", text).group(0)
    assert link.startswith(live_server.url)
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_label(label("Email"))).to_have_value("ann@example.org")
    expect(page.get_by_label(label("Your name"))).to_have_value("Ann Invitee")
    expect(page.get_by_label(label("Organisation"))).to_have_value("Hospital AZ")
    expect(page.get_by_label(label("Stakeholder group"))).to_have_value(
        str(ann.stakeholder_group_id)
    )
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Password (again)")).fill(PASSWORD)
    page.get_by_label(label("Declaration of interests")).fill("None.")
    page.get_by_label("I accept the terms of participation").check()
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(live_server.url + "/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Ann Invitee")).to_be_visible()
    assert len(file_outbox()) == 2  # no verification message: the invitation proved the address

    # The admin sees it accepted, and by whom.
    log_in(page, live_server, consultation_admin)
    page.goto("/invitations/")
    status = page.locator(f"#invitation-{ann.pk} .invitation-status")
    expect(status).to_contain_text("Accepted")
    expect(status.get_by_role("link", name="Ann Invitee")).to_be_visible()
    ann.refresh_from_db()
    assert ann.accepted_user == User.objects.get(email="ann@example.org")

    assert page.console_errors == []
