"""The admin's seed upload: the importer's validation and messages, behind permissions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recommendations.models import Recommendation

from .test_seeding import GOOD_YAML

URL = reverse("admin:recommendations_consultation_upload_seed")


@pytest.fixture
def admin_with_mfa(consultation_admin, with_totp, client):
    client.force_login(with_totp(consultation_admin))
    return client


@pytest.mark.django_db
def test_a_consultation_admin_uploads_a_seed_file(admin_with_mfa):
    upload = SimpleUploadedFile("demo.yaml", GOOD_YAML.encode(), content_type="application/yaml")
    response = admin_with_mfa.post(URL, {"file": upload}, follow=True)
    assert response.status_code == 200
    assert "Imported demo.yaml: consultations: 1 created" in response.content.decode()
    assert Recommendation.objects.filter(consultation__slug="demo").count() == 2


@pytest.mark.django_db
def test_a_bad_upload_lists_every_problem_and_imports_nothing(admin_with_mfa):
    bad = GOOD_YAML.replace("pillar: P2\n", "pillar: P9\n").replace(
        "source: organiser", "source: x"
    )
    upload = SimpleUploadedFile("bad.yaml", bad.encode(), content_type="application/yaml")
    response = admin_with_mfa.post(URL, {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported: 2 problems found." in html
    assert "bad.yaml:29: record P2-R1, field pillar: unknown pillar" in html
    assert "field source: &#x27;x&#x27; is not a source kind" in html
    assert not Recommendation.objects.exists()


@pytest.mark.django_db
def test_people_without_the_permissions_cannot_upload(client, stakeholder, moderator, with_totp):
    upload = SimpleUploadedFile("demo.yaml", GOOD_YAML.encode())
    assert client.post(URL, {"file": upload}).status_code == 302  # to the admin login
    client.force_login(with_totp(moderator))  # staff, but without the permissions
    assert client.post(URL, {"file": upload}).status_code == 403
    assert not Recommendation.objects.exists()
