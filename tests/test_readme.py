"""The README stays honest: every ``sentinel`` command and flag it names, and every route, exists.

Commands are read from code blocks (a line that runs ``sentinel``) and from inline code
(`` `sentinel kri check FILE` ``); each flag must be accepted by the (sub)command it follows, as
argparse would parse it. An option table (``| option | meaning |``) lists flags of the last
command named above it. Routes are ``METHOD /path`` mentions, inline ``/v1/...`` and ``/app/...``
(the web app's pages) paths and URLs of the local service (``http://127.0.0.1:8000/...``, in curl
lines or not); paths under ``/api/v2/`` are Alertmanager's API, which the README quotes, not ours.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from service.app import create_app
from service.settings import Settings
from service.web import pages as web_pages
from training.cli import _build_parser

README = Path(__file__).resolve().parents[1] / "README.md"

FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE_LINE = re.compile(r"^\s*(?:\$\s+)?(?:\w+=\S*\s+)*(?:\S*bin/)?sentinel(?:\s+(?P<rest>.*))?$")
INLINE_COMMAND = re.compile(r"^(?:\S*bin/)?sentinel(?:\s+(?P<rest>.*))?$")
SHELL_END = re.compile(r"\s(?:#|&&|\|\||;|2>&1|>)")
FLAG = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")
METHOD_PATH = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/[^\s`|,)]*)")
LOCAL_URL = re.compile(r"https?://(?:127\.0\.0\.1|localhost):8000(/[^\s'\"`)]*)?")
SERVICE_PATH = re.compile(r"^/(?:v1|admin|app)/\S*$|^/(?:healthz|readyz|metrics|docs)$")
NOT_OURS = ("/api/v2/",)  # Alertmanager's API, which the README quotes


def _lines_with_continuations(block: str, first_line: int) -> list[tuple[int, str]]:
    """A code block's shell lines, ``\\``-continued lines joined, each with its README line number."""
    out: list[tuple[int, str]] = []
    pending, start = "", first_line
    for offset, line in enumerate(block.splitlines()):
        if not pending:
            start = first_line + offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        out.append((start, pending + line))
        pending = ""
    return out


def _split(text: str) -> tuple[str, list[tuple[int, str]]]:
    """(the prose, with code blocks blanked so line numbers hold; the code blocks' joined lines)."""
    code: list[tuple[int, str]] = []
    for match in FENCE.finditer(text):
        code += _lines_with_continuations(match.group(0), text.count("\n", 0, match.start()) + 1)
    prose = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return prose, code


def _inline_spans(prose: str) -> list[tuple[int, str]]:
    return [
        (prose.count("\n", 0, m.start()) + 1, " ".join(m.group(1).split()))
        for m in re.finditer(r"`([^`]+?)`", prose)
        if "\n\n" not in m.group(1)
    ]


# -- commands ---------------------------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return dict(parser._option_string_actions)


def _command(rest: str, root: argparse.ArgumentParser) -> tuple[list[str], argparse.ArgumentParser, list[str]]:
    """Walk ``sentinel <rest>`` through the parser: (the command path, its parser, problems).

    A ``|`` between words is a synopsis' alternatives (``registry list | champion | ...``): the
    word after it is another subcommand of the same parent.
    """
    rest = SHELL_END.split(" " + rest, maxsplit=1)[0]
    parser, path, problems = root, ["sentinel"], []
    parent: tuple[argparse.ArgumentParser, list[str]] = (root, path)
    skip = 0
    for token in rest.split():
        word = token.strip("[]")
        if skip:
            skip -= 1
            continue
        if word in ("", "...", "…"):
            continue
        if word == "|":
            parser, path = parent
            continue
        if word.startswith("-"):
            flag = word.split("=", 1)[0]
            action = _options(parser).get(flag)
            if action is None:
                problems.append(f"`{' '.join(path)}` has no flag {flag}")
            elif action.nargs is None and "=" not in word:
                skip = 1  # the flag's value
            continue
        subcommands = _subcommands(parser)
        if word in subcommands:
            parent = (parser, path)
            parser, path = subcommands[word], [*path, word]
        elif subcommands:
            problems.append(f"`{' '.join(path)}` has no command {word!r} (it has {', '.join(subcommands)})")
            break
    return path, parser, problems


