"""Shell completion that inserts names the shell reads back as one word.

Owns the bash, zsh and fish completion classes Guanxi registers in place of
click's. Names have spaces and quotes (``Alice Chen``, ``Mary O'Brien``);
click hands values to the shell as they are, so bash inserted
``Alice Chen`` (two arguments) and ``Mary O'Brien`` left bash waiting at its
``>`` prompt for the quote to close.

- bash: values are backslash-escaped (``Alice\\ Chen``, ``Mary\\ O\\'Brien``),
  unless the word being completed opened a quote, in which case the value is
  left as typed inside it. The script reads each line with ``read -r`` and
  adds it to ``COMPREPLY`` quoted, so neither ``read`` nor globbing undoes
  the escaping (click's own script does both).
- zsh: ``compadd`` quotes what it inserts itself; the value goes as is
  (colons escaped where ``_describe`` would split on them, as click does).
- fish: fish escapes what it inserts itself; the value goes as is, in a
  script of our own (click 8.4's fish script is broken: it splits on a
  newline that Python put into it).
"""

from __future__ import annotations

import os
import re

from click.shell_completion import (
    BashComplete,
    CompletionItem,
    FishComplete,
    ZshComplete,
    add_completion_class,
)

# What bash reads as part of a word without quoting: everything else is escaped.
_BASH_SAFE = re.compile(r"[A-Za-z0-9_./@%+=:,-]")

_SOURCE_BASH = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response

    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \
%(complete_var)s=bash_complete $1)

    for completion in $response; do
        IFS=',' read -r type value <<< "$completion"

        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=("$value")
        fi
    done

    return 0
}

%(complete_func)s_setup() {
    complete -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""


def bash_escape(value: str) -> str:
    """``Mary O'Brien`` → ``Mary\\ O\\'Brien``: one word to bash, as typed. Non-ASCII letters stay."""
    return "".join(ch if (not ch.isascii() and ch.isprintable()) or _BASH_SAFE.match(ch) else "\\" + ch
                   for ch in value)


class GuanxiBash(BashComplete):
    """Bash completion with escaped values and a script that keeps them escaped."""

    source_template = _SOURCE_BASH

    def format_completion(self, item: CompletionItem) -> str:
        if item.type != "plain":
            return super().format_completion(item)
        if open_quote(os.environ.get("COMP_WORDS", "")):
            return f"plain,{item.value}"  # inside a quote the user opened: bash closes it
        return f"plain,{bash_escape(item.value)}"


def open_quote(line: str) -> bool:
    """True when ``line`` ends inside a quote (``guanxi show "Al``), as a POSIX shell reads it."""
    state: str | None = None
    escaped = False
    for ch in line:
        if escaped:
            escaped = False
        elif ch == "\\" and state != "'":
            escaped = True
        elif state is None and ch in ("'", '"'):
            state = ch
        elif ch == state:
            state = None
    return state is not None


class GuanxiZsh(ZshComplete):
    """zsh: compadd quotes the inserted value itself."""


_SOURCE_FISH = """\
function %(complete_func)s;
    set -l response (env %(complete_var)s=fish_complete COMP_WORDS=(commandline -cp) \
COMP_CWORD=(commandline -t) %(prog_name)s);

    for completion in $response;
        set -l metadata (string split -m 2 \\t -- $completion);

        if test "$metadata[1]" = "dir";
            __fish_complete_directories $metadata[2];
        else if test "$metadata[1]" = "file";
            __fish_complete_path $metadata[2];
        else if test "$metadata[1]" = "plain";
            if test "$metadata[3]" != "_";
                printf '%%s\\t%%s\\n' $metadata[2] $metadata[3];
            else;
                printf '%%s\\n' $metadata[2];
            end;
        end;
    end;
end;

complete --no-files --command %(prog_name)s --arguments \
"(%(complete_func)s)";
"""


class GuanxiFish(FishComplete):
    """fish: fish escapes the inserted value itself; one tab-separated line per value.

    click's own fish script splits on a literal newline (a Python escape that
    reached the script) and cannot work; this one splits ``type<TAB>value<TAB>help``.
    """

    source_template = _SOURCE_FISH

    def format_completion(self, item: CompletionItem) -> str:
        def one(text: str) -> str:
            return " ".join(text.replace("\t", " ").splitlines())

        return f"{item.type}\t{one(item.value)}\t{one(item.help or '_')}"


def register() -> None:
    """Use these classes for ``_GUANXI_COMPLETE=bash_source`` and the rest."""
    for cls in (GuanxiBash, GuanxiZsh, GuanxiFish):
        add_completion_class(cls)
