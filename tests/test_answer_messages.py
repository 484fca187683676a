"""Answer-check messages carry a code, parameters and a field, and read in the session's
language; plain messages from plugins stay as they were given."""

from __future__ import annotations

import pickle
import re
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogkit.answer_messages import (
    BY_ENGLISH_TEXT,
    LANGUAGES,
    MESSAGES,
    catalogue_language,
    format_date,
    format_number,
    render,
)
from dialogkit.answers import (
    AnswerError,
    check_number,
    localized_message,
    read_number,
    required_error,
)
from dialogkit.engine import Conversation, NavigationError
from dialogkit.testing.scripts import script_from_nodes

SAMPLE_PARAMS: dict[str, Any] = {
    "limit": 10, "length": 12, "label": "Nichts davon", "count": 2, "low": 0.5, "high": 60,
    "whole": 12, "decimal": 2.5, "date": "2026-01-01", "fields": ["name", "email"],
}
NUMBER_CODES = {
    f"{kind}_{what}" for kind in ("number", "whole_number")
    for what in ("format", "expected", "range", "min", "max")
}


def parameters(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def ask(nodes: list[dict[str, Any]], language: str = "en") -> Conversation:
    script = script_from_nodes(
        [*nodes, {"id": "bye", "type": "statement", "text": "Bye"}], languages=[language])
    conversation, _ = Conversation.start(script, language=language)
    return conversation


def refusal(nodes: list[dict[str, Any]], value: Any, language: str = "en",
            **answer: Any) -> AnswerError:
    conversation = ask(nodes, language)
    with pytest.raises(AnswerError) as raised:
        conversation.answer(value, **answer)
    return raised.value


# -- the catalogue ---------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_is_written_in_every_language_with_the_same_parameters(code: str) -> None:
    texts = MESSAGES[code]
    assert set(texts) == set(LANGUAGES)
    english = parameters(texts["en"])
    for language, text in texts.items():
        assert text.strip() and text == text.strip(), (code, language)
        assert parameters(text) == english, (code, language)
        rendered = render(code, SAMPLE_PARAMS, language)
        assert "{" not in rendered and "}" not in rendered
        if language != "en":
            assert rendered != render(code, SAMPLE_PARAMS, "en") or "2024-03-31" in rendered \
                or code == "number_format", (code, language)


def test_codes_are_never_plain_words_and_english_texts_are_distinct() -> None:
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)+", code) for code in MESSAGES)
    unparameterized = [t["en"] for t in MESSAGES.values() if "{" not in t["en"]]
    assert len(unparameterized) == len(set(unparameterized)) == len(BY_ENGLISH_TEXT)


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "en"), ("de", "de"), ("de-CH", "de"), ("de_AT", "de"), ("FR-ca", "fr"),
    ("es-MX", "es"), ("it", "en"), ("", "en"), (None, "en"), ("x-klingon", "en"),
])
def test_session_languages_map_to_a_catalogue(language: str | None, expected: str) -> None:
    assert catalogue_language(language) == expected


def test_numbers_and_dates_are_written_the_language_s_way() -> None:
    assert [format_number(2.5, lang) for lang in LANGUAGES] == ["2.5", "2,5", "2,5", "2,5"]
    assert format_number(60.0, "de") == "60" and format_number(-0.25, "fr") == "-0,25"
    assert [format_date("2026-01-31", lang) for lang in LANGUAGES] == [
        "2026-01-31", "31.01.2026", "31/01/2026", "31/01/2026"]
    assert format_date("soon", "de") == "soon"


