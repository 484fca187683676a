"""The ``dialogkit`` group, plugin commands, and ``dialogkit plugins``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogkit import __version__
from dialogkit.cli import main
from dialogkit.plugins import ALLOW_ENV, BLOCK_ENV

pytest_plugins = ["dialogkit.testing.fixtures"]

BUILTINS = ("basic_lint", "console", "email", "phone_script", "web_form")

HELLO_PLUGIN = textwrap.dedent(
    """
    import click

    from dialogkit import hookimpl
    from dialogkit.plugin_types import Channel, CliCommand

    CALLS = []


    @click.command()
    @click.option("--name", default="world")
    def hello(name):
        \"\"\"Greet someone.\"\"\"
        click.echo(f"hello {name}")


    @hookimpl
    def dialogkit_cli_commands():
        CALLS.append("dialogkit_cli_commands")
        yield CliCommand(name="hello", command=hello)


    @hookimpl
    def dialogkit_channels():
        yield Channel(name="sms", summary="Text messages", factory=dict)
    """
)


def channel_plugin(name: str) -> str:
    return textwrap.dedent(
        f"""
        from dialogkit import hookimpl
        from dialogkit.plugin_types import Channel

        @hookimpl
        def dialogkit_channels():
            yield Channel(name={name!r}, summary="s", factory=dict)
        """
    )


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def hello_plugin(fake_distribution) -> None:
    fake_distribution(
        "acme-hello",
        "2.0",
        entry_points={"hello": "acme_hello"},
        files={"acme_hello.py": HELLO_PLUGIN},
    )


def test_version(runner):
    result = runner.invoke(main, ["--version"])

    assert result.exit_code == 0
    assert result.output == f"dialogkit, version {__version__}\n"


def test_plugins_json_lists_builtins(runner, monkeypatch):
    monkeypatch.delenv(BLOCK_ENV, raising=False)
    monkeypatch.delenv(ALLOW_ENV, raising=False)

    result = runner.invoke(main, ["plugins", "--json"])

    assert result.exit_code == 0, result.output
    listed = {plugin["name"]: plugin for plugin in json.loads(result.stdout)["plugins"]}
    for name in BUILTINS:
        assert listed[name]["builtin"] is True
        assert listed[name]["distribution"] == "dialogkit"


def test_plugin_command_appears_in_help_and_runs(runner, hello_plugin):
    help_result = runner.invoke(main, ["--help"])
    run_result = runner.invoke(main, ["hello", "--name", "Ada"])

    assert help_result.exit_code == 0
    assert "hello" in help_result.output
    assert "Greet someone." in help_result.output
    assert "plugins" in help_result.output
    assert run_result.exit_code == 0, run_result.output
    assert run_result.output == "hello Ada\n"


def test_plugin_system_is_built_once_per_invocation(runner, hello_plugin):
    runner.invoke(main, ["--help"])

    assert sys.modules["acme_hello"].CALLS == ["dialogkit_cli_commands"]


def test_plugins_lists_sources_registrations_and_blocked(runner, hello_plugin):
    result = runner.invoke(main, ["--block-plugin", "console", "plugins"])

    assert result.exit_code == 0, result.output
    assert "basic_lint (built-in, dialogkit " in result.stdout
    assert "hello (acme-hello 2.0)" in result.stdout
    assert "  module: acme_hello  " in result.stdout
    assert "  channel: sms\n  cli command: hello\n" in result.stdout
    assert "Blocked: console" in result.stdout


def test_plugins_json_has_the_same_facts(runner, hello_plugin):
    result = runner.invoke(main, ["plugins", "--json"], env={ALLOW_ENV: "hello"})

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    [plugin] = document["plugins"]
    assert plugin == {
        "name": "hello",
        "distribution": "acme-hello",
        "version": "2.0",
        "module": "acme_hello",
        "path": plugin["path"],
        "builtin": False,
        "registers": {"channel": ["sms"], "cli_command": ["hello"]},
    }
    assert plugin["path"].endswith("acme_hello.py")
    assert document["problems"] == []
    assert document["blocked"] == list(BUILTINS)


def test_block_and_allow_options(runner, hello_plugin):
    blocked = runner.invoke(main, ["--block-plugin", "hello", "hello"])
    allowed = runner.invoke(main, ["--allow-plugin", "console", "hello"])
    from_env = runner.invoke(main, ["hello"], env={BLOCK_ENV: "hello"})

    for result in (blocked, allowed, from_env):
        assert result.exit_code == 2
        assert "No such command 'hello'" in result.output


def test_broken_plugin_is_listed_and_the_rest_still_work(runner, hello_plugin, fake_distribution):
    fake_distribution(
        "broken-pkg",
        "0.1",
        entry_points={"broken": "broken_plugin"},
        files={"broken_plugin.py": "raise RuntimeError('misconfigured')\n"},
    )

    listing = runner.invoke(main, ["plugins"])
    document = json.loads(runner.invoke(main, ["plugins", "--json"]).stdout)
    hello = runner.invoke(main, ["hello"])

    expected = (
        "plugin 'broken' (broken-pkg 0.1): could not be imported: RuntimeError: misconfigured"
    )
    assert listing.exit_code == 0
    assert f"warning: {expected}" in listing.stderr
    assert f"Problems:\n  {expected}" in listing.stdout
    [problem] = document["problems"]
    assert (problem["plugin"], problem["distribution"], problem["version"]) == (
        "broken",
        "broken-pkg",
        "0.1",
    )
    assert hello.exit_code == 0
    assert hello.stdout == "hello world\n"


def test_duplicate_names_exit_2_naming_both_providers(runner, hello_plugin, fake_distribution):
    fake_distribution(
        "other-sms",
        "0.3",
        entry_points={"other": "other_sms"},
        files={"other_sms.py": channel_plugin("sms")},
    )

    result = runner.invoke(main, ["plugins"])
    unblocked = runner.invoke(main, ["--block-plugin", "other", "plugins"])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        "Error: channel 'sms' is registered by both plugin 'hello' (acme-hello 2.0) and plugin "
        "'other' (other-sms 0.3); block one with --block-plugin other"
    ) in result.stderr
    assert unblocked.exit_code == 0


def test_plugin_command_clashing_with_a_core_command_is_an_error(runner, fake_distribution):
    fake_distribution(
        "clash-pkg",
        "1.1",
        entry_points={"clash": "clash_plugin"},
        files={
            "clash_plugin.py": textwrap.dedent(
                """
                import click
                from dialogkit import hookimpl
                from dialogkit.plugin_types import CliCommand

                @hookimpl
                def dialogkit_cli_commands():
                    yield CliCommand(name="plugins", command=click.Command("plugins"))
                """
            )
        },
    )

    result = runner.invoke(main, ["--help"])

    assert result.exit_code == 2
    assert (
        "plugin 'clash' (clash-pkg 1.1) registers the command 'plugins', which is a core "
        "dialogkit command; block it with --block-plugin clash"
    ) in result.stderr
    assert runner.invoke(main, ["--block-plugin", "clash", "plugins"]).exit_code == 0


def test_installed_console_script_lists_builtin_plugins(tmp_path):
    script = Path(sysconfig.get_path("scripts")) / "dialogkit"
    if not script.exists():
        pytest.fail(f"{script} is missing: install dialogkit first (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k not in (BLOCK_ENV, ALLOW_ENV)}

    completed = subprocess.run(
        [str(script), "plugins", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    listed = {plugin["name"]: plugin for plugin in json.loads(completed.stdout)["plugins"]}
    for name in BUILTINS:
        assert listed[name]["builtin"] is True, listed
        assert listed[name]["distribution"] == "dialogkit"
