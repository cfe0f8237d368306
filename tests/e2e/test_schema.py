"""schema/lexicon.schema.json: a valid draft-07 schema that accepts the
fixture and refuses what copydesk would refuse or misread."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from conftest import FIXTURES, LEXICON, REPO

SCHEMA = json.loads((REPO / "schema" / "lexicon.schema.json").read_text(encoding="utf-8"))
FIXTURE = json.loads((FIXTURES / LEXICON).read_text(encoding="utf-8"))


def validator():
    return jsonschema.Draft7Validator(SCHEMA)


def test_schema_is_a_valid_draft_07_schema():
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_fixture_validates():
    errors = sorted(validator().iter_errors(FIXTURE), key=lambda e: list(e.absolute_path))
    assert errors == [], "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_unknown_fields_are_allowed_everywhere():
    lexicon = copy.deepcopy(FIXTURE)
    lexicon["desk"] = "world"
    lexicon["sources"][0]["note"] = "x"
    lexicon["entities"][0]["note"] = {"by": "editor"}
    lexicon["entities"][0]["evidence"][0]["note"] = 1
    lexicon["claims"][0]["note"] = [1]
    assert list(validator().iter_errors(lexicon)) == []


def test_minimal_lexicon_validates():
    assert list(validator().iter_errors({"copydesk_lexicon": 1})) == []


def mutated(path, value):
    lexicon = copy.deepcopy(FIXTURE)
    *parents, last = path
    target = lexicon
    for p in parents:
        target = target[p]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return lexicon


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "why"),
    [
        (["copydesk_lexicon"], 2, "another format version"),
        (["copydesk_lexicon"], DELETE, "no format version"),
        (["entities", 0, "kind"], "ship", "an unknown kind"),
        (["entities", 0, "kind"], DELETE, "no kind"),
        (["entities", 0, "id"], "", "an empty id"),
        (["entities", 0, "name"], "  ", "a blank name"),
        (["entities", 0, "aliases"], "Erdogan", "aliases not a list"),
        (["entities", 0, "aliases"], ["Erdogan", "Erdogan"], "a repeated alias"),
        (["entities", 0, "evidence", 0, "start"], -1, "a negative offset"),
        (["entities", 0, "evidence", 0, "end"], 1.5, "a fractional offset"),
        (["entities", 0, "evidence", 0, "source"], DELETE, "evidence without a source"),
        (["entities", 0, "reviewed"], "yes", "reviewed not a boolean"),
        (["sources", 0, "sha256"], "ABC", "a malformed hash"),
        (["sources", 0, "path"], DELETE, "a source without a path"),
        (["sources", 0, "date"], "29 September 2021", "a date not in YYYY-MM-DD"),
        (["claims", 0, "speaker"], 7, "a speaker that is neither an id nor null"),
        (["claims", 0, "start"], DELETE, "a claim without a start"),
        (["claims", 0, "quoted"], "true", "quoted not a boolean"),
    ],
)
def test_schema_refuses(path, value, why):
    assert list(validator().iter_errors(mutated(path, value))), f"accepted {why}"


def test_schema_kinds_are_the_formats_kinds():
    kinds = SCHEMA["definitions"]["entity"]["properties"]["kind"]["enum"]
    assert kinds == ["person", "organization", "place", "weapon", "event", "other"]
    assert {e["kind"] for e in FIXTURE["entities"]} == {"person", "organization", "place", "weapon"}