# -- AnswerError -----------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "params", "texts"), [
    ("whole_number_range", {"low": 1, "high": 60}, {
        "en": "Please enter a whole number from 1 to 60.",
        "de": "Bitte geben Sie eine ganze Zahl von 1 bis 60 ein.",
        "fr": "Veuillez saisir un nombre entier de 1 à 60.",
        "es": "Escribe un número entero del 1 al 60, por favor.",
    }),
    ("number_max", {"high": 2.5}, {
        "en": "Please enter a number of at most 2.5.",
        "de": "Bitte geben Sie eine Zahl von höchstens 2,5 ein.",
        "fr": "Veuillez saisir un nombre inférieur ou égal à 2,5.",
        "es": "Escribe un número igual o menor que 2,5, por favor.",
    }),
    ("number_format", {"whole": 12, "decimal": 2.5}, {
        "en": "Please enter a number, like 12 or 2.5.",
        "de": "Bitte geben Sie eine Zahl ein, zum Beispiel 12 oder 2,5.",
        "fr": "Veuillez saisir un nombre, par exemple 12 ou 2,5.",
        "es": "Escribe un número, por ejemplo 12 o 2,5.",
    }),
    ("date_min", {"date": "2026-01-01"}, {
        "en": "Please enter a date on or after 2026-01-01.",
        "de": "Bitte geben Sie ein Datum ab dem 01.01.2026 ein.",
        "fr": "Veuillez saisir une date à partir du 01/01/2026.",
        "es": "Escribe una fecha a partir del 01/01/2026, por favor.",
    }),
    ("choice_exclusive", {"label": "Nichts davon"}, {
        "en": "'Nichts davon' can't be combined with other choices.",
        "de": "„Nichts davon“ kann nicht mit anderen Antworten kombiniert werden.",
        "fr": "« Nichts davon » ne peut pas être combiné avec d’autres choix.",
        "es": "«Nichts davon» no se puede combinar con otras opciones.",
    }),
    ("referral_fields", {"fields": ["name", "email"]}, {
        "en": "Please only fill in: name, email.",
        "de": "Bitte füllen Sie nur diese Felder aus: name, email.",
        "fr": "Veuillez remplir uniquement ces champs\u00a0: name, email.",
        "es": "Rellena solo estos campos: name, email.",
    }),
])
def test_messages_with_parameters_read_in_each_language(
        code: str, params: dict[str, Any], texts: dict[str, str]) -> None:
    error = AnswerError(code, **params)
    assert error.code == code and error.params == params
    assert str(error) == error.message == error.args[0] == texts["en"]
    for language, text in texts.items():
        assert error.in_language(language) == localized_message(error, language) == text
    assert error.in_language("de-CH") == texts["de"]
    assert error.in_language("it") == texts["en"]


def test_a_plain_message_stays_plain_in_every_language() -> None:
    error = AnswerError("Please send a photo.")
    assert error.code is None and error.field is None and error.params == {}
    assert str(error) == error.message == "Please send a photo."
    assert {error.in_language(lang) for lang in (*LANGUAGES, "de-CH", None)} == {
        "Please send a photo."}
    assert AnswerError("x", field="photo").field == "photo"
    assert AnswerError("Please send {what}.", what="a photo").message == "Please send {what}."
    # a code used without its parameters can't be filled in: it is taken as plain text
    assert AnswerError("scale_range").code is None
    assert isinstance(AnswerError("plain"), ValueError)


def test_a_builtin_english_text_is_the_same_error_as_its_code() -> None:
    error = AnswerError("Please answer yes or no.")
    assert error.code == "yes_no"
    assert error.in_language("fr") == "Veuillez répondre par oui ou par non."
    assert AnswerError("Please give the name of the person we should ask.").field == "name"


def test_errors_survive_pickling_and_give_a_json_shape() -> None:
    error = AnswerError("referral_email", field="email")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.field, copy.params, str(copy)) == (
        error.code, error.field, error.params, str(error))
    ranged = pickle.loads(pickle.dumps(AnswerError("number_range", low=0, high=100)))
    assert ranged.in_language("de") == "Bitte geben Sie eine Zahl von 0 bis 100 ein."
    assert error.as_dict("de") == {
        "code": "referral_email", "field": "email",
        "message": "Bitte prüfen Sie die E-Mail-Adresse: Sie sollte wie name@example.com "
                   "aussehen.",
    }


def test_localized_message_takes_other_errors_as_their_text() -> None:
    assert localized_message(NavigationError("no way back"), "de") == "no way back"
    assert localized_message(ValueError("odd"), "de") == "odd"


@pytest.mark.parametrize(("node_type", "code"), [
    ("text", "text_required"), ("single_choice", "choice_required"),
    ("multiple_choice", "choices_required"), ("yes_no", "yes_no"), ("confirm", "yes_no"),
    ("referral", "referral_name"), ("date", "answer_required"), ("my_plugin_type",
                                                                  "answer_required"),
])
def test_required_errors_have_codes(node_type: str, code: str) -> None:
    error = required_error(node_type)
    assert error.code == code
    assert error.field == ("name" if node_type == "referral" else None)


# -- through the engine ----------------------------------------------------------------------

def test_a_german_session_gets_german_messages_from_the_checks() -> None:
    number = [{"id": "q", "type": "number", "text": "Q?", "min": 1, "max": 60,
               "integer": True}]
    error = refusal(number, "61", "de")
    assert error.code == "whole_number_range"
    assert error.in_language("de") == "Bitte geben Sie eine ganze Zahl von 1 bis 60 ein."
    assert str(error) == "Please enter a whole number from 1 to 60."
    date = [{"id": "q", "type": "date", "text": "Q?", "min": "2026-01-01"}]
    assert refusal(date, "2025-12-31", "de").in_language("de") == (
        "Bitte geben Sie ein Datum ab dem 01.01.2026 ein.")
    required = refusal([{"id": "q", "type": "text", "text": "Q?"}], "", "fr")
    assert required.in_language("fr") == "Veuillez écrire une réponse."


