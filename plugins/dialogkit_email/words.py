"""The email channel's own words, in the languages the web form speaks (en, de, fr, es).

Script texts (titles, purposes, questions) come from the script in the session's language;
these are the words around them. A missing language falls back to English.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hello {name},",
        "greeting_anonymous": "Hello,",
        "why": "Why we ask",
        "minutes": "It takes about {minutes} minutes.",
        "minute": "It takes about a minute.",
        "start": "Start here",
        "continue": "Continue where you left off",
        "answer_on_web": "You can also answer on the web:",
        "reminder_intro": "A short reminder: we would still very much like to hear from you.",
        "question_intro": "Thank you. Next:",
        "reask_intro": "Thank you for your reply. We could not quite read it as an answer:",
        "reask_again": "Could you reply once more?",
        "stale_intro": "Thank you for your reply. We already have your answer to that question; "
                       "here is where we are now:",
        "web_only": "The next question is best answered on the web:",
        "thanks_title": "Thank you",
        "thanks_body": "Your answers are saved.",
        "resume_intro": "Here is your link to finish later. It works on any device:",
        "opt_out": "Don't want to hear from us? Stop all messages:",
        "sent_by": "Sent by {sender}.",
        "scale_ends": "{low} = {low_label} … {high} = {high_label}",
        "how_number": "Reply with a number from {low} to {high}.",
        "how_choice": "Reply with the number of your choice.",
        "how_choice_other": "Reply with the number of your choice; for '{label}', add your "
                            "own words after a colon (e.g. {number}: …).",
        "how_choices": "Reply with the numbers of your choices, separated by commas.",
        "how_yes_no": "Reply yes or no.",
        "how_text": "Reply with your answer in your own words.",
        "how_number_value": "Reply with a number.",
        "how_date": "Reply with a date as YYYY-MM-DD.",
        "how_referral": "Reply with {fields}, one per line (e.g. name: …).",
        "how_skip": "Or reply SKIP to pass this question.",
        "how_back_later": "Reply BACK to change your previous answer, or LATER for a link to "
                          "finish another time.",
        "subject_invitation": "{title}",
        "subject_reminder": "Reminder: {title}",
        "subject_resume": "Your link to finish: {title}",
        "subject_thanks": "Thank you: {title}",
        "probe_about": "About your answer to: {question}",
    },
    "de": {
        "greeting": "Hallo {name},",
        "greeting_anonymous": "Hallo,",
        "why": "Warum wir fragen",
        "minutes": "Es dauert etwa {minutes} Minuten.",
        "minute": "Es dauert etwa eine Minute.",
        "start": "Hier beginnen",
        "continue": "Dort weitermachen, wo Sie aufgehört haben",
        "answer_on_web": "Sie können auch im Web antworten:",
        "reminder_intro": "Eine kurze Erinnerung: Wir würden uns sehr freuen, von Ihnen zu "
                          "hören.",
        "question_intro": "Vielen Dank. Als Nächstes:",
        "reask_intro": "Vielen Dank für Ihre Antwort. Wir konnten sie leider nicht ganz als "
                       "Antwort lesen:",
        "reask_again": "Könnten Sie noch einmal antworten?",
        "stale_intro": "Vielen Dank für Ihre Antwort. Diese Frage haben Sie bereits "
                       "beantwortet; hier geht es weiter:",
        "web_only": "Die nächste Frage beantworten Sie am besten im Web:",
        "thanks_title": "Vielen Dank",
        "thanks_body": "Ihre Antworten sind gespeichert.",
        "resume_intro": "Hier ist Ihr Link, um später weiterzumachen. Er funktioniert auf "
                        "jedem Gerät:",
        "opt_out": "Sie möchten nichts mehr von uns hören? Alle Nachrichten abbestellen:",
        "sent_by": "Gesendet von {sender}.",
        "scale_ends": "{low} = {low_label} … {high} = {high_label}",
        "how_number": "Antworten Sie mit einer Zahl von {low} bis {high}.",
        "how_choice": "Antworten Sie mit der Nummer Ihrer Wahl.",
        "how_choice_other": "Antworten Sie mit der Nummer Ihrer Wahl; für „{label}“ fügen "
                            "Sie Ihre eigenen Worte nach einem Doppelpunkt an (z. B. "
                            "{number}: …).",
        "how_choices": "Antworten Sie mit den Nummern Ihrer Wahl, durch Kommas getrennt.",
        "how_yes_no": "Antworten Sie mit Ja oder Nein.",
        "how_text": "Antworten Sie in Ihren eigenen Worten.",
        "how_number_value": "Antworten Sie mit einer Zahl.",
        "how_date": "Antworten Sie mit einem Datum im Format JJJJ-MM-TT.",
        "how_referral": "Antworten Sie mit {fields}, je eine Zeile (z. B. name: …).",
        "how_skip": "Oder antworten Sie SKIP, um diese Frage auszulassen.",
        "how_back_later": "Antworten Sie BACK, um Ihre vorige Antwort zu ändern, oder LATER "
                          "für einen Link, um später weiterzumachen.",
        "subject_invitation": "{title}",
        "subject_reminder": "Erinnerung: {title}",
        "subject_resume": "Ihr Link zum Weitermachen: {title}",
        "subject_thanks": "Vielen Dank: {title}",
        "probe_about": "Zu Ihrer Antwort auf: {question}",
    },
    "fr": {
        "greeting": "Bonjour {name},",
        "greeting_anonymous": "Bonjour,",
        "why": "Pourquoi nous vous interrogeons",
        "minutes": "Cela prend environ {minutes} minutes.",
        "minute": "Cela prend environ une minute.",
        "start": "Commencer ici",
        "continue": "Reprendre là où vous vous êtes arrêté",
        "answer_on_web": "Vous pouvez aussi répondre sur le web :",
        "reminder_intro": "Un petit rappel : nous aimerions beaucoup avoir votre avis.",
        "question_intro": "Merci. Ensuite :",
        "reask_intro": "Merci pour votre réponse. Nous n'avons pas tout à fait pu la lire "
                       "comme une réponse :",
        "reask_again": "Pourriez-vous répondre encore une fois ?",
        "stale_intro": "Merci pour votre réponse. Nous avons déjà votre réponse à cette "
                       "question ; voici la suite :",
        "web_only": "Il est préférable de répondre à la question suivante sur le web :",
        "thanks_title": "Merci",
        "thanks_body": "Vos réponses sont enregistrées.",
        "resume_intro": "Voici votre lien pour terminer plus tard. Il fonctionne sur tout "
                        "appareil :",
        "opt_out": "Vous ne souhaitez plus recevoir nos messages ? Tout arrêter :",
        "sent_by": "Envoyé par {sender}.",
        "scale_ends": "{low} = {low_label} … {high} = {high_label}",
        "how_number": "Répondez par un nombre de {low} à {high}.",
        "how_choice": "Répondez par le numéro de votre choix.",
        "how_choice_other": "Répondez par le numéro de votre choix ; pour « {label} », "
                            "ajoutez vos propres mots après deux-points (p. ex. {number} : …).",
        "how_choices": "Répondez par les numéros de vos choix, séparés par des virgules.",
        "how_yes_no": "Répondez oui ou non.",
        "how_text": "Répondez avec vos propres mots.",
        "how_number_value": "Répondez par un nombre.",
        "how_date": "Répondez par une date au format AAAA-MM-JJ.",
        "how_referral": "Répondez avec {fields}, un par ligne (p. ex. name : …).",
        "how_skip": "Ou répondez SKIP pour passer cette question.",
        "how_back_later": "Répondez BACK pour modifier votre réponse précédente, ou LATER "
                          "pour un lien permettant de terminer plus tard.",
        "subject_invitation": "{title}",
        "subject_reminder": "Rappel : {title}",
        "subject_resume": "Votre lien pour terminer : {title}",
        "subject_thanks": "Merci : {title}",
        "probe_about": "À propos de votre réponse à : {question}",
    },
    "es": {
        "greeting": "Hola, {name}:",
        "greeting_anonymous": "Hola:",
        "why": "Por qué preguntamos",
        "minutes": "Se tarda unos {minutes} minutos.",
        "minute": "Se tarda alrededor de un minuto.",
        "start": "Empezar aquí",
        "continue": "Continuar donde lo dejó",
        "answer_on_web": "También puede responder en la web:",
        "reminder_intro": "Un breve recordatorio: nos gustaría mucho conocer su opinión.",
        "question_intro": "Gracias. A continuación:",
        "reask_intro": "Gracias por su respuesta. No hemos podido leerla del todo como una "
                       "respuesta:",
        "reask_again": "¿Podría responder una vez más?",
        "stale_intro": "Gracias por su respuesta. Ya tenemos su respuesta a esa pregunta; "
                       "seguimos aquí:",
        "web_only": "La siguiente pregunta se responde mejor en la web:",
        "thanks_title": "Gracias",
        "thanks_body": "Sus respuestas están guardadas.",
        "resume_intro": "Este es su enlace para terminar más tarde. Funciona en cualquier "
                        "dispositivo:",
        "opt_out": "¿No quiere saber más de nosotros? Detener todos los mensajes:",
        "sent_by": "Enviado por {sender}.",
        "scale_ends": "{low} = {low_label} … {high} = {high_label}",
        "how_number": "Responda con un número del {low} al {high}.",
        "how_choice": "Responda con el número de su elección.",
        "how_choice_other": "Responda con el número de su elección; para «{label}», añada "
                            "sus propias palabras tras dos puntos (p. ej. {number}: …).",
        "how_choices": "Responda con los números de sus elecciones, separados por comas.",
        "how_yes_no": "Responda sí o no.",
        "how_text": "Responda con sus propias palabras.",
        "how_number_value": "Responda con un número.",
        "how_date": "Responda con una fecha en formato AAAA-MM-DD.",
        "how_referral": "Responda con {fields}, uno por línea (p. ej. name: …).",
        "how_skip": "O responda SKIP para saltar esta pregunta.",
        "how_back_later": "Responda BACK para cambiar su respuesta anterior, o LATER para "
                          "recibir un enlace y terminar en otro momento.",
        "subject_invitation": "{title}",
        "subject_reminder": "Recordatorio: {title}",
        "subject_resume": "Su enlace para terminar: {title}",
        "subject_thanks": "Gracias: {title}",
        "probe_about": "Sobre su respuesta a: {question}",
    },
}

YES_WORDS = frozenset({"y", "yes", "yeah", "yep", "sure", "true", "ja", "j", "oui", "o", "si",
                       "sí", "s", "1"})
NO_WORDS = frozenset({"n", "no", "nope", "false", "nein", "non", "0"})
BACK_WORDS = frozenset({"back", "zurück", "retour", "atrás", "volver"})
LATER_WORDS = frozenset({"later", "später", "plus tard", "más tarde", "luego"})
SKIP_WORDS = frozenset({"skip", "pass", "prefer not to say", "weiter", "überspringen",
                        "passer", "saltar", "pasar"})


def base_language(language: str | None) -> str:
    """"de-CH" → "de"; a language without words of its own → "en"."""
    base = (language or "en").split("-")[0].lower()
    return base if base in WORDS else "en"


def translator(language: str | None) -> Callable[..., str]:
    """`t(key, **params)`: the email channel's words in `language`."""
    table = WORDS[base_language(language)]

    def t(key: str, **params: Any) -> str:
        text = table.get(key) or WORDS["en"][key]
        return text.format(**params) if params else text

    return t
