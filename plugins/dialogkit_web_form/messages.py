"""The words of the web form itself (buttons, headings, notices) in the languages scripts use.

Script texts come from the script; these are the page's own. A language without an entry
here falls back to English.
"""

from __future__ import annotations

from collections.abc import Callable

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "start": "Start",
        "next": "Continue",
        "back": "Back",
        "save": "Save and finish later",
        "prefer_not_to_say": "Prefer not to say",
        "skip": "Skip this question",
        "no_more": "I'd rather not say more",
        "minutes": "About {minutes} minutes",
        "minute": "About 1 minute",
        "progress": "About {percent}% done",
        "progress_label": "Progress",
        "problem": "There is a problem",
        "error_prefix": "Error:",
        "you_said": "You said",
        "other_detail": "Please say which",
        "yes": "Yes",
        "no": "No",
        "welcome_back": "Welcome back. Your earlier answers are saved; use Back to see or "
                        "change them.",
        "moved_on": "This page had already been answered, perhaps in another tab or window. "
                    "Here is where you are now.",
        "saved_title": "Your answers are saved",
        "saved_body": "You can close this page. To carry on later, on any device, open this "
                      "link:",
        "saved_keep": "Keep the link private: anyone who has it can see and change your "
                      "answers.",
        "continue_now": "Continue now",
        "finished_title": "Thank you",
        "finished_saved": "Your answers have been saved.",
        "referred_title": "Thank you",
        "referred_body": "We will ask the person you named instead.",
        "link_invalid_title": "This link does not work",
        "link_unknown": "This link is not valid. Please check that it was copied whole.",
        "link_expired": "This link has expired.",
        "link_revoked": "This link has been withdrawn.",
        "link_invalid_help": "If you were sent this link, please ask the sender for a new "
                             "one.",
        "too_many_title": "Too many attempts",
        "too_many_body": "Too many links that do not work were tried from your connection. "
                         "Please wait a few minutes and try again.",
        "forbidden_title": "This page is not available",
        "forbidden_body": "Please open the link you were sent to continue.",
        "expired_form_title": "This form has expired",
        "expired_form_body": "For your safety the page could not be sent. Your answers so far "
                             "are saved; please open the page again and resend your answer.",
        "bad_form_title": "This answer could not be sent",
        "bad_form_body": "It was too long or not readable. Please go back, shorten it "
                         "and send it again.",
        "not_found_title": "Page not found",
        "not_found_body": "Please check the address, or open the link you were sent.",
        "open_title": "Start",
        "low": "lowest",
        "high": "highest",
        "choose_one": "Choose one",
        "choose_any": "Choose all that apply",
        "optional": "(optional)",
        "field_name": "Name",
        "field_email": "Email address",
        "field_role": "Role",
        "field_phone": "Phone number",
        "date_hint": "For example 2024-03-31",
        "answer": "Your answer",
        "opt_out_title": "Stop messages from us",
        "opt_out_body": "Press the button and we will no longer contact {address}, in any of "
                        "our programs.",
        "opt_out_button": "Stop all messages",
        "opted_out_title": "You will get no more messages",
        "opted_out_body": "We will no longer contact {address}, in any of our programs.",
        "already_opted_out_title": "You have already opted out",
        "already_opted_out_body": "We no longer contact {address}, in any of our programs.",
    },
    "de": {
        "start": "Beginnen",
        "next": "Weiter",
        "back": "Zurück",
        "save": "Speichern und später fortsetzen",
        "prefer_not_to_say": "Keine Angabe",
        "skip": "Frage überspringen",
        "no_more": "Dazu möchte ich nichts weiter sagen",
        "minutes": "Etwa {minutes} Minuten",
        "minute": "Etwa 1 Minute",
        "progress": "Etwa {percent} % geschafft",
        "progress_label": "Fortschritt",
        "problem": "Es gibt ein Problem",
        "error_prefix": "Fehler:",
        "you_said": "Sie sagten",
        "other_detail": "Bitte nennen Sie es",
        "yes": "Ja",
        "no": "Nein",
        "welcome_back": "Willkommen zurück. Ihre bisherigen Antworten sind gespeichert; mit "
                        "„Zurück“ können Sie sie ansehen oder ändern.",
        "moved_on": "Diese Seite wurde bereits beantwortet, vielleicht in einem anderen "
                    "Fenster. Hier geht es weiter.",
        "saved_title": "Ihre Antworten sind gespeichert",
        "saved_body": "Sie können diese Seite schließen. Um später weiterzumachen, auf "
                      "jedem Gerät, öffnen Sie diesen Link:",
        "saved_keep": "Geben Sie den Link nicht weiter: Wer ihn hat, kann Ihre Antworten "
                      "sehen und ändern.",
        "continue_now": "Jetzt weitermachen",
        "finished_title": "Vielen Dank",
        "finished_saved": "Ihre Antworten wurden gespeichert.",
        "referred_title": "Vielen Dank",
        "referred_body": "Wir fragen stattdessen die Person, die Sie genannt haben.",
        "link_invalid_title": "Dieser Link funktioniert nicht",
        "link_unknown": "Dieser Link ist ungültig. Bitte prüfen Sie, ob er vollständig "
                        "kopiert wurde.",
        "link_expired": "Dieser Link ist abgelaufen.",
        "link_revoked": "Dieser Link wurde zurückgezogen.",
        "link_invalid_help": "Bitte bitten Sie den Absender um einen neuen Link.",
        "too_many_title": "Zu viele Versuche",
        "too_many_body": "Von Ihrer Verbindung wurden zu viele ungültige Links aufgerufen. "
                         "Bitte warten Sie einige Minuten.",
        "forbidden_title": "Diese Seite ist nicht verfügbar",
        "forbidden_body": "Bitte öffnen Sie den Link, den Sie erhalten haben.",
        "expired_form_title": "Dieses Formular ist abgelaufen",
        "expired_form_body": "Zu Ihrer Sicherheit wurde die Seite nicht gesendet. Ihre "
                             "bisherigen Antworten sind gespeichert; bitte öffnen Sie die "
                             "Seite erneut.",
        "bad_form_title": "Diese Antwort konnte nicht gesendet werden",
        "bad_form_body": "Sie war zu lang oder nicht lesbar. Bitte gehen Sie zurück, "
                         "kürzen Sie sie und senden Sie sie erneut.",
        "not_found_title": "Seite nicht gefunden",
        "not_found_body": "Bitte prüfen Sie die Adresse oder öffnen Sie den erhaltenen Link.",
        "open_title": "Beginnen",
        "low": "niedrigster Wert",
        "high": "höchster Wert",
        "choose_one": "Bitte eine Antwort wählen",
        "choose_any": "Alle zutreffenden wählen",
        "optional": "(freiwillig)",
        "field_name": "Name",
        "field_email": "E-Mail-Adresse",
        "field_role": "Funktion",
        "field_phone": "Telefonnummer",
        "date_hint": "Zum Beispiel 2024-03-31",
        "answer": "Ihre Antwort",
        "opt_out_title": "Keine Nachrichten mehr von uns",
        "opt_out_body": "Drücken Sie die Schaltfläche, und wir kontaktieren {address} nicht "
                        "mehr, in keinem unserer Programme.",
        "opt_out_button": "Alle Nachrichten abbestellen",
        "opted_out_title": "Sie erhalten keine Nachrichten mehr",
        "opted_out_body": "Wir kontaktieren {address} nicht mehr, in keinem unserer Programme.",
        "already_opted_out_title": "Sie haben sich bereits abgemeldet",
        "already_opted_out_body": "Wir kontaktieren {address} schon nicht mehr, in keinem "
                                  "unserer Programme.",
    },
    "fr": {
        "start": "Commencer",
        "next": "Continuer",
        "back": "Retour",
        "save": "Enregistrer et finir plus tard",
        "prefer_not_to_say": "Je préfère ne pas répondre",
        "skip": "Passer cette question",
        "no_more": "Je préfère ne pas en dire plus",
        "minutes": "Environ {minutes} minutes",
        "minute": "Environ 1 minute",
        "progress": "Environ {percent} % effectués",
        "progress_label": "Progression",
        "problem": "Il y a un problème",
        "error_prefix": "Erreur :",
        "you_said": "Vous avez dit",
        "other_detail": "Précisez",
        "yes": "Oui",
        "no": "Non",
        "welcome_back": "Bon retour. Vos réponses sont enregistrées ; utilisez Retour pour "
                        "les voir ou les modifier.",
        "moved_on": "Cette page avait déjà reçu une réponse, peut-être dans un autre "
                    "onglet. Voici où vous en êtes.",
        "saved_title": "Vos réponses sont enregistrées",
        "saved_body": "Vous pouvez fermer cette page. Pour continuer plus tard, sur "
                      "n'importe quel appareil, ouvrez ce lien :",
        "saved_keep": "Gardez ce lien pour vous : qui l'a peut voir et modifier vos réponses.",
        "continue_now": "Continuer maintenant",
        "finished_title": "Merci",
        "finished_saved": "Vos réponses ont été enregistrées.",
        "referred_title": "Merci",
        "referred_body": "Nous interrogerons plutôt la personne que vous avez indiquée.",
        "link_invalid_title": "Ce lien ne fonctionne pas",
        "link_unknown": "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.",
        "link_expired": "Ce lien a expiré.",
        "link_revoked": "Ce lien a été retiré.",
        "link_invalid_help": "Demandez un nouveau lien à l'expéditeur.",
        "too_many_title": "Trop de tentatives",
        "too_many_body": "Trop de liens invalides ont été essayés depuis votre connexion. "
                         "Patientez quelques minutes.",
        "forbidden_title": "Cette page n'est pas disponible",
        "forbidden_body": "Ouvrez le lien que vous avez reçu pour continuer.",
        "expired_form_title": "Ce formulaire a expiré",
        "expired_form_body": "Par sécurité, la page n'a pas été envoyée. Vos réponses sont "
                             "enregistrées ; rouvrez la page et renvoyez votre réponse.",
        "bad_form_title": "Cette réponse n'a pas pu être envoyée",
        "bad_form_body": "Elle était trop longue ou illisible. Revenez en arrière, "
                         "raccourcissez-la et renvoyez-la.",
        "not_found_title": "Page introuvable",
        "not_found_body": "Vérifiez l'adresse ou ouvrez le lien reçu.",
        "open_title": "Commencer",
        "low": "le plus bas",
        "high": "le plus haut",
        "choose_one": "Choisissez une réponse",
        "choose_any": "Choisissez toutes les réponses qui conviennent",
        "optional": "(facultatif)",
        "field_name": "Nom",
        "field_email": "Adresse e-mail",
        "field_role": "Fonction",
        "field_phone": "Numéro de téléphone",
        "date_hint": "Par exemple 2024-03-31",
        "answer": "Votre réponse",
        "opt_out_title": "Ne plus recevoir nos messages",
        "opt_out_body": "Appuyez sur le bouton et nous ne contacterons plus {address}, pour "
                        "aucun de nos programmes.",
        "opt_out_button": "Arrêter tous les messages",
        "opted_out_title": "Vous ne recevrez plus de messages",
        "opted_out_body": "Nous ne contacterons plus {address}, pour aucun de nos programmes.",
        "already_opted_out_title": "Votre désinscription est déjà enregistrée",
        "already_opted_out_body": "Nous ne contactons plus {address}, pour aucun de nos "
                                  "programmes.",
    },
    "es": {
        "start": "Empezar",
        "next": "Continuar",
        "back": "Atrás",
        "save": "Guardar y terminar más tarde",
        "prefer_not_to_say": "Prefiero no decirlo",
        "skip": "Saltar esta pregunta",
        "no_more": "Prefiero no decir más",
        "minutes": "Unos {minutes} minutos",
        "minute": "Un minuto",
        "progress": "Llevas un {percent} %",
        "progress_label": "Progreso",
        "problem": "Hay un problema",
        "error_prefix": "Error:",
        "you_said": "Dijiste",
        "other_detail": "Indica cuál",
        "yes": "Sí",
        "no": "No",
        "welcome_back": "Hola de nuevo. Tus respuestas están guardadas; usa Atrás para verlas "
                        "o cambiarlas.",
        "moved_on": "Esta página ya se había respondido, quizá en otra pestaña. Aquí es "
                    "donde estás ahora.",
        "saved_title": "Tus respuestas están guardadas",
        "saved_body": "Puedes cerrar esta página. Para continuar más tarde, en cualquier "
                      "dispositivo, abre este enlace:",
        "saved_keep": "No compartas el enlace: quien lo tenga puede ver y cambiar tus "
                      "respuestas.",
        "continue_now": "Continuar ahora",
        "finished_title": "Gracias",
        "finished_saved": "Tus respuestas se han guardado.",
        "referred_title": "Gracias",
        "referred_body": "Preguntaremos a la persona que nos has indicado.",
        "link_invalid_title": "Este enlace no funciona",
        "link_unknown": "Este enlace no es válido. Comprueba que se copió entero.",
        "link_expired": "Este enlace ha caducado.",
        "link_revoked": "Este enlace ha sido retirado.",
        "link_invalid_help": "Pide un enlace nuevo a quien te lo envió.",
        "too_many_title": "Demasiados intentos",
        "too_many_body": "Se han probado demasiados enlaces no válidos desde tu conexión. "
                         "Espera unos minutos.",
        "forbidden_title": "Esta página no está disponible",
        "forbidden_body": "Abre el enlace que recibiste para continuar.",
        "expired_form_title": "Este formulario ha caducado",
        "expired_form_body": "Por seguridad, la página no se envió. Tus respuestas están "
                             "guardadas; vuelve a abrir la página y envía tu respuesta.",
        "bad_form_title": "No se pudo enviar esta respuesta",
        "bad_form_body": "Era demasiado larga o no se podía leer. Vuelve atrás, acórtala "
                         "y envíala de nuevo.",
        "not_found_title": "Página no encontrada",
        "not_found_body": "Comprueba la dirección o abre el enlace que recibiste.",
        "open_title": "Empezar",
        "low": "el más bajo",
        "high": "el más alto",
        "choose_one": "Elige una respuesta",
        "choose_any": "Elige todas las que correspondan",
        "optional": "(opcional)",
        "field_name": "Nombre",
        "field_email": "Correo electrónico",
        "field_role": "Cargo",
        "field_phone": "Número de teléfono",
        "date_hint": "Por ejemplo 2024-03-31",
        "answer": "Tu respuesta",
        "opt_out_title": "Dejar de recibir nuestros mensajes",
        "opt_out_body": "Pulsa el botón y no volveremos a contactar con {address} en ninguno "
                        "de nuestros programas.",
        "opt_out_button": "Dejar de recibir mensajes",
        "opted_out_title": "No recibirás más mensajes",
        "opted_out_body": "No volveremos a contactar con {address} en ninguno de nuestros "
                          "programas.",
        "already_opted_out_title": "Ya te habías dado de baja",
        "already_opted_out_body": "Ya no contactamos con {address} en ninguno de nuestros "
                                  "programas.",
    },
}


