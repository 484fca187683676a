"""Plugin loading, the registry, and the plugin testing helpers."""

from __future__ import annotations

import textwrap
from types import ModuleType

import attrs
import click
import pytest

from dialogkit import hookimpl
from dialogkit.plugin_types import (
    Alert,
    Channel,
    CliCommand,
    Exporter,
    Importer,
    LintFinding,
    LintRule,
    ModerationMode,
    Probe,
    QuestionType,
    SegmentStrategy,
    Tag,
    WebApp,
)
from dialogkit.plugins import (
    ALLOW_ENV,
    BLOCK_ENV,
    KINDS,
    DuplicateNameError,
    PluginWarning,
    Registry,
    load_plugins,
)
from dialogkit.testing import plugin_system

pytest_plugins = ["dialogkit.testing.fixtures"]
pytestmark = pytest.mark.filterwarnings("error::dialogkit.plugins.PluginWarning")

BUILTINS = ["basic_lint", "console", "email", "phone_script", "web_form"]


def channel(name: str) -> Channel:
    return Channel(name=name, summary=f"{name} channel", factory=dict)


def channel_plugin_source(*names: str) -> str:
    """Source of a plugin module registering channels ``names``."""
    return textwrap.dedent(
        f"""
        from dialogkit import hookimpl
        from dialogkit.plugin_types import Channel

        @hookimpl
        def dialogkit_channels():
            for name in {list(names)!r}:
                yield Channel(name=name, summary="test", factory=dict)
        """
    )


STARS = QuestionType(name="stars", summary="Star rating", schema={"type": "object"}, normalize=max)
SMS = Channel(name="sms", summary="Text messages", factory=dict)


class Sms:
    @hookimpl
    def dialogkit_channels(self):
        yield SMS

    @hookimpl
    def dialogkit_question_types(self):
        return [STARS]


RECORDS = {
    "channel": Channel(name="web", summary="s", factory=dict),
    "question_type": QuestionType(name="nps2", summary="s", schema={}, normalize=max),
    "segment_strategy": SegmentStrategy(name="tenure", summary="s", assign=min),
    "moderation_mode": ModerationMode(name="blind", summary="s", sponsor_sees_identities=False),
    "lint_rule": LintRule(name="no-we", summary="s", check=list),
    "importer": Importer(name="csv", summary="s", suffixes=(".csv",), load=list),
    "exporter": Exporter(name="jsonl", summary="s", suffix=".jsonl", write=print),
    "cli_command": CliCommand(name="hello", command=click.Command("hello")),
    "web_app": WebApp(name="board", summary="s", factory=dict),
}


class Everything:
    """Registers one record of every kind (the same objects every time)."""

    @hookimpl
    def dialogkit_channels(self):
        yield RECORDS["channel"]

    @hookimpl
    def dialogkit_question_types(self):
        yield RECORDS["question_type"]

    @hookimpl
    def dialogkit_segment_strategies(self):
        yield RECORDS["segment_strategy"]

    @hookimpl
    def dialogkit_moderation_modes(self):
        yield RECORDS["moderation_mode"]

    @hookimpl
    def dialogkit_lint_rules(self):
        yield RECORDS["lint_rule"]

    @hookimpl
    def dialogkit_importers(self):
        yield RECORDS["importer"]

    @hookimpl
    def dialogkit_exporters(self):
        yield RECORDS["exporter"]

    @hookimpl
    def dialogkit_cli_commands(self):
        yield RECORDS["cli_command"]

    @hookimpl
    def dialogkit_web_apps(self):
        yield RECORDS["web_app"]


# --- registry -------------------------------------------------------------------------------


def test_registry_collects_every_kind_by_name(make_plugin_system):
    system = make_plugin_system(Everything, Sms)

    registry = system.registry
    assert set(registry.channels) == {"web", "sms"}
    assert registry.question_types["stars"].summary == "Star rating"
    for kind, record in RECORDS.items():
        assert getattr(registry, KINDS[kind].attribute)[record.name] is record
    assert registry.provider("channel", "sms") == "Sms"
    assert registry.provider("lint_rule", "no-we") == "Everything"
    assert [p.name for p in system.plugins] == ["Everything", "Sms"]
    assert dict(system.plugins[1].registers) == {
        "channel": ("sms",),
        "question_type": ("stars",),
    }
    assert system.problems == ()


