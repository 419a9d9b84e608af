"""Template helpers for links: tappable phone numbers and the navigation's current section."""

import pytest
from jinja2 import Environment

from core.phone import display
from core.web import aria_current, nav_section, phone_link


def test_a_phone_number_links_to_its_e164_form_and_reads_as_staff_say_it():
    link = phone_link("+4915123456789")
    assert link == f'<a href="tel:+4915123456789">{display("+4915123456789")}</a>'


def test_a_number_typed_nationally_still_dials_in_e164():
    assert str(phone_link("0511 12345678")).startswith('<a href="tel:+4951112345678">')


@pytest.mark.parametrize("number", [None, "", "anonymous", "+49 12"])
def test_something_that_is_no_dialable_number_is_plain_text(number):
    shown = phone_link(number)
    assert "<a" not in shown and shown == display(number)


def test_text_that_is_not_a_number_is_escaped():
    assert phone_link("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


def test_phone_link_is_a_template_filter(app):
    template = app.state.context.templates.env.from_string("{{ '+4951116832110'|phone_link }}")
    assert template.render() == f'<a href="tel:+4951116832110">{display("+4951116832110")}</a>'


@pytest.mark.parametrize(
    ("path", "section"),
    [("/", "/"), ("/cases", "/cases"), ("/cases/12", "/cases"), ("/cases/12/edit", "/cases"),
     ("/cases/12/jobs/new", "/cases"), ("/cases/new", "/cases/new"), ("/jobs/7", "/cases"),
     ("/jobs/7/edit", "/cases"), ("/volunteers/3/edit", "/volunteers"), ("/volunteers/import", "/volunteers"),
     ("/admin/audit/cases/4", "/admin/audit"), ("/admin/staff", "/admin/staff"), ("/simulator/call", "/simulator"),
     ("/login", None), ("/casesx", None)],
)  # fmt: skip
def test_each_page_belongs_to_one_navigation_section(path, section):
    assert nav_section(path) == section


class _Url:
    def __init__(self, path):
        self.path = path


class _Request:
    def __init__(self, path):
        self.url = _Url(path)


def test_aria_current_marks_only_the_link_of_the_current_section():
    env = Environment(autoescape=True)
    env.globals["aria_current"] = aria_current
    template = env.from_string(
        '<a href="/cases"{{ aria_current("/cases") }}>Fälle</a><a href="/"{{ aria_current("/") }}>'
    )
    assert template.render(request=_Request("/cases/5")) == '<a href="/cases" aria-current="page">Fälle</a><a href="/">'
    assert template.render() == '<a href="/cases">Fälle</a><a href="/">'
