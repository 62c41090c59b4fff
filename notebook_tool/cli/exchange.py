"""``guanxi import``, ``guanxi export`` and ``guanxi triage``: bringing a network in and taking it out.

Thin click layer. ``import`` prints the plan (nothing written) unless
``--apply``; exit 0 for a clean plan, 1 when rows were skipped or conflicted
(the rest still applied with ``--apply``), 2 on usage errors. ``export``
writes vCard 4.0, CSV or JSON to a file or stdout. ``triage`` lists the
imported people still to be turned into relationships.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from notebook_tool.cli.main import (
    CONTEXT,
    echo_json,
    json_option,
    load,
    resolve_today,
    today_option,
    use_cache,
    vault_root,
)

_VAULT = click.option("--vault", "vault", type=click.Path(file_okay=False, path_type=Path), default=None,
                      help="The vault folder (as for every command).")


def _root(ctx: click.Context, vault: Path | None) -> Path:
    from notebook_tool.read.vault import find_vault

    return find_vault(vault) if vault else vault_root(ctx)


def _loaded(ctx: click.Context, vault: Path | None) -> Any:
    """The vault as read (through the cache, as every command reads it); --vault here or before."""
    if vault is None:
        return load(ctx)
    from notebook_tool.core.errors import GuanxiError
    from notebook_tool.store.incremental import cached_vault

    root = _root(ctx, vault)
    if not root.is_dir():
        raise GuanxiError(f"vault folder {root} does not exist")
    return cached_vault(root, None, use_cache=use_cache())


@click.group("import", context_settings=CONTEXT)
def import_group() -> None:
    """Bring people in from LinkedIn, Google Contacts or vCard files.

    \b
      guanxi import linkedin Connections.csv          (the plan: nothing is written)
      guanxi import linkedin Connections.csv --apply  (do it)
      guanxi import google contacts.csv --json
      guanxi import vcard phone.vcf        (or a folder of .vcf files)

    Import only adds: new people, and missing fields or list values of people
    you have. A different value for a field you set is a conflict, left alone.
    Exit 0 when the plan is clean, 1 when rows were skipped or conflicted."""


def _progress(total: int) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A progress bar for long imports, on a terminal only."""
    if total < 200 or not sys.stderr.isatty():
        return None, lambda: None
    bar = click.progressbar(length=total, label="Creating contacts", file=sys.stderr)
    bar.__enter__()
    done = [0]

    def step(i: int) -> None:
        bar.update(i - done[0])
        done[0] = i

    return step, lambda: bar.__exit__(None, None, None)


def _import_command(kind: str, what: str) -> click.Command:
    @click.command(kind, context_settings=CONTEXT, help=f"Import {what}.\n\nWithout --apply nothing is written: "
                   "the plan is printed (people to create, fields to add, rows skipped and why, duplicates).")
    @click.argument("source", type=click.Path(exists=True, path_type=Path))
    @click.option("--apply", "do_apply", is_flag=True, help="Carry out the plan (default: only print it).")
    @json_option
    @today_option
    @_VAULT
    @click.pass_context
    def command(ctx: click.Context, source: Path, do_apply: bool, as_json: bool, today: dt.date | None,
                vault: Path | None) -> None:
        from notebook_tool.compute.importplan import plan_import
        from notebook_tool.render.importplan import plan_json, plan_text
        from notebook_tool.write.importapply import apply_plan, read_export

        root = _root(ctx, vault)
        loaded = _loaded(ctx, vault)
        rows, problems = read_export(kind, source)
        plan = plan_import(rows, loaded.contacts, kind, source.as_posix(), resolve_today(today))
        applied = None
        if do_apply:
            step, finish = _progress(len(plan.creates))
            try:
                applied = apply_plan(root, loaded.config, plan, step)
            finally:
                finish()
        if as_json:
            data = plan_json(plan, problems)
            if applied is not None:
                data["applied"] = {"created": list(applied.created), "updated": list(applied.updated),
                                   "failed": [{"what": w, "reason": r} for w, r in applied.failed]}
            echo_json(data)
        else:
            click.echo(plan_text(plan, problems, applied=applied is not None), nl=False)
            if applied is not None:
                for what, reason in applied.failed:
                    click.echo(f"guanxi: not written: {what}: {reason}", err=True)
                if applied.created or applied.updated:
                    click.echo("Run `guanxi triage` to turn them into relationships.")
        unclean = (not plan.clean or any(p.severity == "error" for p in problems)
                   or (applied is not None and applied.failed))
        ctx.exit(1 if unclean else 0)

    return command


