#!/usr/bin/env python3
"""gen_help.py — turns cli/sqlambda.help (format described at its top) into
the --help texts as C string macros (--header FILE: CLI_HELP_MAIN,
CLI_HELP_INVOKE, CLI_HELP_SERVE, CLI_HELP_CONFIG) and the sqlambda(1) man page (--man FILE),
so the two never disagree. Usage: gen_help.py SOURCE VERSION --header H --man M"""
import argparse
import re
import sys
import textwrap

WIDTH = 79
TERM_COL = 26  # "  " + term padded to 24
MAN_ORDER = ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXIT STATUS",
             "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"]
HOME = {"main": "DESCRIPTION", "invoke": "COMMANDS", "serve": "COMMANDS", "config": "COMMANDS",
        "man": None}


def fail(path, lineno, msg):
    sys.exit(f"{path}:{lineno}: {msg}")


def parse(path):
    """-> (summary, blocks): blocks = [(name, [element])]; element is
    ('usage', text) | ('heading', title, target) | ('item', term, text) | ('para', text)."""
    blocks, summary, cur, para, item = [], None, None, [], None

    def flush():
        nonlocal para, item
        if item is not None:
            cur[1].append(("item", item[0], " ".join(item[1])))
            item = None
        if para:
            cur[1].append(("para", " ".join(para)))
            para = []

    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("#"):
                continue
            if line.startswith("%"):
                if cur:
                    flush()
                name = line[1:].strip()
                if name not in HOME:
                    fail(path, n, f"unknown block %{name}")
                cur = (name, [])
                blocks.append(cur)
                continue
            if cur is None:
                if line.strip():
                    fail(path, n, "text before the first %block")
                continue
            if item is not None and line[:1] in (" ", "\t") and line.strip():
                item[1].append(line.strip())
                continue
            if not line.strip():
                flush()
                continue
            if line.startswith("@"):
                flush()
                key, _, rest = line.partition(" ")
                rest = rest.strip()
                if key == "@summary":
                    summary = rest
                elif key == "@usage":
                    cur[1].append(("usage", rest))
                elif key == "@heading":
                    title, _, target = rest.partition("=>")
                    cur[1].append(("heading", title.strip(), target.strip() or None))
                elif key == "@item":
                    if "|" not in rest:
                        fail(path, n, "@item needs 'TERM | TEXT'")
                    term, _, text = rest.partition("|")
                    item = (term.strip(), [text.strip()] if text.strip() else [])
                else:
                    fail(path, n, f"unknown directive {key}")
                continue
            if item is not None:
                flush()
            para.append(line.strip())
        if cur:
            flush()
    if not summary:
        fail(path, 0, "no @summary")
    return summary, blocks


# ---- --help text --------------------------------------------------------

def help_text(elements):
    out, usages = [], [e[1] for e in elements if e[0] == "usage"]
    for i, u in enumerate(usages):
        out.append(("Usage: " if i == 0 else "   or: ") + "sqlambda " + u)
    prev = "usage"
    for e in elements:
        if e[0] == "usage":
            continue
        if e[0] == "heading":
            out.append("")
            out.append(e[1] + ":")
        elif e[0] == "para":
            if prev != "heading":
                out.append("")
            out.extend(textwrap.wrap(e[1], WIDTH, break_on_hyphens=False))
        elif e[0] == "item":
            if prev not in ("item", "heading"):
                out.append("")
            term = "  " + e[1]
            lines = textwrap.wrap(e[2], WIDTH - TERM_COL, break_on_hyphens=False) or [""]
            if len(term) > TERM_COL - 2:
                out.append(term)
                out.extend(" " * TERM_COL + l for l in lines)
            else:
                out.append(term.ljust(TERM_COL) + lines[0])
                out.extend(" " * TERM_COL + l for l in lines[1:])
        prev = e[0]
    return "\n".join(out) + "\n"


