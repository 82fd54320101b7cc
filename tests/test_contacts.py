"""kb.contacts: email addresses and phone numbers as whole tokens, and their redaction."""

from __future__ import annotations

import pytest

from kb.contacts import CONTACT, PLACEHOLDER, redact, redact_html, redact_markdown
from kb.queries import quote_contacts

CONTACTS = [
    "Zoe.Quillon@example.mil",
    "(703) 555-0177",
    "(703)555-0177",
    "703-555-0177",
    "703.555.0177",
    "703 555 0177",
    "+1 703 555 0177",
    "+1-703-555-0177",
    "+1 (703) 555-0177 x123",
    "703-555-0177 ext. 12",
    "+44 (0)20 7946 0958",
    "+17035550177",
    "+1 555 0101",
    "555-0177",
]
NOT_CONTACTS = [
    "zqxhook1796667134",  # a word with a digit run
    "1796667134",  # a bare number
    "5340-01-123-4567",  # a stock number
    "5340 01 123 4567",
    "2026-12-01",
    "22201-1234",  # ZIP+4
    "ISO 9001-2015",
    "Public Law 117-263",
    "+1234",
    "v1.2.3",
    "3.1415926",
    "a@b",
]


@pytest.mark.parametrize("text", CONTACTS)
def test_contact_data_in_the_usual_forms_is_recognised_whole(text):
    assert CONTACT.fullmatch(text)
    assert redact(f"Call {text}, or write.") == f"Call {PLACEHOLDER}, or write."
    assert quote_contacts(f"who has {text}") == f'who has "{text}"'


@pytest.mark.parametrize("text", NOT_CONTACTS)
def test_words_and_other_numbers_are_not_contact_data(text):
    assert CONTACT.search(text) is None
    assert redact(f"See {text}.") == f"See {text}." and quote_contacts(text) == text


def test_a_persons_own_values_are_redacted_too():
    assert redact("Based at Fort Quokka, call +1 555 0199.", also=["Fort Quokka", ""]) == f"Based at {PLACEHOLDER}, call {PLACEHOLDER}."


def test_html_text_and_attributes_with_entities_decoded():
    html = '<p>Mail <a href="mailto:z@x.mil">z@x.mil</a>, 555&nbsp;0177, x&#64;y.mil &amp; &lt;b&gt; 5340-01-123-4567</p>'
    assert redact_html(html) == (
        f'<p>Mail <a href="mailto:{PLACEHOLDER}">{PLACEHOLDER}</a>, {PLACEHOLDER}, {PLACEHOLDER} &amp; &lt;b&gt; 5340-01-123-4567</p>'
    )
    assert redact_html("<p>Nothing &nbsp;here</p>") == "<p>Nothing &nbsp;here</p>"  # untouched when there is nothing


def test_markdown_never_turns_the_placeholder_into_a_link():
    assert redact_markdown("Write <zoe@example.mil> or 555-0177(desk).") == "Write \\[contact details\\] or \\[contact details\\](desk)."
