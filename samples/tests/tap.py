"""tap.py — tiny TAP helpers for the samples' Python tests ("ok - name" /
"not ok - name" lines that scripts/tally counts), plus loading a sample
function's handler module the way Lambda does (its directory on sys.path)."""
import importlib.util
import os
import sys

FAILED = 0
HERE = os.path.dirname(os.path.abspath(__file__))
FUNCTIONS = os.path.join(os.path.dirname(HERE), "functions")


def ok(cond, name, diag=None):
    global FAILED
    print(("ok - " if cond else "not ok - ") + name, flush=True)
    if not cond:
        FAILED += 1
        if diag is not None:
            for line in str(diag).splitlines():
                print("#   " + line)
    return cond


def is_(got, want, name):
    return ok(got == want, name, "got:  %r\nwant: %r" % (got, want))


def raises(fn, exc, pattern, name):
    """Passes if fn() raises exc whose message contains pattern."""
    try:
        fn()
    except exc as e:
        return ok(pattern in str(e), name, "message %r lacks %r" % (str(e), pattern))
    except Exception as e:      # wrong exception type
        return ok(False, name, "raised %s: %s" % (type(e).__name__, e))
    return ok(False, name, "did not raise")


def load_function(name):
    """Imports samples/functions/NAME/lambda_function.py as Lambda would."""
    d = os.path.join(FUNCTIONS, name)
    sys.path.insert(0, d)
    spec = importlib.util.spec_from_file_location("lambda_function", os.path.join(d, "lambda_function.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def done():
    sys.exit(1 if FAILED else 0)
