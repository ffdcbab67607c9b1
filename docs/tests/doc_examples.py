#!/usr/bin/env python3
"""docs/tests/doc_examples.py — runs every SQL and shell example of README.md
and docs/*.md and compares the result the page shows: one TAP line per
example, named page:line. docs/tests/run starts the servers and calls it.

The rules a page follows (docs/tests/README.md):
- every fenced block has a language; ```sql and ```sh blocks are examples,
  and so are ```console transcripts; an untagged block is "not ok";
- an example runs unless the line before it is
  <!-- doc-test: skip (REASON) -->, which gives a TAP "# SKIP REASON" line;
- ```sql runs with psql in the page's database (PostgreSQL), or with the
  mariadb client when the line before it is <!-- doc-test: mariadb -->;
  ```sh runs with bash -e -o pipefail in a scratch directory (one per page,
  the same for all its examples; HOME is another); a console
  transcript cannot run and must be marked skip;
- a ```text block right after an example is its result (stdout and stderr
  together), compared line by line with trailing blanks ignored: a line
  "..." stands for any number of lines, "..." inside a line for any text.
  Without one, the example must succeed (exit status 0, no ERROR).
- a ```sh example that would change the machine or reach AWS (sudo, apt,
  dpkg, systemctl, service, ldconfig, make install, aws) is never run:
  unmarked, it is "not ok".

Environment (set by docs/tests/run): PGHOST/PGPORT/PGUSER for PostgreSQL,
DOC_MARIADB_SOCKET for MariaDB (either may be missing: those examples are
then skipped with the reason), LAMBDA_URL (sqlambda serve; an example's
http://127.0.0.1:9001, serve's default address, is replaced by its address,
and its address in the output by 127.0.0.1:9001), DOC_WORK (a scratch directory).
Usage: doc_examples.py FILE.md...
"""
import os
import re
import subprocess
import sys

EXAMPLE_LANGS = {"sql", "sh", "console"}
FENCE = re.compile(r"^(\s*)(```+)\s*([^\s`]*)\s*$")
MARKER = re.compile(r"^\s*<!--\s*doc-test:\s*(.*?)\s*-->\s*$")
TIMEOUT = 60
# Shell examples that change the machine or reach AWS never run: unmarked,
# they are "not ok" (mark them skip with the reason)
UNSAFE = re.compile(r"(^|[;&|(\s])(sudo|apt|apt-get|dpkg|systemctl|service|aws|ldconfig|"
                    r"make\b[^\n;&|]*\sinstall)(\s|$)", re.M)


class Block:
    def __init__(self, page, line, lang, text, marker):
        self.page, self.line, self.lang, self.text, self.marker = page, line, lang, text, marker
        self.expected = None  # the ```text block that follows, if any
        self.end_line = None  # index of the closing fence

    @property
    def name(self):
        return "%s:%d" % (self.page, self.line)


