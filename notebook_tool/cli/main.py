"""The ``guanxi`` command: a thin click layer over the library.

Each command parses its options, calls one library function, echoes, and
picks the exit code: 0 done, 1 a user error (printed as one line, or
``path:line: message`` lines, on stderr), 2 a usage error (click's own).
Errors are turned into messages in one place, :class:`GuanxiGroup`.
Heavy or optional modules are imported inside the commands that use them so
that ``--help``, completion and ``show`` start fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from notebook_tool.core.errors import GuanxiError, ResolveError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# Commands that live in their own modules, imported only when invoked (or
# listed by --help), so that start-up stays cheap: "name": "module:attribute".
LAZY_COMMANDS: dict[str, str] = {
    "give": "notebook_tool.cli.write:give",
    "take": "notebook_tool.cli.write:take",
    "touch": "notebook_tool.cli.write:touch",
    "done": "notebook_tool.cli.write:done",
    "snooze": "notebook_tool.cli.write:snooze",
    "history": "notebook_tool.cli.write:history",
    "merge-driver": "notebook_tool.cli.write:merge_driver",
    "watch": "notebook_tool.cli.watch:watch",
    # Each family of commands in its own module; a module not built yet hides its commands.
    "import": "notebook_tool.cli.exchange:import_group",     # import linkedin|google|vcard
    "export": "notebook_tool.cli.exchange:export_group",     # export vcard|csv|json
    "triage": "notebook_tool.cli.exchange:triage",
    "intro": "notebook_tool.cli.network:intro",
    "path": "notebook_tool.cli.network:path",
    "graph": "notebook_tool.cli.network:graph",
    "find": "notebook_tool.cli.network:find",
    "calendar": "notebook_tool.cli.views:calendar",
    "html": "notebook_tool.cli.views:html",
    "serve": "notebook_tool.cli.views:serve",
    "edit": "notebook_tool.cli.people:edit",
    "rename": "notebook_tool.cli.people:rename",
    "merge-people": "notebook_tool.cli.people:merge_people",
}


class GuanxiGroup(click.Group):
    """Maps library errors to ``message`` on stderr and exit 1; loads lazy commands."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(n for n in LAZY_COMMANDS if self._lazy(n))})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        found = found if found is not None else self._lazy(cmd_name)
        return _accept_vault(found) if found is not None else None

    @staticmethod
    def _lazy(name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(name)
        if target is None:
            return None
        import importlib

        module, attr = target.split(":")
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:  # that part of Guanxi is not built yet
                return None
            raise
        return getattr(mod, attr, None)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        import os

        if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
            from notebook_tool.cli.completion import register

            register()  # shell-escaped names (bash, zsh, fish)
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ResolveError as exc:
            lines = [f"guanxi: {exc}"] + [f"  {c.name}  ({c.path})" for c in exc.candidates]
            click.echo("\n".join(lines), err=True)
            ctx.exit(1)
        except GuanxiError as exc:
            click.echo(f"guanxi: {exc}", err=True)
            ctx.exit(1)


class IsoDate(click.ParamType):  # type: ignore[type-arg,unused-ignore]  # generic from click 8.4
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        from notebook_tool.core.durations import parse_iso_date

        try:
            return parse_iso_date(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DATE = IsoDate()


def today_option(f: Any) -> Any:
    return click.option(
        "--today", type=DATE, default=None, metavar="YYYY-MM-DD",
        help="Compute as if today were this date (default: the real today).",
    )(f)


def json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (schema in docs/json.md).")(f)


def resolve_today(value: dt.date | None) -> dt.date:
    return value or dt.date.today()


_VAULT_KEY = "guanxi.vault"
_VAULT_HELP = ("The vault folder (default: $GUANXI_VAULT, else the nearest folder up with guanxi.toml; "
               "without one, `guanxi init` starts a vault).")


def _remember_vault(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    # ctx.meta is shared by the whole command chain, so the innermost --vault wins.
    if value is not None:
        ctx.meta[_VAULT_KEY] = value
    return value


def _accept_vault(cmd: click.Command) -> click.Command:
    """Let ``--vault`` stand after the command too (``guanxi report attention --vault v``)."""
    if not any(p.name == "vault" for p in cmd.params):
        cmd.params.append(click.Option(["--vault"], type=click.Path(file_okay=False, path_type=Path),
                                       expose_value=False, callback=_remember_vault, help=_VAULT_HELP))
    return cmd


def chosen_vault(ctx: click.Context) -> Path | None:
    """The --vault given before or after the command (or $GUANXI_VAULT), if any."""
    return ctx.meta.get(_VAULT_KEY) or ctx.find_root().params.get("vault")


def vault_root(ctx: click.Context) -> Path:
    from notebook_tool.read.vault import find_vault

    return find_vault(chosen_vault(ctx))


def use_cache() -> bool:
    """The store (outside the vault, docs/watch.md) is on unless GUANXI_CACHE=0 (to rule it out)."""
    import os

    return os.environ.get("GUANXI_CACHE", "1") not in ("0", "no", "off", "false")


def existing_root(ctx: click.Context) -> Path:
    root = vault_root(ctx)
    if not root.is_dir():
        raise GuanxiError(f"vault folder {root} does not exist")
    finish_interrupted_write(root)
    return root


def finish_interrupted_write(root: Path) -> None:
    """A batch a crash interrupted is finished before any command reads, and said (once per process)."""
    from notebook_tool.write.fsio import interrupted_batch, sweep_output

    if not interrupted_batch(root):  # the common case, without importing the writer (~40 ms)
        sweep_output(root)
        return
    from notebook_tool.write.writer import recover

    for line in recover(root):
        click.echo(f"guanxi: {line}", err=True)


def progress_wrap(progress: bool) -> Any:
    """A progress bar over the files to read: on a terminal, and only when they are many."""
    if not (progress and sys.stderr.isatty()):
        return None

    def wrap(paths: Any) -> Any:
        paths = list(paths)
        if len(paths) < 500:
            return paths
        return _bar(paths)
    return wrap


def load(ctx: click.Context, progress: bool = False) -> Any:
    from notebook_tool.store.incremental import cached_vault

    root = existing_root(ctx)
    # The cache gives the same Vault as a full read; it only skips unchanged files.
    return cached_vault(root, progress_wrap(progress), use_cache=use_cache())


def _bar(paths: list[str]) -> Any:
    with click.progressbar(paths, label="Reading contacts", file=sys.stderr) as bar:
        yield from bar


def echo_json(data: Any) -> None:
    click.echo(json_text(data))


def echo_output(data: bytes, start: int = 0, end: int | None = None, chunk: int = 1 << 20) -> None:
    """``data[start:end]`` (UTF-8) on stdout as it is, a megabyte at a time: a report of 190,000
    lines is ~16 MB, and one slice of it would be another copy. On Windows, where the console
    wants text, decoded first."""
    end = len(data) if end is None else end
    if sys.platform == "win32":
        click.echo(data[start:end].decode("utf-8"), nl=False)
        return
    for i in range(start, end, chunk):
        click.echo(data[i:min(i + chunk, end)], nl=False)


def json_text(data: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2)``, joined a few thousand pieces at a time.

    Why: with an indent, ``json`` encodes in Python and lists every small piece it
    made before one join; for 30,000 people that list of ~600,000 strings cost
    more memory than the text itself. The encoder and its pieces are the same.
    """
    import json  # here: only --json output needs it (~1 ms of every command's start-up)
    from itertools import islice

    pieces = json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(data)
    blocks = []
    while block := "".join(islice(pieces, 8192)):
        blocks.append(block)
    return "".join(blocks)


def memoised(root: Path, command: str, today: dt.date, compute: Any) -> bytes:
    """``compute(vault)`` (text) for a read-only command, as UTF-8, kept in the store until a file
    changes. ``command`` spells the command and every option that shapes its output
    (see ``store.incremental.cached_output``).
    """
    from notebook_tool.store.incremental import cached_output

    return cached_output(root, command, today, lambda vault: utf8(compute(vault)), use_cache=use_cache())


def per_person(root: Path, command: str, today: dt.date, join: Any, checks: bool = False) -> bytes:
    """``join(rows)`` (text, or UTF-8 already) for a report made of per-person parts
    (``store.incremental.cached_report``): memoised like :func:`memoised`, and after an edit only
    the changed files' rows are made again."""
    from notebook_tool.store.incremental import cached_report

    return cached_report(root, command, today, lambda rows: utf8(join(rows)), checks, use_cache=use_cache())


def utf8(output: str | bytes) -> bytes:
    """An output as the memo keeps it and stdout gets it: a text of 16 MB that holds one CJK name is
    32 MB as a Python string (two bytes a character), ~16 MB as UTF-8."""
    return output if isinstance(output, bytes) else output.encode("utf-8")


def complete_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of contact names and aliases (escaped for the shell by cli.completion)."""
    from click.shell_completion import CompletionItem

    from notebook_tool.read.names import completion_names
    from notebook_tool.read.vault import find_vault

    try:
        found = completion_names(find_vault(chosen_vault(ctx)), incomplete)
    except Exception:  # never a traceback in the middle of the user's command line
        return []
    return [CompletionItem(c.value, help=f"alias of {c.of}" if c.of else None) for c in found]


@click.group(cls=GuanxiGroup, context_settings=CONTEXT)
@click.option("--vault", type=click.Path(file_okay=False, path_type=Path), envvar="GUANXI_VAULT",
              help=_VAULT_HELP)
@click.version_option(package_name="guanxi", prog_name="guanxi")
def main(vault: Path | None) -> None:
    """Guanxi: a plain-text ledger of give and take with the people you know.

    One Markdown file per person; `guanxi index` keeps _index/attention.md and
    _index/reciprocity.md current. See `guanxi COMMAND --help`.
    """


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def init(ctx: click.Context, directory: Path | None) -> None:
    """Create a vault in DIRECTORY (default: --vault, $GUANXI_VAULT, else here); safe to run again."""
    from notebook_tool.write.create import init_vault

    chosen = chosen_vault(ctx)
    if directory is not None and chosen is not None and directory.resolve() != Path(chosen).resolve():
        raise click.UsageError(f"two folders given: DIRECTORY {directory} and --vault {chosen}")
    folder = Path(directory or chosen or Path.cwd()).expanduser().resolve()
    done = init_vault(folder)
    if done:
        click.echo(f"Initialised vault in {folder}: created " + ", ".join(done))
    else:
        click.echo(f"Vault in {folder} already set up; nothing to do.")


@main.command()
@click.argument("name")
@click.option("--email", multiple=True, help="Email address (repeatable).")
@click.option("--phone", multiple=True, help="Phone number (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Tag (repeatable).")
@click.option("--met", type=DATE, help="When you met (YYYY-MM-DD).")
@click.option("--via", help="Who introduced you (a contact name).")
@click.option("--why", help="Why this connection matters.")
@click.option("--company", help="Where they work.")
@click.option("--role", help="What they do.")
@click.option("--alias", "aliases", multiple=True, help="Another name they go by (repeatable).")
@click.option("--birthday", metavar="YYYY-MM-DD|--MM-DD", help="Their birthday (--MM-DD without the year).")
@click.option("--link", "links", multiple=True, help="A profile or web page (repeatable).")
@click.pass_context
def add(ctx: click.Context, name: str, email: tuple[str, ...], phone: tuple[str, ...], tags: tuple[str, ...],
        met: dt.date | None, via: str | None, why: str | None, company: str | None, role: str | None,
        aliases: tuple[str, ...], birthday: str | None, links: tuple[str, ...]) -> None:
    """Add a person: create people/NAME.md (never overwrites)."""
    from notebook_tool.read.config import load_config
    from notebook_tool.write.create import NewContact, add_contact, add_warnings

    root = vault_root(ctx)
    if root.is_dir():
        finish_interrupted_write(root)
    config, _ = load_config(root)
    new = NewContact(name, email, phone, tags, met, via, why, company, role,
                     aliases=aliases, links=links, birthday=birthday)
    path = add_contact(root, config, new)
    click.echo(f"Created {path.relative_to(root).as_posix()}")
    for warning in add_warnings(root, new):
        click.echo(f"guanxi: warning: {warning}", err=True)


@main.command()
@click.argument("name", shell_complete=complete_names)
@today_option
@json_option
@click.option("--links", is_flag=True, help="Also list who names this person (via, [[links]]); reads the whole vault.")
@click.pass_context
def show(ctx: click.Context, name: str, today: dt.date | None, as_json: bool, links: bool) -> None:
    """Show one person: details, balance, what needs doing, every entry (with its line), and the notes."""
    from notebook_tool.compute.attention import Context
    from notebook_tool.compute.ledger import summarize
    from notebook_tool.read.notes import notes_of
    from notebook_tool.render.views import show_json, show_text
    from notebook_tool.store.incremental import find_contact

    if links:
        from notebook_tool.compute.resolve import backlinks, resolve_in

        vault = load(ctx)
        contact = resolve_in(vault, name)
        named_by = [(c.name, where) for c, where in backlinks(vault.contacts, contact)]
    else:
        # Fast: only the files that could match NAME are read.
        vault, contact = find_contact(existing_root(ctx), name, use_cache())
        named_by = None
    day = resolve_today(today)
    s = summarize(contact, day, vault.config.half_life_days)
    c = Context(day, vault.config)
    if as_json:
        echo_json(show_json(s, c))
    else:
        click.echo(show_text(s, c, notes_of(vault.root, contact.path), named_by), nl=False)
    echo_errors(vault, only=contact.path)


@main.command("list")
@click.option("--tag", "tags", multiple=True, help="Only people with this tag (repeat: with all of them).")
@click.option("--company", help="Only people whose company contains this (case- and accent-insensitive).")
@click.option("--needs", help="Only people with a need containing this.")
@click.option("--offers", help="Only people with an offer containing this.")
@click.option("--sort", type=click.Choice(["name", "balance", "last-contact", "tags", "given", "taken"]),
              default="name", show_default=True, help="Order of the rows.")
@click.option("--reverse", is_flag=True, help="Reverse the order.")
@today_option
@json_option
@click.pass_context
def list_(ctx: click.Context, tags: tuple[str, ...], company: str | None, needs: str | None,
          offers: str | None, sort: str, reverse: bool, today: dt.date | None, as_json: bool) -> None:
    """List people with their balance and last contact."""
    from notebook_tool.compute.rows import summaries_of
    from notebook_tool.render.views import fields_match, list_json, list_text, select

    day = resolve_today(today)

    def join(people: Any) -> str:
        found = [s for s in summaries_of(people.rows) if fields_match(s.contact, company, needs, offers)]
        rows = select(found, tags, sort, reverse)
        return json_text(list_json(rows, day.isoformat())) + "\n" if as_json else list_text(rows)

    command = repr(("list", tags, company, needs, offers, sort, reverse, as_json))
    echo_output(per_person(existing_root(ctx), command, day, join))


def echo_errors(vault: Any, only: str | None = None) -> None:
    for p in vault.all_problems():
        if p.severity == "error" and (only is None or p.path == only):
            click.echo(p.format(), err=True)


@main.command()
@today_option
@click.pass_context
def index(ctx: click.Context, today: dt.date | None) -> None:
    """Rebuild _index/attention.md and _index/reciprocity.md.

    Problems in files are printed as path:line: message on stderr and listed
    on the attention page; the rest of the vault is indexed all the same.
    """
    from notebook_tool.store.incremental import State

    # Incremental: stat every file, re-read the changed ones, and render only
    # when something changed since the pages were last written.
    state = State(existing_root(ctx), use_cache=use_cache())
    state.rescan(progress_wrap(True))
    outcome = state.index(resolve_today(today))
    state.save()
    for p in outcome.errors:
        click.echo(p.format(), err=True)
    n = outcome.people
    what = ", ".join(outcome.written) if outcome.written else "pages unchanged"
    click.echo(f"Indexed {n} {'person' if n == 1 else 'people'}: {what}", err=True)


@main.command()
@click.argument("which", type=click.Choice(["attention", "reciprocity", "introductions", "changes"]))
@today_option
@json_option
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the Markdown page (links to the files).")
@click.option("--since", default="7d", show_default=True, metavar="7d|YYYY-MM-DD",
              help="changes: from the start of this day (a duration back from today, or a date).")
@click.pass_context
def report(ctx: click.Context, which: str, today: dt.date | None, as_json: bool, as_markdown: bool,
           since: str) -> None:
    """Print the attention, reciprocity or introductions report: text, --markdown (the page), or --json.

    `report changes --since 7d` is the weekly digest from the vault's git history (Markdown, or --json).
    """
    from notebook_tool.render import pages as render

    if as_json and as_markdown:
        raise click.UsageError("--json and --markdown: choose one")
    if which == "changes":
        from notebook_tool.git.changes import changes, digest_json, digest_text

        digest = changes(existing_root(ctx), since, resolve_today(today))
        if as_json:
            echo_json(digest_json(digest))
        else:
            click.echo(digest_text(digest), nl=False)
        return
    day = resolve_today(today)

    if which == "introductions":  # needs matched to offers (docs/network.md): across the whole vault
        def compute(vault: Any) -> str:
            from notebook_tool.render import introductions as intro

            items = intro.suggestions(vault, day)
            if as_json:
                return json_text(intro.report_json(items, day)) + "\n"
            return intro.report_markdown(items, day)

        echo_output(memoised(existing_root(ctx), repr(("report", which, as_json, as_markdown)), day, compute))
        return

    def join(rows: Any) -> str:
        rep = render.build_from_rows(rows)
        if as_json:
            return json_text(render.attention_json(rep) if which == "attention" else render.reciprocity_json(rep)) + "\n"
        if as_markdown:
            return (render.attention_markdown if which == "attention" else render.reciprocity_markdown)(rep, "")
        from notebook_tool.render.terminal import attention_text, reciprocity_text

        return (attention_text if which == "attention" else reciprocity_text)(rep)

    echo_output(per_person(existing_root(ctx), repr(("report", which, as_json, as_markdown)), day, join))


@main.command()
@today_option
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.pass_context
def check(ctx: click.Context, today: dt.date | None, strict: bool) -> None:
    """Check every file; print path:line: message for each problem.

    Exit 1 when there is an error (or, with --strict, a warning).
    """
    import json

    from notebook_tool.compute.checks import GITATTRIBUTES, check_merge_driver, problem_order
    from notebook_tool.compute.rows import check_groups
    from notebook_tool.core.config import Config
    from notebook_tool.core.model import Problem, Vault

    day = resolve_today(today)
    root = existing_root(ctx).resolve()

    def join(rows: Any) -> bytes:
        # The merge driver's registration lives in git's config, not in any file the store
        # stamps: that check runs every time, below, and is left out of the memo. Its
        # problems are on .gitattributes, so the memo keeps that path's own problems as
        # values to sort in, and the lines before and after it as printed text: one line of
        # JSON (the counts, those values, the length of the text before), then the text.
        # UTF-8 from the first: one CJK name makes all of a Python string two bytes a character.
        errors = warnings = 0
        before: list[bytes] = []
        after: list[bytes] = []
        at: list[list[Any]] = []
        for path, found in check_groups(rows, day):  # a file at a time: the text is all that is kept
            n_errors = sum(1 for p in found if p.severity == "error")
            errors, warnings = errors + n_errors, warnings + len(found) - n_errors
            if path == GITATTRIBUTES:
                at = [[p.path, p.line, p.message, p.col, p.severity] for p in found]
            else:
                lines = "".join(p.format() + "\n" for p in found).encode("utf-8")
                (before if path < GITATTRIBUTES else after).append(lines)
        head = json.dumps([len(rows.rows), errors, warnings, sum(map(len, before)), at]).encode("ascii")
        return b"".join([head, b"\n", *before, *after])  # one join: each + would copy all the text again

    out = per_person(root, "check", day, join, checks=True)
    start = out.index(b"\n") + 1
    n, errors, warnings, split, at = json.loads(out[:start])
    split += start
    live = check_merge_driver(Vault(root, Config(), ()), day)  # it looks at the root only
    errors += sum(1 for p in live if p.severity == "error")
    warnings += sum(1 for p in live if p.severity != "error")
    here = sorted({Problem(*p) for p in at} | set(live), key=problem_order)
    echo_output(out, start, split)
    click.echo("".join(p.format() + "\n" for p in here), nl=False)
    echo_output(out, split)
    click.echo(f"{n} file{'s' if n != 1 else ''} checked: {errors} error{'s' if errors != 1 else ''}, "
               f"{warnings} warning{'s' if warnings != 1 else ''}", err=True)
    if errors or (strict and warnings):
        ctx.exit(1)
