"""
Scores' JSON goes through orjson (leadscore.fast_json): whatever our code stores reads back
the same as through the standard library, and a stored value orjson refuses still reads as the
standard library reads it, rather than breaking a page.
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadscore import fast_json
from scoring.models import ContactScore
from tests.factories import ContactFactory, ScoringModelFactory

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@given(documents)
def test_fast_dumps_reads_back_as_the_standard_library_reads_it(value):
    assert json.loads(fast_json.dumps(value)) == value


@given(documents)
def test_the_field_decodes_what_the_standard_library_wrote(value):
    field = ContactScore._meta.get_field("units")
    assert field.from_db_value(json.dumps(value), None, None) == value


def test_a_value_orjson_refuses_is_read_as_the_standard_library_reads_it():
    field = ContactScore._meta.get_field("breakdown")
    # The standard library writes NaN, which orjson does not read (SQLite keeps the text).
    assert field.from_db_value('{"fit": [], "x": NaN}', None, None)["fit"] == []


# What a database keeps of JSON as it is: no NUL or lone surrogate in text (PostgreSQL's jsonb
# refuses both) and numbers of a size scores have (jsonb keeps numbers as decimals).
stored_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=10)
stored_documents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(min_value=-1e9, max_value=1e9)
    | stored_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(stored_text, inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(st.dictionaries(stored_text, stored_documents, max_size=4))
def test_a_stored_score_document_reads_back_equal(value):
    ScoringModelFactory.create() if not ContactScore.objects.exists() else None
    row = ContactScore.objects.first() or ContactScore.objects.get(contact=ContactFactory())
    ContactScore.objects.filter(pk=row.pk).update(breakdown=value)

    assert ContactScore.objects.get(pk=row.pk).breakdown == value
    assert ContactScore.objects.filter(pk=row.pk).values_list("breakdown", flat=True)[0] == value
