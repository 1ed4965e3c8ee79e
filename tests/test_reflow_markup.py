"""The markup that reflow and screen readers rest on (issue 14): the header's folding menu,
the record's section index, the people step's grouped checkboxes."""

import re

import pytest
from django.urls import reverse

from tests.conftest import client_login
from tests.factories import full_record

pytestmark = pytest.mark.django_db


def test_it_folds_the_header_menu_behind_a_button_that_says_whether_it_is_open(client, world):
    html = client_login(client, world.oak_dsl).get(reverse("home")).content.decode()
    button = re.search(r"<button[^>]*app-menu-button[^>]*>", html)
    assert button is not None
    assert 'aria-controls="app-menu"' in button.group(0)
    assert 'aria-expanded="false"' in button.group(0)
    assert 'id="app-menu"' in html
    # Without JavaScript the menu stays open: a stylesheet loaded only then.
    assert re.search(r"<noscript><link rel=\"stylesheet\" href=\"[^\"]*no-script\.css\"", html)


def test_it_opens_the_record_with_an_index_of_its_sections(client, world):
    record = full_record(world.oak, world.oak_dsl, with_adult=True)
    html = client_login(client, world.oak_dsl).get(f"/incidents/{record.reference}/").content
    html = html.decode()
    index = html[html.index('id="record-index"') : html.index("</nav>", html.index("record-index"))]
    targets = re.findall(r'href="#([\w-]+)"', index)
    assert len(targets) >= 14
    for target in targets:
        assert f'id="{target}"' in html, target


def test_it_groups_a_young_persons_parts_in_a_fieldset_with_a_legend(client, world):
    record = full_record(world.oak, world.oak_dsl)
    url = reverse("incident_step", args=[record.reference, "people"])
    html = client_login(client, world.oak_dsl).get(url).content.decode()
    groups = re.findall(
        r"<fieldset[^>]*>\s*<legend[^>]*>\s*Their part in what happened.*?</fieldset>", html, re.S
    )
    # One group per young person recorded, and one in the blank form to add another.
    assert len(groups) >= 2
    for group in groups:
        for name in ("is_pictured", "is_sender", "is_recipient", "is_sharer"):
            assert re.search(rf'type="checkbox" name="[\w-]*{name}"', group), name
