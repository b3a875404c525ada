"""The reason a moderator gives, composed from a template and their own words."""

# -- Reasons --------------------------------------------------------------------------------


def reason_compose(*, template=None, text: str = "") -> str:
    """A picked reason template's text, then what the moderator wrote, if anything."""
    parts = [template.text.strip() if template else "", (text or "").strip()]
    return "\n\n".join(part for part in parts if part)