for _kind, _what in (("linkedin", "LinkedIn's Connections.csv (or the folder of a LinkedIn data export)"),
                     ("google", "a Google Contacts CSV export (current or older layout)"),
                     ("vcard", "vCard files (.vcf; 2.1, 3.0 or 4.0; one file or a folder)")):
    import_group.add_command(_import_command(_kind, _what))


@click.group("export", context_settings=CONTEXT)
def export_group() -> None:
    """Take your people out: vCard 4.0, CSV, or JSON of the whole vault.

    \b
      guanxi export vcard people.vcf
      guanxi export vcard cards/ --split   (one .vcf per person)
      guanxi export csv > people.csv
      guanxi export json --today 2025-06-01"""


def _out(out: Path | None, text: str) -> None:
    from notebook_tool.write.fsio import atomic_write

    if out is None:
        click.echo(text, nl=False)
    else:
        atomic_write(out, text.encode("utf-8"))
        click.echo(f"Wrote {out}", err=True)


@export_group.command("vcard", context_settings=CONTEXT)
@click.argument("out", required=False, type=click.Path(path_type=Path))
@click.option("--split", is_flag=True, help="OUT is a folder: one .vcf file per person.")
@_VAULT
@click.pass_context
def export_vcard(ctx: click.Context, out: Path | None, split: bool, vault: Path | None) -> None:
    """Every person as a vCard 4.0 card (to OUT, else stdout)."""
    from notebook_tool.render.exports import vcard_cards
    from notebook_tool.write.fsio import atomic_write

    cards = vcard_cards(_loaded(ctx, vault))
    if split:
        if out is None:
            raise click.UsageError("--split needs the OUT folder")
        out.mkdir(parents=True, exist_ok=True)
        for stem, text in cards:
            atomic_write(out / f"{stem}.vcf", text.encode("utf-8"))
        click.echo(f"Wrote {len(cards)} cards to {out}", err=True)
        return
    _out(out, "".join(text for _, text in cards))


@export_group.command("csv", context_settings=CONTEXT)
@click.argument("out", required=False, type=click.Path(path_type=Path))
@today_option
@_VAULT
@click.pass_context
def export_csv(ctx: click.Context, out: Path | None, today: dt.date | None, vault: Path | None) -> None:
    """One row per person: fields and balance (to OUT, else stdout)."""
    from notebook_tool.render.exports import csv_text

    _out(out, csv_text(_loaded(ctx, vault), resolve_today(today)))


@export_group.command("json", context_settings=CONTEXT)
@click.argument("out", required=False, type=click.Path(path_type=Path))
@today_option
@_VAULT
@click.pass_context
def export_json(ctx: click.Context, out: Path | None, today: dt.date | None, vault: Path | None) -> None:
    """The whole vault: fields, entries, balances (schema in docs/json.md)."""
    import json

    from notebook_tool.render.exports import vault_json

    data = vault_json(_loaded(ctx, vault), resolve_today(today))
    _out(out, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@click.command("triage", context_settings=CONTEXT)
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many people to show (0: all).")
@click.option("--next", "one", is_flag=True, help="Only the next person, with each step to take.")
@json_option
@today_option
@_VAULT
@click.pass_context
def triage(ctx: click.Context, limit: int, one: bool, as_json: bool, today: dt.date | None,
           vault: Path | None) -> None:
    """Work through imported people: what is missing per the connection protocol.

    For each imported person not yet a relationship: say hello (log a touch
    or give), get their contact details (email or phone), say why you
    connected (why:), ask what you can do for them (needs:)."""
    from notebook_tool.compute.triage import triage_list
    from notebook_tool.render.triage import triage_json, triage_text

    items = triage_list(_loaded(ctx, vault), resolve_today(today))
    if as_json:
        echo_json(triage_json(items))
        return
    click.echo(triage_text(items, 1 if one else limit, detailed=one), nl=False)