def field_label(language: str | None, field: str) -> str:
    """The label of a referral field (name, email, role, phone) in `language`; another
    field's own name, capitalized."""
    key = f"field_{field}"
    return translator(language)(key) if key in MESSAGES["en"] else field.capitalize()


def ranked_languages(accept_language: str | None) -> list[str]:
    """The languages of an ``Accept-Language`` header, most preferred first, as bare codes
    ("de-CH" gives "de")."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, weight = part.strip().partition(";q=")
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            continue
        if tag.strip() and quality > 0:
            ranked.append((-quality, position, tag.split("-")[0].strip().lower()))
    return list(dict.fromkeys(language for _, _, language in sorted(ranked)))


def preferred_language(accept_language: str | None) -> str:
    """The first language of an ``Accept-Language`` header the page's words exist in
    (English when none does)."""
    return next((language for language in ranked_languages(accept_language)
                 if language in MESSAGES), "en")


def translator(language: str | None) -> Callable[..., str]:
    """`t(name, **values)`: the page text `name` in `language` (English when missing)."""
    words = MESSAGES.get((language or "en").split("-")[0], MESSAGES["en"])
    english = MESSAGES["en"]

    def t(name: str, **values: object) -> str:
        text = words.get(name) or english[name]
        return text.format(**values) if values else text

    return t