def test_records_do_not_depend_on_registration_order(make_plugin_system):
    one = make_plugin_system(Everything, Sms).registry
    other = make_plugin_system(Sms, Everything).registry
    for kind in KINDS.values():
        assert dict(getattr(one, kind.attribute)) == dict(getattr(other, kind.attribute))
        for name in getattr(one, kind.attribute):
            assert one.provider(kind.name, name) == other.provider(kind.name, name)


def test_registry_is_read_only(make_plugin_system):
    registry = make_plugin_system(Sms).registry

    with pytest.raises(TypeError):
        registry.channels["mms"] = channel("mms")  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        registry.channels = {}  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        registry.channels["sms"].name = "mms"  # type: ignore[misc]


def test_registry_copies_the_mappings_it_is_given():
    tables = {"sms": channel("sms")}
    registry = Registry(channels=tables)
    tables["mms"] = channel("mms")
    assert list(registry.channels) == ["sms"]


def test_provider_lookup_errors(make_plugin_system):
    registry = make_plugin_system(Sms).registry

    with pytest.raises(KeyError, match="no channel named 'fax'"):
        registry.provider("channel", "fax")
    with pytest.raises(ValueError, match="unknown kind 'channels'"):
        registry.provider("channels", "sms")


def test_each_load_builds_a_new_manager(make_plugin_system):
    first, second = make_plugin_system(Sms), make_plugin_system(Sms)
    assert first.manager is not second.manager
    assert first.manager.get_plugin("Sms") is not second.manager.get_plugin("Sms")


# --- duplicates -----------------------------------------------------------------------------


def test_duplicate_names_are_rejected_naming_both_providers(fake_distribution):
    fake_distribution(
        "acme-sms",
        "1.2",
        entry_points={"acme_sms": "acme_sms"},
        files={"acme_sms.py": channel_plugin_source("sms")},
    )
    fake_distribution(
        "other-pkg",
        "0.3",
        entry_points={"other": "other_pkg.plugin"},
        files={"other_pkg/__init__.py": "", "other_pkg/plugin.py": channel_plugin_source("sms")},
    )

    with pytest.raises(DuplicateNameError) as raised:
        load_plugins(block=BUILTINS)

    assert str(raised.value) == (
        "channel 'sms' is registered by both plugin 'acme_sms' (acme-sms 1.2) "
        "and plugin 'other' (other-pkg 0.3)"
    )
    assert (raised.value.first.name, raised.value.second.name) == ("acme_sms", "other")


def test_duplicate_names_between_in_process_plugins(make_plugin_system):
    class Again(Sms):
        pass

    with pytest.raises(DuplicateNameError, match=r"plugin 'Sms' \(in-process\) and plugin 'x'"):
        make_plugin_system(Sms, ("x", Again()))


def test_same_name_for_different_kinds_is_fine(make_plugin_system):
    class Tenure:
        @hookimpl
        def dialogkit_segment_strategies(self):
            yield SegmentStrategy(name="sms", summary="s", assign=lambda a, c: [])

    registry = make_plugin_system(Sms, Tenure).registry
    assert registry.provider("segment_strategy", "sms") == "Tenure"
    assert registry.provider("channel", "sms") == "Sms"


# --- broken plugins -------------------------------------------------------------------------


