"""Validate every example script and replay each of its answers files against its golden transcript.

    python examples/run_examples.py            # check (exit 1 on any difference)
    python examples/run_examples.py --update   # rewrite the golden transcripts

Each example folder holds `script.yaml`, answers files named `NAME.answers.json` and, beside
each, the golden transcript `NAME.transcript.json`. The checks go through the installed
`dialogkit` command, exactly as a user would run them.
"""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["dialogkit", *args], capture_output=True, text=True, check=False)


def check_example(folder: Path, update: bool) -> list[str]:
    """Problems found in one example folder (empty when all is well)."""
    script = folder / "script.yaml"
    problems = []
    validated = run("validate", "--strict", str(script))
    if validated.returncode != 0:
        problems.append(f"{script}: validate failed:\n{validated.stdout}{validated.stderr}")
        return problems
    answers_files = sorted(folder.glob("*answers*.json"))
    if not answers_files:
        problems.append(f"{folder}: no answers files")
    for answers in answers_files:
        golden = answers.with_name(answers.name.replace("answers", "transcript"))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "transcript.json"
            result = run("run", str(script), "--answers", str(answers), "--transcript", str(out))
            if result.returncode != 0:
                problems.append(f"{answers}: run failed:\n{result.stdout}{result.stderr}")
                continue
            produced = out.read_text(encoding="utf-8")
        if update:
            golden.write_text(produced, encoding="utf-8")
            continue
        if not golden.exists():
            problems.append(f"{golden}: missing golden transcript (run with --update)")
            continue
        expected = golden.read_text(encoding="utf-8")
        if json.loads(expected) != json.loads(produced):
            diff = difflib.unified_diff(expected.splitlines(), produced.splitlines(),
                                        str(golden), "produced", lineterm="")
            problems.append("\n".join(diff))
        else:
            print(f"ok  {answers.relative_to(EXAMPLES)}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite golden transcripts")
    options = parser.parse_args()
    folders = sorted(p.parent for p in EXAMPLES.glob("*/script.yaml"))
    problems = [p for folder in folders for p in check_example(folder, options.update)]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(folders)} examples, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
