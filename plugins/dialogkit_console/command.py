"""`dialogkit run SCRIPT`: an interview in the terminal, or from an answers file."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import click

from dialogkit.answers import AnswerError
from dialogkit.autopilot import (
    AnswersFile,
    AnswersFileError,
    Transcript,
    read_answers_file,
    run_with_answers,
)
from dialogkit.channels import apply_reply
from dialogkit.cli import current_plugin_system
from dialogkit.diagnostics import ScriptError
from dialogkit.engine import Conversation, NavigationError, Respondent
from dialogkit.followups import FollowUpDispatcher
from dialogkit.loader import load_script
from dialogkit.script import Script
from dialogkit_console.adapter import ConsoleChannel, clean


def _attributes(pairs: tuple[str, ...]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--attr")
        try:
            attributes[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            attributes[name.strip()] = value
    return attributes


@click.command()
@click.argument("script_path", metavar="SCRIPT", type=click.Path(dir_okay=False))
@click.option("--answers", "answers_path", type=click.Path(exists=True, dir_okay=False),
              help="Run without asking: take the answers from this JSON file.")
@click.option("--transcript", "transcript_path", type=click.Path(dir_okay=False, writable=True),
              help="Write what was asked and answered, in order, to this JSON file.")
@click.option("--role", help="The respondent's role (one the script declares).")
@click.option("--segment", "segments", multiple=True, help="A segment the respondent is in.")
@click.option("--attr", "attrs", multiple=True, metavar="NAME=VALUE",
              help="A respondent attribute (VALUE is read as JSON when it can be).")
@click.option("--respondent-id", default=None, help="An id for the respondent.")
@click.option("--language", default=None, help="The language to interview in.")
@click.option("--seed", type=int, default=None,
              help="Seed for randomized orders (recorded; the same seed replays the same order).")
@click.pass_context
def run(ctx: click.Context, script_path: str, answers_path: str | None,
        transcript_path: str | None, role: str | None, segments: tuple[str, ...],
        attrs: tuple[str, ...], respondent_id: str | None, language: str | None,
        seed: int | None) -> None:
    """Interview in the terminal with SCRIPT (a YAML or JSON script file)."""
    system = current_plugin_system(ctx)
    question_types = system.registry.question_types
    try:
        script = load_script(script_path, question_types=question_types)
    except ScriptError as error:
        for diagnostic in error.diagnostics:
            click.echo(diagnostic.format(), err=True)
        ctx.exit(1)
    answers = read_answers(answers_path) if answers_path else AnswersFile(answers={})
    respondent = answers.respondent
    respondent.attributes.update(_attributes(attrs))
    respondent.role = role or respondent.role
    respondent.segments = list(segments) or respondent.segments
    respondent.id = respondent_id or respondent.id
    if language:
        answers.language = language
    given = {name for name, value in (("--role", role), ("--segment", segments),
                                      ("--language", language)) if value}
    _check_session(script, respondent, answers.language, answers_path, given)
    dispatcher = FollowUpDispatcher(system.manager, script)
    if answers_path:
        try:
            transcript = run_with_answers(script, answers, seed=seed,
                                          on_events=dispatcher.dispatch,
                                          question_types=question_types,
                                          follow_up=dispatcher.follow_up)
        except AnswersFileError as error:
            raise click.ClickException(str(error)) from None
        for key in transcript.unused_answers:
            click.echo(f"warning: the answers file answers '{key}', which was never asked "
                       "(a typo, or a path this run did not take)", err=True)
        click.echo(f"{transcript.outcome}: {len(transcript.steps)} steps, "
                   f"{len(transcript.answers)} answers", err=True)
    else:
        transcript = _interview(script, respondent, answers.language,
                                seed if seed is not None else secrets.randbelow(2**31),
                                dispatcher, question_types)
    document = transcript.to_json()
    if dispatcher.followups:
        document["followups"] = dispatcher.followups
    if transcript_path:
        Path(transcript_path).write_text(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_answers(path: str) -> AnswersFile:
    try:
        return read_answers_file(path)
    except AnswersFileError as error:
        raise click.ClickException(str(error)) from None


def _check_session(script: Script, respondent: Respondent, language: str | None,
                   answers_path: str | None, given: set[str]) -> None:
    """A usage error unless the script has the language, role and segments asked for.

    `given` names the options the user gave; the other values came from the answers file.
    """
    def fail(option: str, field_name: str, message: str) -> NoReturn:
        if option in given or answers_path is None:
            raise click.BadParameter(message, param_hint=option)
        raise click.UsageError(f"{answers_path}: '{field_name}' in the answers file: {message}")

    document = script.document
    if language is not None and language not in document.languages:
        fail("--language", "language", f"'{language}' is not a language of this script "
                                       f"(it has {', '.join(document.languages)})")
    roles = [role.id for role in document.roles]
    if respondent.role is not None and roles and respondent.role not in roles:
        fail("--role", "respondent.role", f"'{respondent.role}' is not a role of this script "
                                          f"({', '.join(roles)})")
    declared = list(document.segments)
    unknown = [segment for segment in respondent.segments if segment not in declared]
    if declared and unknown:
        names = ", ".join(f"'{segment}'" for segment in unknown)
        verb = "is not a segment" if len(unknown) == 1 else "are not segments"
        fail("--segment", "respondent.segments",
             f"{names} {verb} of this script ({', '.join(declared)})")


def _interview(script: Script, respondent: Respondent, language: str | None, seed: int,
               dispatcher: FollowUpDispatcher, question_types: Mapping[str, Any]
               ) -> Transcript:
    """Ask each prompt on the terminal until the end, /stop or end of input."""
    conversation, events = Conversation.start(script, respondent, channel="console",
                                              language=language, seed=seed,
                                              question_types=question_types,
                                              follow_up=dispatcher.follow_up)
    dispatcher.dispatch(conversation, events)
    transcript = Transcript.start(conversation)
    channel = ConsoleChannel()
    state = conversation.state
    click.echo(clean(script.title.render(conversation.env(), state.language)))
    click.echo(clean(script.purpose.render(conversation.env(), state.language)))
    minutes = script.document.estimated_minutes
    click.echo(f"(About {minutes:g} minute{'' if minutes == 1 else 's'}.)\n")
    while (prompt := conversation.prompt) is not None:
        click.echo(channel.render(prompt))
        line = sys.stdin.readline()
        if not line:
            click.echo("\nStopped. Your answers so far are kept in the transcript.")
            break
        try:
            reply = channel.parse(prompt, line)
            if reply.action == "stop":
                click.echo("Stopped. Thank you for your time so far.")
                break
            if reply.action == "answer" and _needs_other_text(prompt, reply.value, reply.other):
                click.echo("> Please say what your other answer is:")
                reply = type(reply)(value=reply.value, other=sys.stdin.readline().strip())
            events = apply_reply(conversation, reply)
        except (AnswerError, NavigationError) as error:
            click.echo(f"! {error.message}\n")
            continue
        transcript.record(prompt, events)
        for followup in dispatcher.dispatch(conversation, events):
            click.echo(f"  [{followup['kind']}] {followup.get('message') or followup.get('name')}")
        click.echo()
    if conversation.finished:
        click.echo("Thank you! " + ("We'll reach out to the person you named."
                                    if state.status == "referred" else
                                    "Your answers help decide what we change next."))
    transcript.close(conversation)
    return transcript


def _needs_other_text(prompt: Any, value: Any, other: str | None) -> bool:
    picked = value if isinstance(value, list) else [value]
    return not other and any(o.is_other and o.value in picked for o in prompt.options)