def test_import_error_is_reported_by_name_and_others_work(fake_distribution):
    fake_distribution(
        "broken-pkg",
        "0.1",
        entry_points={"broken": "broken_plugin"},
        files={"broken_plugin.py": "import no_such_module_for_dialogkit\n"},
    )
    fake_distribution(
        "fine-pkg",
        entry_points={"fine": "fine_plugin"},
        files={"fine_plugin.py": channel_plugin_source("fax")},
    )

    with pytest.warns(PluginWarning, match=r"plugin 'broken' \(broken-pkg 0.1\): could not be"):
        system = load_plugins(block=BUILTINS)

    [problem] = system.problems
    assert (problem.plugin, problem.source) == ("broken", "broken-pkg 0.1")
    assert "ModuleNotFoundError: No module named 'no_such_module_for_dialogkit'" in problem.message
    assert "broken_plugin.py:1" in problem.message
    assert [p.name for p in system.plugins] == ["fine"]
    assert system.registry.provider("channel", "fax") == "fine"


class Raising:
    @hookimpl
    def dialogkit_question_types(self):
        yield QuestionType(name="stars", summary="s", schema={}, normalize=max)

    @hookimpl
    def dialogkit_channels(self):
        raise RuntimeError("boom")


class YieldsWrongRecord:
    @hookimpl
    def dialogkit_channels(self):
        yield Tag(name="sms")


class YieldsString:
    @hookimpl
    def dialogkit_lint_rules(self):
        return ["no-we"]


class ReturnsSingleRecord:
    @hookimpl
    def dialogkit_channels(self):
        return channel("sms")


class InvalidRecord:
    @hookimpl
    def dialogkit_channels(self):
        yield Channel(name="Not A Slug", summary="s", factory=dict)


class Typo:
    @hookimpl
    def dialogkit_chanels(self):
        yield channel("sms")


class WrongArguments:
    @hookimpl
    def dialogkit_after_answer(self, script, answer):
        return None


class Twice:
    @hookimpl
    def dialogkit_channels(self):
        yield channel("sms")
        yield channel("sms")


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (Raising, r"dialogkit_channels raised RuntimeError: boom \(at .*test_plugins.py:\d+\)"),
        (
            YieldsWrongRecord,
            r"dialogkit_channels yielded Tag\(name='sms'\), expected a Channel record",
        ),
        (YieldsString, r"dialogkit_lint_rules yielded 'no-we', expected a LintRule record"),
        (
            ReturnsSingleRecord,
            r"dialogkit_channels must return an iterable of Channel records or None, not Chan",
        ),
        (InvalidRecord, r"dialogkit_channels raised ValueError: 'name' must match regex"),
        (Typo, r"implements unknown hook\(s\) dialogkit_chanels \(a typo\?"),
        (WrongArguments, r"could not be registered: .*dialogkit_after_answer"),
        (Twice, r"registers channel 'sms' more than once"),
    ],
)
def test_broken_plugin_is_reported_by_name_and_unregistered(make_plugin_system, plugin, message):
    with pytest.warns(PluginWarning, match=f"plugin 'bad' \\(in-process\\): {message}"):
        system = make_plugin_system(Everything, ("bad", plugin))

    [problem] = system.problems
    assert problem.plugin == "bad"
    assert problem.distribution is None
    assert [p.name for p in system.plugins] == ["Everything"]
    assert system.manager.get_plugin("bad") is None
    assert set(system.registry.channels) == {"web"}
    assert set(system.registry.question_types) == {"nps2"}  # none of a broken plugin's records


def test_optional_unknown_hooks_are_allowed(make_plugin_system):
    class Future:
        @hookimpl(optionalhook=True)
        def dialogkit_from_the_future(self):
            return None

    system = make_plugin_system(Future)
    assert [p.name for p in system.plugins] == ["Future"]


def test_same_plugin_name_twice_is_a_problem(make_plugin_system):
    with pytest.warns(PluginWarning, match="another plugin is already registered as 'x'"):
        system = make_plugin_system(("x", Sms()), ("x", Everything()))
    assert [p.name for p in system.plugins] == ["x"]
    assert system.registry.provider("channel", "sms") == "x"


# --- selection and order --------------------------------------------------------------------


@pytest.fixture
def three_plugins(fake_distribution):
    for name in ("zeta", "alpha", "mid"):
        fake_distribution(
            f"{name}-pkg",
            entry_points={name: f"{name}_plugin"},
            files={f"{name}_plugin.py": channel_plugin_source(f"{name}-channel")},
        )


