"""Script injection: a corpus of payloads posted as comments, as position reasons and as
amendments (title, text, justification) renders inert on every page that shows them.

Each payload tries to run `window.pwned = N; alert(N)`. The browser says whether anything ran:
a `dialog` handler records any alert, the window flag must stay unset, the console must stay
free of errors (a surviving <img src=x> would log its 404), and the DOM of the page's main
content must hold no script-bearing element, event-handler attribute or script URL.
"""

import contextlib

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from consultation import services
from consultation.models import Comment
from tests.browser.signin import log_in

PAYLOADS = [
    "<script>window.pwned=1;alert(1)</script>",
    '<img src=x onerror="window.pwned=2;alert(2)">',
    "[click me](javascript:window.pwned=3;alert(3))",
    '<svg onload="window.pwned=4;alert(4)"><circle r="1"/></svg>',
    "<svg><script>window.pwned=5;alert(5)</script></svg>",
    "[entity colon](javascript&#58;window.pwned=6;alert(6))",
    '<a href="jav&#x09;ascript:window.pwned=7;alert(7)">tab in the scheme</a>',
    '<iframe src="javascript:window.top.pwned=8;alert(8)"></iframe>',
    '<iframe srcdoc="&lt;script&gt;parent.pwned=9;parent.alert(9)&lt;/script&gt;"></iframe>',
    '<div style="width: expression(alert(10)); background: url(javascript:alert(10))">css</div>',
    '<style>@import "javascript:alert(11)"; body { background: url("javascript:alert(11)") }'
    "</style>",
    '![image](x" onerror="window.pwned=12;alert(12))',
    '[link](https://example.org" onmouseover="window.pwned=13;alert(13))',
    "&lt;script&gt;window.pwned=14;alert(14)&lt;/script&gt; "
    "&#60;script&#62;alert(14)&#60;/script&#62;",
    '<details open ontoggle="window.pwned=15;alert(15)"><summary>toggle</summary></details>',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.pwned=16;alert(16)">',
    '"><script>window.pwned=17;alert(17)</script><p class="',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxOCk8L3NjcmlwdD4=">data link</a>',
    '<input autofocus onfocus="window.pwned=19;alert(19)">',
    '<object data="javascript:window.pwned=20;alert(20)"></object>'
    '<embed src="javascript:alert(20)">',
    "[angle brackets](<javascript:window.pwned=21;alert(21)>)",
    "<scr<script>ipt>window.pwned=22;alert(22)</scr</script>ipt>",
    "</textarea><script>window.pwned=23;alert(23)</script>",
    '<form><button formaction="javascript:window.pwned=24;alert(24)">go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(25)">',
    "[reference link][x]\n\n[x]: javascript:window.pwned=26;alert(26)",
    '<a href="JaVaScRiPt:window.pwned=27;alert(27)">mixed case</a>',
    "`<script>alert(28)</script>` and\n\n```\n<script>window.pwned=28;alert(28)</script>\n```",
    '<body onload="window.pwned=29;alert(29)">',
    "<!--<script>alert(30)</script>--> {{ 7|add:7 }} {% now 'Y' %}",
]

# What must not be in the page's main content after rendering any of the above.
INSPECT = """() => {
  const bad = [];
  const forbidden = ['script', 'iframe', 'object', 'embed', 'svg', 'math', 'style', 'img',
                     'meta', 'base', 'link', 'frame', 'frameset'];
  const userText = '.comment-body, .reason, .diff, .body, .interests';
  for (const el of document.querySelectorAll('main *')) {
    const tag = el.tagName.toLowerCase();
    // The page's own SVG: the position bars (geometry, not style attributes, under the CSP).
    const ours = tag === 'svg' && (el.closest('.bar-cell') || el.matches('#positions > svg.defs'));
    if (forbidden.includes(tag) && !ours) bad.push('<' + tag + '>');
    if (['input', 'form', 'button', 'textarea', 'select'].includes(tag) && el.closest(userText)) {
      bad.push('<' + tag + '> in user text');
    }
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on') || ['srcdoc', 'autofocus', 'formaction'].includes(name)) {
        bad.push(tag + '[' + name + ']');
      }
      if (/^(javascript|data|vbscript):/.test(value)) {
        bad.push(tag + '[' + name + '=' + attr.value + ']');
      }
    }
    if (el.closest(userText) && el.hasAttribute('style')) {
      bad.push(tag + '[style] in user text');
    }
  }
  return bad;
}"""