def _option_tables(prose: str) -> list[tuple[int, list[str]]]:
    """Each ``| option | meaning |`` table: its line and the flags its first column names."""
    tables: list[tuple[int, list[str]]] = []
    lines = prose.splitlines()
    for i, line in enumerate(lines):
        if not re.match(r"^\|\s*option\s*\|", line):
            continue
        flags: list[str] = []
        for row in lines[i + 2 :]:
            if not row.startswith("|"):
                break
            first_cell = re.split(r"(?<!\\)\|", row)[1]
            for span in re.findall(r"`([^`]+)`", first_cell):
                flags += FLAG.findall(span)
        tables.append((i + 1, flags))
    return tables


def cli_problems(text: str, root: argparse.ArgumentParser) -> tuple[int, list[str]]:
    """(how many command mentions were checked, what in them does not exist)."""
    prose, code = _split(text)
    mentions = [(n, m["rest"] or "") for n, line in code if (m := CODE_LINE.match(line))]
    mentions += [(n, m["rest"] or "") for n, span in _inline_spans(prose) if (m := INLINE_COMMAND.match(span))]
    problems: list[str] = []
    resolved: list[tuple[int, argparse.ArgumentParser, list[str]]] = []
    for n, rest in sorted(mentions):
        path, parser, found = _command(rest, root)
        problems += [f"README.md:{n}: {p}" for p in found]
        resolved.append((n, parser, path))
    for n, flags in _option_tables(prose):
        above = [(parser, path) for line, parser, path in resolved if line < n]
        if not above:
            problems.append(f"README.md:{n}: an option table with no `sentinel` command above it")
            continue
        parser, path = above[-1]
        problems += [
            f"README.md:{n}: `{' '.join(path)}` has no flag {flag} (option table)"
            for flag in flags
            if flag not in _options(parser)
        ]
    return len(mentions), problems


# -- routes -----------------------------------------------------------------------------------------


def _clean(path: str) -> str:
    path = re.sub(r"\[.*?\]", "", path)  # optional parts, e.g. /v1/kri[?name=KRI]
    return re.split(r"[?#]", path, maxsplit=1)[0].rstrip(".,:;") or "/"


def route_mentions(text: str) -> list[tuple[int, str | None, str]]:
    """(line, method or None for any, path) of every route of the service the README names."""
    prose, code = _split(text)
    lines = list(code)
    lines += [(n, line) for n, line in enumerate(prose.splitlines(), start=1)]
    found: list[tuple[int, str | None, str]] = []
    for n, line in lines:
        found += [(n, m[1], _clean(m[2])) for m in METHOD_PATH.finditer(line)]
        for command in re.split(r"(?=\bcurl\s)", line):  # each curl command with its own -X and -d
            method = "GET"
            if command.startswith("curl"):
                explicit = re.search(r"-X\s*([A-Z]+)", command)
                method = explicit[1] if explicit else "POST" if re.search(r"\s(-d|--data)\b", command) else "GET"
            found += [(n, method, _clean(m[1])) for m in LOCAL_URL.finditer(command) if m[1]]  # a base URL: no route
    found += [(n, None, _clean(span)) for n, span in _inline_spans(prose) if SERVICE_PATH.match(span)]
    return [(n, method, path) for n, method, path in found if not path.startswith(NOT_OURS)]


def _serves(method: str | None, path: str, methods: set[str], template: str) -> bool:
    """Whether the route ``methods template`` answers a README mention. ``METHOD /path`` must be
    that route; a bare path may also name a family of routes (`` `/v1/forecast` `` for
    ``/v1/forecast/{series_id}``)."""
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    if method is not None:
        return method in methods and re.fullmatch(pattern, path) is not None
    return re.fullmatch(pattern, path) is not None or template.startswith(path.rstrip("/") + "/")