def c_string(text):
    lines = text.splitlines(keepends=True)
    esc = [l.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") for l in lines]
    return " \\\n".join(f'    "{l}"' for l in esc)


# ---- man page -----------------------------------------------------------

def roff_escape(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return s


def roff_line(s):
    return "\\&" + s if s[:1] in (".", "'") else s


def roff_text(s):
    """Prose: escaped, option names bold."""
    s = roff_escape(s)
    return re.sub(r"(?<![\w\\])((?:\\-){1,2}[a-zA-Z][\w\\-]*)", r"\\fB\1\\fR", s)


def roff_term(term):
    """An item's term: options and command words bold, METAVARIABLES italic."""
    words = []
    for w in term.split(" "):
        m = re.match(r"^([\[@]*)([A-Za-z0-9_.:*/~{}\"'-]+)([\],]*)$", w)
        if not m:
            words.append(roff_escape(w))
            continue
        pre, core, post = m.groups()
        if re.fullmatch(r"[A-Z][A-Z0-9_]*(:[A-Z0-9_]+)?", core) and core not in ("AWS",):
            font = "I" if not core.startswith("AWS_") and core not in ("HOME", "TMPDIR") else "B"
        elif pre.startswith("[") and core.islower():
            font = None  # [options], [arguments]
        else:
            font = "B"
        e = roff_escape(core)
        words.append(roff_escape(pre) + (f"\\f{font}{e}\\fR" if font else e) + roff_escape(post))
    return " ".join(words)


def man_page(summary, blocks, version):
    sections = {k: [] for k in MAN_ORDER}
    extra = []

    def add(sec, lines):
        if sec not in sections:
            sections[sec] = []
            extra.append(sec)
        sections[sec].extend(lines)

    synopsis = []
    for name, elements in blocks:
        home = HOME[name]
        target = home
        if name in ("invoke", "serve", "config"):
            add("COMMANDS", [f".SS {name}"])
        for e in elements:
            if e[0] == "usage":
                parts = e[1].split(" ", 1)
                synopsis += [".PP"] if synopsis else []
                synopsis += [".B sqlambda",
                             roff_line(roff_term(parts[0]) + (" " + roff_term(parts[1]) if len(parts) > 1 else ""))]
                continue
            if e[0] == "heading":
                if e[2] == "-":
                    target = None
                elif e[2]:
                    target = e[2]
                else:
                    target = home
                    add(target, [".PP", f"\\fB{roff_escape(e[1])}\\fR"])
                continue
            if target is None:
                continue
            if e[0] == "para":
                add(target, [".PP", roff_line(roff_text(e[1]))])
            elif e[0] == "item":
                add(target, [".TP", roff_line(roff_term(e[1])), roff_line(roff_text(e[2]))])
    out = ['.\\" Generated by cli/gen_help.py from cli/sqlambda.help: do not edit.',
           f'.TH SQLAMBDA 1 "" "sqlambda {version}" "User Commands"',
           ".nh", ".ad l",
           ".SH NAME", f"sqlambda \\- {roff_escape(summary)}",
           ".SH SYNOPSIS"] + synopsis
    for sec in MAN_ORDER[2:] + extra:
        if sections[sec]:
            out.append(f'.SH "{sec}"' if " " in sec else f".SH {sec}")
            out.extend(sections[sec])
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("version")
    ap.add_argument("--header")
    ap.add_argument("--man")
    a = ap.parse_args()
    summary, blocks = parse(a.source)
    if a.header:
        by = {}
        for name, el in blocks:
            by.setdefault(name, []).extend(el)
        with open(a.header, "w", encoding="utf-8") as f:
            f.write("/* help_text.h — generated by cli/gen_help.py from cli/sqlambda.help: do not edit. */\n")
            for name in ("main", "invoke", "serve", "config"):
                if name not in by:
                    sys.exit(f"{a.source}: no %{name} block")
                f.write(f"#define CLI_HELP_{name.upper()} \\\n{c_string(help_text(by[name]))}\n")
    if a.man:
        with open(a.man, "w", encoding="utf-8") as f:
            f.write(man_page(summary, blocks, a.version))


if __name__ == "__main__":
    main()
