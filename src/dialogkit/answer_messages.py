"""The words of the built-in answer checks, in each language dialogkit speaks to respondents.

`MESSAGES` maps a message code (as carried by `dialogkit.answers.AnswerError.code`) to its
text per language; `{name}` marks a parameter. `render` fills one in for a session language:
"de-CH" reads as German, a language without a catalogue as English. Numbers are written with
the language's decimal mark ("2,5" in German, French and Spanish); a `{date:date}` parameter
(an ISO date) the way the language writes dates.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from typing import Any

ENGLISH = "en"
LANGUAGES = ("en", "de", "fr", "es")
"""The languages every built-in message is written in."""

MESSAGES: dict[str, dict[str, str]] = {
    # -- any question ------------------------------------------------------------------------
    "answer_required": {
        "en": "Please answer this question.",
        "de": "Bitte beantworten Sie diese Frage.",
        "fr": "Veuillez répondre à cette question.",
        "es": "Responde a esta pregunta, por favor.",
    },
    # -- text --------------------------------------------------------------------------------
    "text_required": {
        "en": "Please write an answer.",
        "de": "Bitte schreiben Sie eine Antwort.",
        "fr": "Veuillez écrire une réponse.",
        "es": "Escribe una respuesta, por favor.",
    },
    "text_expected": {
        "en": "Please write your answer as text.",
        "de": "Bitte geben Sie Ihre Antwort als Text ein.",
        "fr": "Veuillez écrire votre réponse sous forme de texte.",
        "es": "Escribe tu respuesta como texto, por favor.",
    },
    "text_too_long": {
        "en": "Please keep your answer to {limit} characters or fewer (it has {length}).",
        "de": "Bitte kürzen Sie Ihre Antwort auf höchstens {limit} Zeichen "
              "(sie hat {length}).",
        "fr": "Veuillez limiter votre réponse à {limit} caractères (elle en compte {length}).",
        "es": "Tu respuesta puede tener como máximo {limit} caracteres (ahora tiene {length}).",
    },
    # -- choices -----------------------------------------------------------------------------
    "choice_required": {
        "en": "Please choose an option.",
        "de": "Bitte wählen Sie eine Antwort aus.",
        "fr": "Veuillez choisir une option.",
        "es": "Elige una opción, por favor.",
    },
    "choices_required": {
        "en": "Please choose at least one option.",
        "de": "Bitte wählen Sie mindestens eine Antwort aus.",
        "fr": "Veuillez choisir au moins une option.",
        "es": "Elige al menos una opción, por favor.",
    },
    "choice_not_offered": {
        "en": "Please choose one of the options.",
        "de": "Bitte wählen Sie eine der angebotenen Antworten aus.",
        "fr": "Veuillez choisir l’une des options proposées.",
        "es": "Elige una de las opciones, por favor.",
    },
    "choices_expected": {
        "en": "Please choose from the options.",
        "de": "Bitte wählen Sie aus den angebotenen Antworten aus.",
        "fr": "Veuillez choisir parmi les options proposées.",
        "es": "Elige entre las opciones, por favor.",
    },
    "choices_not_offered": {
        "en": "Please choose only from the options shown.",
        "de": "Bitte wählen Sie nur aus den angezeigten Antworten aus.",
        "fr": "Veuillez choisir uniquement parmi les options affichées.",
        "es": "Elige solo entre las opciones que se muestran, por favor.",
    },
    "choice_exclusive": {
        "en": "'{label}' can't be combined with other choices.",
        "de": "„{label}“ kann nicht mit anderen Antworten kombiniert werden.",
        "fr": "« {label} » ne peut pas être combiné avec d’autres choix.",
        "es": "«{label}» no se puede combinar con otras opciones.",
    },
    "choices_too_few": {
        "en": "Please choose at least {count}.",
        "de": "Bitte wählen Sie mindestens {count} aus.",
        "fr": "Veuillez en choisir au moins {count}.",
        "es": "Elige al menos {count}, por favor.",
    },
    "choices_too_many": {
        "en": "Please choose no more than {count}.",
        "de": "Bitte wählen Sie höchstens {count} aus.",
        "fr": "Veuillez en choisir {count} au maximum.",
        "es": "Elige como máximo {count}, por favor.",
    },
    "other_required": {
        "en": "Please tell us what your other answer is.",
        "de": "Bitte geben Sie an, was Ihre andere Antwort ist.",
        "fr": "Veuillez préciser votre autre réponse.",
        "es": "Cuéntanos cuál es tu otra respuesta, por favor.",
    },
    # -- rating and NPS scales ---------------------------------------------------------------
    "scale_range": {
        "en": "Please choose a whole number from {low} to {high}.",
        "de": "Bitte wählen Sie eine ganze Zahl von {low} bis {high}.",
        "fr": "Veuillez choisir un nombre entier de {low} à {high}.",
        "es": "Elige un número entero del {low} al {high}, por favor.",
    },
    # -- yes/no and confirm ------------------------------------------------------------------
    "yes_no": {
        "en": "Please answer yes or no.",
        "de": "Bitte antworten Sie mit Ja oder Nein.",
        "fr": "Veuillez répondre par oui ou par non.",
        "es": "Responde sí o no, por favor.",
    },
    # -- numbers: what was typed could not be read as a number -------------------------------
    "number_format": {
        "en": "Please enter a number, like {whole} or {decimal}.",
        "de": "Bitte geben Sie eine Zahl ein, zum Beispiel {whole} oder {decimal}.",
        "fr": "Veuillez saisir un nombre, par exemple {whole} ou {decimal}.",
        "es": "Escribe un número, por ejemplo {whole} o {decimal}.",
    },
    "whole_number_format": {
        "en": "Please enter a whole number, like {whole}.",
        "de": "Bitte geben Sie eine ganze Zahl ein, zum Beispiel {whole}.",
        "fr": "Veuillez saisir un nombre entier, par exemple {whole}.",
        "es": "Escribe un número entero, por ejemplo {whole}.",
    },
    # -- numbers: a number, but not one the question takes -----------------------------------
    "number_expected": {
        "en": "Please enter a number.",
        "de": "Bitte geben Sie eine Zahl ein.",
        "fr": "Veuillez saisir un nombre.",
        "es": "Escribe un número, por favor.",
    },
    "number_range": {
        "en": "Please enter a number from {low} to {high}.",
        "de": "Bitte geben Sie eine Zahl von {low} bis {high} ein.",
        "fr": "Veuillez saisir un nombre de {low} à {high}.",
        "es": "Escribe un número del {low} al {high}, por favor.",
    },
    "number_min": {
        "en": "Please enter a number of at least {low}.",
        "de": "Bitte geben Sie eine Zahl von mindestens {low} ein.",
        "fr": "Veuillez saisir un nombre supérieur ou égal à {low}.",
        "es": "Escribe un número igual o mayor que {low}, por favor.",
    },
    "number_max": {
        "en": "Please enter a number of at most {high}.",
        "de": "Bitte geben Sie eine Zahl von höchstens {high} ein.",
        "fr": "Veuillez saisir un nombre inférieur ou égal à {high}.",
        "es": "Escribe un número igual o menor que {high}, por favor.",
    },
    "whole_number_expected": {
        "en": "Please enter a whole number.",
        "de": "Bitte geben Sie eine ganze Zahl ein.",
        "fr": "Veuillez saisir un nombre entier.",
        "es": "Escribe un número entero, por favor.",
    },
    "whole_number_range": {
        "en": "Please enter a whole number from {low} to {high}.",
        "de": "Bitte geben Sie eine ganze Zahl von {low} bis {high} ein.",
        "fr": "Veuillez saisir un nombre entier de {low} à {high}.",
        "es": "Escribe un número entero del {low} al {high}, por favor.",
    },
    "whole_number_min": {
        "en": "Please enter a whole number of at least {low}.",
        "de": "Bitte geben Sie eine ganze Zahl von mindestens {low} ein.",
        "fr": "Veuillez saisir un nombre entier supérieur ou égal à {low}.",
        "es": "Escribe un número entero igual o mayor que {low}, por favor.",
    },
    "whole_number_max": {
        "en": "Please enter a whole number of at most {high}.",
        "de": "Bitte geben Sie eine ganze Zahl von höchstens {high} ein.",
        "fr": "Veuillez saisir un nombre entier inférieur ou égal à {high}.",
        "es": "Escribe un número entero igual o menor que {high}, por favor.",
    },
    # -- dates -------------------------------------------------------------------------------
    "date_format": {
        "en": "Please enter a date as YYYY-MM-DD, e.g. 2024-03-31.",
        "de": "Bitte geben Sie ein Datum im Format JJJJ-MM-TT ein, zum Beispiel 2024-03-31.",
        "fr": "Veuillez saisir une date au format AAAA-MM-JJ, par exemple 2024-03-31.",
        "es": "Escribe una fecha con el formato AAAA-MM-DD, por ejemplo 2024-03-31.",
    },
    "date_min": {
        "en": "Please enter a date on or after {date:date}.",
        "de": "Bitte geben Sie ein Datum ab dem {date:date} ein.",
        "fr": "Veuillez saisir une date à partir du {date:date}.",
        "es": "Escribe una fecha a partir del {date:date}, por favor.",
    },
    "date_max": {
        "en": "Please enter a date on or before {date:date}.",
        "de": "Bitte geben Sie ein Datum bis zum {date:date} ein.",
        "fr": "Veuillez saisir une date jusqu’au {date:date} inclus.",
        "es": "Escribe una fecha hasta el {date:date} incluido, por favor.",
    },
    # -- referrals ---------------------------------------------------------------------------
    "referral_expected": {
        "en": "Please tell us who we should ask instead.",
        "de": "Bitte sagen Sie uns, wen wir stattdessen fragen sollen.",
        "fr": "Veuillez nous indiquer qui nous devrions contacter à la place.",
        "es": "Dinos a quién deberíamos preguntar en tu lugar, por favor.",
    },
    "referral_fields": {
        "en": "Please only fill in: {fields}.",
        "de": "Bitte füllen Sie nur diese Felder aus: {fields}.",
        "fr": "Veuillez remplir uniquement ces champs\u00a0: {fields}.",
        "es": "Rellena solo estos campos: {fields}.",
    },
    "referral_name": {
        "en": "Please give the name of the person we should ask.",
        "de": "Bitte geben Sie den Namen der Person an, die wir fragen sollen.",
        "fr": "Veuillez indiquer le nom de la personne que nous devrions contacter.",
        "es": "Indica el nombre de la persona a la que deberíamos preguntar, por favor.",
    },
    "referral_email": {
        "en": "Please check the email address: it should look like name@example.com.",
        "de": "Bitte prüfen Sie die E-Mail-Adresse: Sie sollte wie name@example.com aussehen.",
        "fr": "Veuillez vérifier l’adresse e-mail\u00a0: elle doit ressembler à "
              "nom@exemple.com.",
        "es": "Revisa la dirección de correo electrónico: debería ser como "
              "nombre@ejemplo.com.",
    },
}

FIELDS: dict[str, str] = {"referral_name": "name", "referral_email": "email"}
"""The part of a multi-part answer a code is about, when the error doesn't name another."""