def test_exclusive_choice_names_the_option_as_shown() -> None:
    question = [{"id": "q", "type": "multiple_choice", "text": "Q?", "options": [
        {"value": "a", "label": "A"}, {"value": "none", "label": "Nichts davon",
                                       "exclusive": True}]}]
    error = refusal(question, ["a", "none"], "de")
    assert error.code == "choice_exclusive" and error.params == {"label": "Nichts davon"}
    assert error.in_language("de") == (
        "„Nichts davon“ kann nicht mit anderen Antworten kombiniert werden.")


@pytest.mark.parametrize(("language", "typed", "en", "localized"), [
    ("en", "50,5", "Please enter a number, like 12 or 2.5.",
     "Please enter a number, like 12 or 2.5."),
    ("de", "1,234.50", "Please enter a number, like 12 or 2.5.",
     "Bitte geben Sie eine Zahl ein, zum Beispiel 12 oder 2,5."),
    ("fr", "abc", "Please enter a number, like 12 or 2.5.",
     "Veuillez saisir un nombre, par exemple 12 ou 2,5."),
    ("es", "nan", "Please enter a number, like 12 or 2.5.",
     "Escribe un número, por ejemplo 12 o 2,5."),
])
def test_an_unreadable_number_says_what_is_expected(
        language: str, typed: str, en: str, localized: str) -> None:
    question = [{"id": "q", "type": "number", "text": "Q?", "min": 0, "max": 100}]
    error = refusal(question, typed, language)
    assert error.code == "number_format"
    assert (str(error), error.in_language(language)) == (en, localized)
    in_range = refusal(question, "101", language)
    assert in_range.code == "number_range"


def test_number_examples_fit_the_range_where_simple() -> None:
    def examples(**question: Any) -> dict[str, Any]:
        nodes = [{"id": "q", "type": "number", "text": "Q?", **question}]
        return refusal(nodes, "abc").params

    assert examples() == {"whole": 12, "decimal": 2.5}
    assert examples(min=0, max=1) == {"whole": 0, "decimal": 0.5}
    assert examples(min=1000) == {"whole": 1000, "decimal": 1000.5}
    assert examples(max=-3) == {"whole": -3, "decimal": -3.5}
    assert examples(min=1, max=5, integer=True) == {"whole": 1}
    assert refusal([{"id": "q", "type": "number", "text": "Q?", "integer": True}],
                   "zwölf", "de").in_language("de") == (
        "Bitte geben Sie eine ganze Zahl ein, zum Beispiel 12.")


def test_referral_errors_name_their_field() -> None:
    question = [{"id": "q", "type": "referral", "text": "Who?", "fields": ["name", "email"]}]
    email = refusal(question, {"name": "Bo", "email": "bo.example.com"}, "de")
    assert (email.code, email.field) == ("referral_email", "email")
    assert email.in_language("es") == (
        "Revisa la dirección de correo electrónico: debería ser como nombre@ejemplo.com.")
    name = refusal(question, {"email": "bo@example.com"}, "de")
    assert (name.code, name.field) == ("referral_name", "name")


# -- any typed number ------------------------------------------------------------------------

class _Node:
    def __init__(self, **question: Any) -> None:
        self.node = type("Number", (), {"min": None, "max": None, "integer": False,
                                        **question})()


NODES = [_Node(), _Node(min=0, max=100), _Node(min=1, integer=True), _Node(max=-0.5)]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("0123456789.,-+ e\u00a0abcnfiINF"), max_size=12)
       | st.text(max_size=12),
       language=st.sampled_from(["en", "de", "fr", "es", "de-CH", "it"]),
       which=st.integers(0, len(NODES) - 1))
def test_any_typed_text_is_a_number_or_gets_a_number_message(
        text: str, language: str, which: int) -> None:
    node = NODES[which]
    try:
        value = check_number(node, text, None, language)  # type: ignore[arg-type]
    except AnswerError as error:
        assert error.code in NUMBER_CODES
        readable = read_number(text, language)
        if readable is None or readable != readable or abs(readable) == float("inf"):
            assert error.code.endswith("_format")
        for each in LANGUAGES:
            assert error.in_language(each).strip()
    else:
        assert value == read_number(text, language)
