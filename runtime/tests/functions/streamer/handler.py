"""Test function for response streaming (t_streaming.py): returns a
generator, so the bootstrap streams what it yields. event["mode"]:
chunks     - yields event["n"] lines "chunk <i>\\n" (text/plain)
gate       - yields "first\\n", then waits (up to 15 s) for the file
             event["gate"] to exist, then yields "second\\n": the caller can
             only create the file if it received "first" while the
             function still ran
midfail    - yields "partial", then raises ValueError("stream broke")
bigfail    - yields "partial", then raises ValueError of event["kb"] KiB
             (a long error body in the trailers)
earlyfail  - raises before yielding anything (an ordinary error)
size       - yields event["mb"] MiB of b"x" in 64 KiB chunks
stall      - yields "started\n", then sleeps 30 s (past any test timeout)
"""
import os
import time


def main(event, context):
    mode = event.get("mode", "chunks")
    if mode == "earlyfail":
        raise RuntimeError("failed before streaming")
    return stream(event, context, mode)


def stream(event, context, mode):
    if mode == "chunks":
        context.response_content_type = "text/plain"
        for i in range(event.get("n", 3)):
            yield "chunk %d\n" % i
    elif mode == "gate":
        context.response_content_type = "text/plain"
        yield "first\n"
        for _ in range(1500):
            if os.path.exists(event["gate"]):
                break
            time.sleep(0.01)
        yield "second\n" if os.path.exists(event["gate"]) else "gate never opened\n"
    elif mode == "midfail":
        yield b"partial"
        raise ValueError("stream broke")
    elif mode == "stall":
        yield "started\n"
        time.sleep(30)
    elif mode == "bigfail":
        yield b"partial"
        raise ValueError("y" * (event["kb"] * 1024))
    elif mode == "size":
        block = b"x" * 65536
        for _ in range(event["mb"] * 16):
            yield block