@pytest.fixture
def dialogs(page):
    """Every alert, confirm or prompt the page opens (none should)."""
    opened = []

    def on_dialog(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


def assert_inert(page, dialogs, where: str, *, hover: bool = False):
    """Nothing ran on this page, and nothing that could run is in it."""
    url = page.url
    page.wait_for_timeout(100)  # a meta refresh or a delayed handler would have fired by now
    if hover:  # for handlers that wait for the person: hover what user text produced
        for element in page.locator(".comment-body *:visible, .reason:visible").all()[:40]:
            with contextlib.suppress(PlaywrightError):  # moved or covered meanwhile
                element.hover(timeout=200)
    assert page.url == url, f"{where}: the page navigated away to {page.url}"
    assert dialogs == [], f"{where}: dialogs opened: {dialogs}"
    assert page.evaluate("window.pwned") is None, f"{where}: window.pwned was set"
    assert page.evaluate(INSPECT) == [], f"{where}: dangerous markup survived"
    assert page.console_errors == [], f"{where}: {page.console_errors}"


def test_injection_payloads_render_inert_everywhere(
    page, live_server, migrated_rows, dialogs, make_person, moderator, recommendation_factory,
    consultation_factory, settings,
):  # fmt: skip
    assert len(PAYLOADS) >= 15
    settings.RATELIMIT_RATES = {**settings.RATELIMIT_RATES, "comment": "100/m"}
    rec = recommendation_factory(
        pillar__consultation=consultation_factory(slug="demo", title="Plant to patient"),
        reference="P1-R1",
        title="Secure the supply of plant material",
        body="Regulators should publish clear guidance on plant material.",
    )
    author = make_person("author@example.org", display_name="Ann Author", interests=PAYLOADS[1])
    comments = [
        services.comment_create(author=author, recommendation=rec, body=payload)
        for payload in PAYLOADS
    ]
    # Replies nest the payloads a level down; an edit keeps one as an earlier text.
    services.comment_create(author=author, recommendation=rec, body=PAYLOADS[0], parent=comments[0])
    services.comment_edit(comment=comments[1], acting_user=author, body=PAYLOADS[2])
    # Amendments and position reasons take the payloads five at a time.
    chunks = [PAYLOADS[i : i + 5] for i in range(0, len(PAYLOADS), 5)]
    amendments = [
        services.amendment_propose(
            author=author,
            recommendation=rec,
            title=" ".join(chunk)[:300],
            body="Regulators should publish {} guidance on plant material.".format(" ".join(chunk)),
            justification="\n\n".join(chunk),
        )
        for chunk in chunks
    ]
    people = [make_person(f"p{i}@example.org", display_name=f"P {i}") for i in range(len(chunks))]
    for person, chunk in zip(people, chunks, strict=True):
        services.position_take(
            author=person, recommendation=rec, stance="oppose", reason="\n".join(chunk)
        )

    # Anyone reading: comments, reasons and the amendments' titles on the recommendation page.
    page.goto(rec.get_absolute_url())
    expect(page.locator("#comments")).to_be_visible()
    assert_inert(page, dialogs, "recommendation page", hover=True)
    expect(page.locator(".comment-threads > li")).to_have_count(20)  # a page of threads
    page.goto(rec.get_absolute_url() + "?page=2")
    assert_inert(page, dialogs, "second page of threads")
    # The text shows as text where the markup was not Markdown's.
    expect(page.locator(".positions-list .reason").first).to_contain_text("alert(")

    # Each amendment's page: its title and text as a word diff, its justification.
    for amendment in amendments:
        page.goto(reverse("consultation:amendment", args=["demo", "P1-R1", amendment.pk]))
        expect(page.locator("#diff-base")).to_be_visible()
        assert_inert(page, dialogs, f"amendment #{amendment.pk}")

    # The author: their texts come back in edit forms (a payload that closes a textarea too),
    # and the htmx swap of a payload just posted.
    log_in(page.context, live_server, author)
    page.goto(rec.get_absolute_url())
    for details in page.locator("details.comment-action.edit").all()[:5]:
        details.locator("summary").click()
    assert_inert(page, dialogs, "the author's page with edit forms")
    section = page.get_by_role("region", name="Comments")
    section.get_by_label("Your comment", exact=True).fill("\n\n".join(PAYLOADS[13::-1]))
    section.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-notice")).to_have_text("Your comment is published.")
    posted = Comment.objects.latest("pk")
    # Escaped entities stay text; the rest is gone.
    expect(page.locator(f"#comment-{posted.pk} .comment-body")).to_contain_text(
        "<script>window.pwned=14;alert(14)</script>"
    )
    assert_inert(page, dialogs, "after the htmx swap", hover=True)

    # A position's author reads their reason back in their own form.
    log_in(page.context, live_server, people[4])  # PAYLOADS[22] closes a <textarea>
    page.goto(rec.get_absolute_url())
    expect(page.locator("#position-reason")).to_have_value("\n".join(chunks[4]))
    assert_inert(page, dialogs, "the position form")

    # A permalink page, and the earlier texts a moderator reads.
    page.goto(comments[0].get_absolute_url())
    assert_inert(page, dialogs, "permalink page")
    log_in(page.context, live_server, moderator)
    page.goto(reverse("consultation:comment_revisions", args=["demo", "P1-R1", comments[1].pk]))
    expect(page.locator(".revision-text").last).to_have_text(PAYLOADS[1])
    assert_inert(page, dialogs, "revisions page")