def test_entry_points_load_in_name_order(three_plugins):
    system = load_plugins(block=BUILTINS, extra=[("z_extra", Sms()), ("a_extra", Everything())])

    names = [p.name for p in system.plugins]
    assert names == ["alpha", "mid", "zeta", "z_extra", "a_extra"]
    assert list(system.registry.channels) == [
        "alpha-channel",
        "mid-channel",
        "zeta-channel",
        "sms",
        "web",
    ]
    assert [p.name for p in load_plugins(block=BUILTINS).plugins] == names[:-2]


@pytest.mark.parametrize("from_env", [False, True])
def test_block_by_name(three_plugins, monkeypatch, from_env):
    if from_env:
        monkeypatch.setenv(BLOCK_ENV, " zeta, alpha ,")
        system = load_plugins(block=BUILTINS, extra=[("zeta", Sms())])
    else:
        system = load_plugins(block=["zeta", "alpha", *BUILTINS], extra=[("zeta", Sms())])

    assert [p.name for p in system.plugins] == ["mid", "zeta"]
    assert system.blocked == ("alpha", *BUILTINS, "zeta")
    assert system.plugins[-1].distribution is None  # the in-process extra is never blocked
    assert "zeta-channel" not in system.registry.channels


@pytest.mark.parametrize("from_env", [False, True])
def test_allow_by_name(three_plugins, monkeypatch, from_env):
    if from_env:
        monkeypatch.setenv(ALLOW_ENV, "mid,zeta")
        system = load_plugins()
    else:
        system = load_plugins(allow=["mid", "zeta"])

    assert [p.name for p in system.plugins] == ["mid", "zeta"]
    assert system.blocked == ("alpha", *BUILTINS)


def test_arguments_and_environment_are_merged_and_block_wins(three_plugins, monkeypatch):
    monkeypatch.setenv(ALLOW_ENV, "alpha")
    monkeypatch.setenv(BLOCK_ENV, "mid")

    system = load_plugins(allow=["mid", "zeta"], block=["zeta"])

    assert [p.name for p in system.plugins] == ["alpha"]


def test_entry_points_can_be_skipped(three_plugins):
    assert load_plugins(entry_points=False).plugins == ()


def test_plugin_info_describes_the_source(three_plugins):
    [alpha] = load_plugins(allow=["alpha"]).plugins

    assert (alpha.name, alpha.builtin, alpha.distribution, alpha.version) == (
        "alpha",
        False,
        "alpha-pkg",
        "1.0",
    )
    assert alpha.source == "alpha-pkg 1.0"
    assert alpha.module == "alpha_plugin"
    assert alpha.path is not None and alpha.path.endswith("alpha_plugin.py")
    assert dict(alpha.registers) == {"channel": ("alpha-channel",)}


def test_builtin_plugins_are_ordinary_entry_points(make_plugin_system):
    """Built-ins load through the entry-point group, sorted among the others."""
    system = make_plugin_system(entry_points=True, allow=BUILTINS)

    info = {p.name: p for p in system.plugins}
    assert [p.name for p in system.plugins] == BUILTINS
    assert all(info[name].builtin and info[name].distribution == "dialogkit" for name in BUILTINS)
    assert info["console"].module == "dialogkit_console"


# --- records --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: Channel(name="SMS", summary="s", factory=dict),
        lambda: Channel(name="sms", summary="s", factory="not callable"),
        lambda: Channel("sms", "s", dict),
        lambda: QuestionType(name="q", summary="s", schema=[], normalize=max),
        lambda: ModerationMode(name="m", summary="s", sponsor_sees_identities=1),
        lambda: ModerationMode(
            name="m", summary="", sponsor_sees_identities=True, min_group_size=0
        ),
        lambda: Importer(name="csv", summary="s", suffixes=".csv", load=list),
        lambda: Importer(name="csv", summary="s", suffixes=("csv",), load=list),
        lambda: Exporter(name="csv", summary="s", suffix=".", write=print),
        lambda: CliCommand(name="hello", command=click.Command("hi")),
        lambda: LintFinding(rule="r", node_id=None, message="m", severity="fatal"),
        lambda: Alert(message="m", severity="critical"),
        lambda: Alert(message="m", recipients=["ops@example.com"]),
        lambda: Probe(text="  "),
        lambda: Tag(name="Churn Risk"),
    ],
)
def test_invalid_records_are_rejected(build):
    with pytest.raises((TypeError, ValueError)):
        build()