BY_ENGLISH_TEXT: dict[str, str] = {
    texts[ENGLISH]: code for code, texts in MESSAGES.items() if "{" not in texts[ENGLISH]
}
"""The code of each English message without parameters: `AnswerError("Please answer yes or
no.")` is the same error as `AnswerError("yes_no")`, so it reads in every language."""

_DECIMAL_MARK = {"en": ".", "de": ",", "fr": ",", "es": ","}
_DATE_FORMAT = {"en": "{y:04d}-{m:02d}-{d:02d}", "de": "{d:02d}.{m:02d}.{y:04d}",
                "fr": "{d:02d}/{m:02d}/{y:04d}", "es": "{d:02d}/{m:02d}/{y:04d}"}


def catalogue_language(language: str | None) -> str:
    """The catalogue language for a session language: "de-CH" or "de_AT" → "de"; a language
    without a catalogue (or None) → "en"."""
    base = (language or "").replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else ENGLISH


def format_number(value: float, language: str | None = ENGLISH) -> str:
    """`value` as written in `language`'s messages: 12, 2.5 ("2,5" with a decimal comma)."""
    text = str(int(value)) if float(value).is_integer() else str(value)
    return text.replace(".", _DECIMAL_MARK[catalogue_language(language)])


def format_date(value: Any, language: str | None = ENGLISH) -> str:
    """An ISO date (text or `datetime.date`) as `language` writes dates: 31.03.2024 in
    German, 31/03/2024 in French and Spanish; anything else as it is."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return _DATE_FORMAT[catalogue_language(language)].format(
            y=value.year, m=value.month, d=value.day)
    return str(value)


class _Formatter(string.Formatter):
    def __init__(self, language: str) -> None:
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "date":
            return format_date(value, self.language)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return format_number(value, self.language)
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value)
        return super().format_field(value, format_spec)


def render(code: str, params: Mapping[str, Any], language: str | None = ENGLISH) -> str:
    """The message `code` with `params` filled in, in the catalogue language for `language`.
    Raises KeyError for an unknown code or a missing parameter."""
    chosen = catalogue_language(language)
    return _Formatter(chosen).vformat(MESSAGES[code][chosen], (), params)