def parse(path, name):
    """Returns (blocks, problems): every fenced block of the page."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, problems, i, last = [], [], 0, None
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                last = i
            i += 1
            continue
        indent, ticks, lang = m.group(1), m.group(2), m.group(3)
        j = i + 1
        while j < len(lines) and lines[j].strip() != ticks:
            j += 1
        if j == len(lines):
            problems.append("%s:%d: fence never closed" % (name, i + 1))
            break
        body = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in lines[i + 1:j]]
        marker = None
        if last is not None:
            mm = MARKER.match(lines[last])
            marker = mm.group(1) if mm else None
        b = Block(name, i + 1, lang, "\n".join(body) + "\n", marker)
        b.end_line = j
        # a ```text block after an example (blank lines between only) is its result
        if lang == "text" and blocks and blocks[-1].lang in EXAMPLE_LANGS and \
                blocks[-1].expected is None and \
                all(not l.strip() for l in lines[blocks[-1].end_line + 1:i]):
            blocks[-1].expected = b
        else:
            blocks.append(b)
        last = j
        i = j + 1
    return blocks, problems


def expected_regex(text):
    parts = []
    for line in text.rstrip("\n").split("\n"):
        line = line.rstrip()
        if line == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*".join(re.escape(p) for p in line.split("...")) + r"\n")
    return re.compile("".join(parts))


def normalise(out):
    lines = [l.rstrip() for l in out.split("\n")]
    # psql names its input: "psql:<stdin>:3: ERROR:  ..." is "ERROR:  ..." at the prompt
    lines = [re.sub(r"^psql:<stdin>:\d+: ", "", l) for l in lines]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines) + "\n"


def run(argv, stdin, env, cwd):
    try:
        p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=env, cwd=cwd, timeout=TIMEOUT, text=True)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return 124, out + "\n(timed out after %d s)" % TIMEOUT


class Runner:
    def __init__(self, top, work):
        self.top, self.work = top, work
        self.env = dict(os.environ)
        # a reader's home of its own: examples may write ~/.aws or ~/.local
        self.env["HOME"] = os.path.join(work, "home")
        os.makedirs(self.env["HOME"], exist_ok=True)
        self.lambda_url = os.environ.get("LAMBDA_URL", "")
        self.page_db = None

    def fresh_pg_database(self):
        """Each page starts in an empty database mydb with the extension
        created and on the search path (docs/postgres.md "Install")."""
        sql = ("DROP DATABASE IF EXISTS mydb WITH (FORCE);\nCREATE DATABASE mydb;\n\\c mydb\n"
               "SET client_min_messages = warning;\n"
               "CREATE EXTENSION IF NOT EXISTS aws_lambda CASCADE;\n"
               "ALTER DATABASE mydb SET search_path = \"$user\", public, aws_lambda;\n")
        rc, out = run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres"], sql,
                      self.env, self.top)
        if rc != 0:
            raise RuntimeError("fresh database mydb: " + out.strip())

    def fresh_mariadb_database(self):
        sql = "DROP DATABASE IF EXISTS mydb; CREATE DATABASE mydb;"
        rc, out = run(self.mariadb_argv(None), sql, self.env, self.top)
        if rc != 0:
            raise RuntimeError("fresh MariaDB database mydb: " + out.strip())

    def mariadb_argv(self, db="mydb"):
        argv = ["mariadb", "--socket=" + os.environ["DOC_MARIADB_SOCKET"], "-uroot", "--table"]
        return argv + ([db] if db else [])

    def substitute(self, text):
        """Examples name serve's default address; the suite's serve has its own port."""
        if self.lambda_url:
            text = text.replace("http://127.0.0.1:9001", self.lambda_url)
        return text

    def unsubstitute(self, out):
        if self.lambda_url:
            out = out.replace(self.lambda_url.split("//", 1)[-1], "127.0.0.1:9001")
        return out

    def execute(self, b):
        """Returns (None, output) if the example ran, or (skip reason, None)."""
        text = self.substitute(b.text)
        if b.lang == "sql" and b.marker == "mariadb":
            if not os.environ.get("DOC_MARIADB_SOCKET"):
                return os.environ.get("DOC_MARIADB_SKIP", "no MariaDB server"), None
            if self.page_db != ("mariadb", b.page):
                self.fresh_mariadb_database()
                self.page_db = ("mariadb", b.page)
            return None, run(self.mariadb_argv(), text, self.env, self.top)
        if b.lang == "sql":
            if not os.environ.get("PGPORT"):
                return os.environ.get("DOC_PG_SKIP", "no PostgreSQL server"), None
            if self.page_db != ("pg", b.page):
                self.fresh_pg_database()
                self.page_db = ("pg", b.page)
            return None, run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", "mydb"], text,
                             self.env, self.top)
        if b.lang == "sh" and UNSAFE.search(text):
            raise RuntimeError("would run %r on this machine: mark it <!-- doc-test: skip (REASON) -->"
                               % UNSAFE.search(text).group(0).strip())
        if b.lang == "sh":  # in a scratch directory of the page's
            cwd = os.path.join(self.work, "sh", b.page.replace("/", "_"))
            os.makedirs(cwd, exist_ok=True)
            return None, run(["bash", "-e", "-o", "pipefail"], text, self.env, cwd)
        return "a transcript cannot run: mark it <!-- doc-test: skip (REASON) -->", None


def self_test():
    """The harness's own checks (docs/tests/run runs them first): a wrong
    result, an untagged fence and a skip marker are seen as such."""
    import tempfile
    checks = [
        ("'...' lines match any lines", expected_regex("a\n...\nz\n").fullmatch("a\nb\nc\nz\n")),
        ("'...' lines match no lines", expected_regex("a\n...\nz\n").fullmatch("a\nz\n")),
        ("'...' in a line matches text", expected_regex("id ... ms\n").fullmatch("id 42 ms\n")),
        ("a different result does not match", not expected_regex("OK\n").fullmatch("ERROR\n")),
        ("a longer result does not match", not expected_regex("a\n").fullmatch("a\nb\n")),
        ("text outside '...' must match", not expected_regex("id ... ms\n").fullmatch("id 42 s\n")),
    ]
    page = ("x\n<!-- doc-test: skip (why) -->\n```sh\nfalse\n```\n\n```sql\nSELECT 1;\n```\n\n"
            "```text\n one\n```\n\n```\nuntagged\n```\n")
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
        f.write(page)
    blocks, problems = parse(f.name, "t.md")
    os.unlink(f.name)
    checks += [
        ("a marker before a fence is read", blocks[0].marker == "skip (why)"),
        ("a text block after an example is its result",
         blocks[1].expected is not None and blocks[1].expected.text == " one\n"),
        ("an untagged fence is found", len(blocks) == 3 and blocks[2].lang == ""),
        ("a block without marker has none", blocks[1].marker is None),
        ("sudo, apt, systemctl, aws, make install are never run",
         all(UNSAFE.search(t) for t in ["sudo apt install ./x.deb", "x; systemctl start y",
                                         "aws lambda invoke", "make -C core install PREFIX=/x",
                                         "apt-get install -y z", "make install"])),
        ("make, sqlambda, psql examples may run",
         not any(UNSAFE.search(t) for t in ["make -C core", "sqlambda invoke f", "psql -c 'x'",
                                             "echo installed", "make -C postgres installcheck"])),
    ]
    bad = 0
    for name, good in checks:
        print("%s - doc_examples.py self-test: %s" % ("ok" if good else "not ok", name))
        bad += not good
    return 1 if bad else 0


def main():
    top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    files = sys.argv[1:]
    work = os.environ.get("DOC_WORK")
    if not work:  # the examples write files and call servers: only inside docs/tests/run
        sys.exit("doc_examples.py: run it through docs/tests/run (DOC_WORK is not set)")
    runner = Runner(top, work)
    failed = 0
    for f in files:
        name = os.path.relpath(os.path.abspath(f), top)
        blocks, problems = parse(f, name)
        for p in problems:
            print("not ok - %s" % p)
            failed += 1
        for b in blocks:
            if not b.lang:
                print("not ok - %s: fenced block without a language (```sql, ```sh, ```text, ...)"
                      % b.name)
                failed += 1
                continue
            if b.lang not in EXAMPLE_LANGS:
                continue
            if b.marker and b.marker.startswith("skip"):
                reason = re.sub(r"^skip\s*[:(]?\s*|\)?$", "", b.marker) or "no reason given"
                print("ok - %s %s example # SKIP %s" % (b.name, b.lang, reason))
                continue
            if b.marker and b.marker != "mariadb":
                print("not ok - %s: unknown doc-test marker %r" % (b.name, b.marker))
                failed += 1
                continue
            try:
                skip, res = runner.execute(b)
            except RuntimeError as e:
                print("not ok - %s: %s" % (b.name, e))
                failed += 1
                continue
            if skip:
                if b.lang == "console":
                    print("not ok - %s: %s" % (b.name, skip))
                    failed += 1
                else:
                    print("ok - %s %s example # SKIP %s" % (b.name, b.lang, skip))
                continue
            rc, out = res
            got = normalise(runner.unsubstitute(out))
            what = "%s %s example" % (b.name, b.marker or b.lang)
            if b.expected is not None:
                good = expected_regex(normalise(b.expected.text)).fullmatch(got) is not None
                what += " shows its result (%s:%d)" % (b.page, b.expected.line)
            else:
                good = rc == 0 and not re.search(r"^(ERROR|FATAL)\b|^ERROR \d+", got, re.M)
                what += " runs without error"
            if good:
                print("ok - " + what)
            else:
                failed += 1
                print("not ok - " + what)
                print("#   exit status %d; output:" % rc)
                for l in got.rstrip("\n").split("\n"):
                    print("#   | " + l)
                if b.expected is not None:
                    print("#   the page shows:")
                    for l in b.expected.text.rstrip("\n").split("\n"):
                        print("#   > " + l)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