def route_problems(text: str, routes: list[tuple[set[str], str]]) -> tuple[int, list[str]]:
    """(how many route mentions were checked, those the app does not serve)."""
    mentions = route_mentions(text)
    problems = [
        f"README.md:{n}: {method or 'any method'} {path} is not a route of the service"
        for n, method, path in mentions
        if not any(_serves(method, path, methods, template) for methods, template in routes)
    ]
    return len(mentions), problems


# -- tests ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parser() -> argparse.ArgumentParser:
    return _build_parser(Settings())


@pytest.fixture(scope="module")
def routes(tmp_path_factory) -> list[tuple[set[str], str]]:
    tmp = tmp_path_factory.mktemp("readme")
    app = create_app(
        Settings(registry=tmp / "registry", database_url=f"sqlite:///{tmp / 'sentinel.db'}", reload_interval_seconds=0)
    )
    # The OpenAPI document lists every API route (the app's own route list nests included routers);
    # the docs pages are not in it, nor the web app's (include_in_schema=False), whose router is
    # included without a prefix.
    documented = [({m.upper() for m in ops}, path) for path, ops in app.openapi()["paths"].items()]
    pages = [r for r in web_pages.router.routes if getattr(r, "methods", None)]
    # ... as long as the app serves them (FastAPI >= 0.165 nests the router, older ones copy its routes).
    served = {getattr(r, "path", None) for r in app.routes}
    assert any(getattr(r, "original_router", None) is web_pages.router for r in app.routes) or "/app/" in served
    return documented + [(set(r.methods), r.path) for r in [*app.routes, *pages] if getattr(r, "methods", None)]


def test_every_sentinel_command_and_flag_the_readme_names_exists(parser):
    checked, problems = cli_problems(README.read_text(), parser)
    assert checked >= 15  # the extraction still finds the README's commands
    assert problems == []


def test_every_route_the_readme_names_exists(routes):
    checked, problems = route_problems(README.read_text(), routes)
    assert checked >= 20
    assert problems == []


def test_the_checks_catch_a_flag_a_command_or_a_route_that_does_not_exist(parser, routes):
    text = "\n".join(
        [
            "Run `sentinel train forecast --data x.csv --no-such-flag`, then `sentinel registry frobnicate`.",
            "```bash",
            "sentinel --verbose kri rules --out rules.yml \\",
            "    --shiny",
            "```",
            "",
            "| option | meaning |",
            "|---|---|",
            "| `--json`, `--verbose` | JSON; logs (a flag of `sentinel`, not of `kri rules`) |",
            "",
            "`GET /v1/forecast/{series_id}` and `GET /v1/nope`; `DELETE /v1/series`; `/v1/missing`.",
            "curl -s -X POST http://127.0.0.1:8000/v1/feasibility, curl -s http://127.0.0.1:8000/v1/feasibility",
        ]
    )
    assert cli_problems(text, parser) == (
        4,
        [
            "README.md:1: `sentinel registry` has no command 'frobnicate' (it has list, champion, show, promote, "
            "rollback, prune, verify)",
            "README.md:1: `sentinel train forecast` has no flag --no-such-flag",
            "README.md:3: `sentinel kri rules` has no flag --shiny",
            "README.md:7: `sentinel kri rules` has no flag --json (option table)",
            "README.md:7: `sentinel kri rules` has no flag --verbose (option table)",
        ],
    )
    assert route_problems(text, routes)[1] == [
        "README.md:11: GET /v1/nope is not a route of the service",
        "README.md:11: DELETE /v1/series is not a route of the service",
        "README.md:12: GET /v1/feasibility is not a route of the service",
        "README.md:11: any method /v1/missing is not a route of the service",
    ]
