"""`{% person_name %}` renders each person once per page, and each person as themselves."""

import pytest
from django.template import Context, Template

from accounts.templatetags import people


@pytest.mark.django_db
def test_person_name_is_rendered_once_per_person_and_page(make_person, monkeypatch):
    ann = make_person("ann@example.org", display_name="Ann", organisation="Acme")
    bob = make_person("bob@example.org", display_name="Bob")
    rendered = []
    original = people._person_name
    monkeypatch.setattr(
        people, "_person_name", lambda c, p: rendered.append(p.pk) or original(c, p)
    )
    template = Template("{% load people %}{% for p in persons %}[{% person_name p %}]{% endfor %}")
    html = template.render(Context({"persons": [ann, bob, ann, ann]}))
    parts = html.strip("[]").split("][")
    assert parts[0] == parts[2] == parts[3] != parts[1]
    assert "Ann" in parts[0] and "Acme" in parts[0] and "Bob" in parts[1]
    assert rendered == [ann.pk, bob.pk]
    # Another render starts afresh.
    template.render(Context({"persons": [ann]}))
    assert rendered == [ann.pk, bob.pk, ann.pk]