def test_valid_follow_up_records():
    assert Alert(message="Angry customer", severity="urgent", recipients=("ops",)).severity
    assert Probe(text="Why is that important to you?").text.startswith("Why")
    assert Tag(name="churn-risk").name == "churn-risk"
    finding = LintFinding(rule="no-we", node_id="q1", message="talk about them", severity="error")
    assert finding.node_id == "q1"


# --- testing helpers ------------------------------------------------------------------------


def test_plugin_system_names_plugins_and_accepts_modules():
    module = ModuleType("acme.plugin")
    module.dialogkit_channels = hookimpl(lambda: [channel("fax")])  # type: ignore[attr-defined]

    system = plugin_system(Tagger, Tagger(), module, ("named", Everything))

    assert [p.name for p in system.plugins] == ["Tagger", "Tagger-2", "acme.plugin", "named"]
    assert system.plugins[0].module.endswith("test_plugins:Tagger")
    assert system.plugins[0].path is not None and system.plugins[0].path.endswith(".py")
    assert (system.plugins[2].module, system.plugins[2].path) == ("acme.plugin", None)
    assert system.registry.provider("channel", "fax") == "acme.plugin"


class FollowUps:
    @hookimpl
    def dialogkit_after_answer(self, state, event):
        if event["value"] <= 6:
            yield Probe(text="What is the one thing we could do better?")
            yield Alert(message=f"detractor in session {state['id']}", severity="warning")

    @hookimpl
    def dialogkit_after_session(self, outcome):
        return [Tag(name=outcome)]


class Tagger:
    @hookimpl
    def dialogkit_after_answer(self, event):
        return [Tag(name="answered")]


def test_hook_recorder_records_calls_arguments_and_results(make_plugin_system, hook_recorder):
    system = make_plugin_system(FollowUps, Tagger)
    recorder = hook_recorder(system)
    hook = system.manager.hook

    results = hook.dialogkit_after_answer(script=None, state={"id": "s1"}, event={"value": 3})
    hook.dialogkit_after_session(script=None, state={}, outcome="completed")
    hook.dialogkit_on_action_published(action={"id": "a1"})
    recorder.stop()
    hook.dialogkit_on_action_published(action={"id": "a2"})

    assert recorder.names == [
        "dialogkit_after_answer",
        "dialogkit_after_session",
        "dialogkit_on_action_published",
    ]
    [answer] = recorder.calls_to("dialogkit_after_answer")
    assert answer.kwargs == {"script": None, "state": {"id": "s1"}, "event": {"value": 3}}
    assert answer.implementers == ("Tagger", "FollowUps")
    assert answer.result is results
    assert [list(r) for r in answer.result] == [
        [Tag(name="answered")],
        [
            Probe(text="What is the one thing we could do better?"),
            Alert(message="detractor in session s1", severity="warning"),
        ],
    ]
    assert recorder.calls_to("dialogkit_after_session")[0].result == [[Tag(name="completed")]]
    assert recorder.calls_to("dialogkit_on_action_published")[0].result == []


def test_hook_recorder_records_exceptions(make_plugin_system, hook_recorder):
    class Failing:
        @hookimpl
        def dialogkit_on_disposition(self, session_id, disposition, details):
            raise LookupError(session_id)

    system = make_plugin_system(Failing)
    with hook_recorder(system) as recorder, pytest.raises(LookupError):
        system.manager.hook.dialogkit_on_disposition(
            session_id="s9", disposition="refused", details={}
        )

    [call] = recorder.calls
    assert isinstance(call.exception, LookupError)
    assert call.result is None
    assert call.kwargs["disposition"] == "refused"
