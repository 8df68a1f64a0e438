"""A warm server that boots nothing, for the unit tests of bleed's side of the protocol
(docs/warm.md). Each probe's child runs the shell snippet in the probe's env var FAKE_PROBE;
FAKE_BOOT in the server's environment says how booting goes: "ok", "error", "crash" or "hang".
"""
import json
import os
import select
import signal
import socket
import sys
import time

boot = os.environ.get("FAKE_BOOT", "ok")
if boot == "crash":
    print("boot failed: ImportError: no module named app", flush=True)
    sys.exit(3)
if boot == "hang":
    time.sleep(600)

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(os.environ["BLEED_WARM_SOCKET"])
out = sock.makefile("w")


def say(**message):
    out.write(json.dumps(message) + "\n")
    out.flush()


if boot == "error":
    say(event="error", message="no tests were collected")
    sys.exit(0)
say(event="ready", version="fake 1.0")

children = {}
buffer = b""
while True:
    readable, _, _ = select.select([sock], [], [], 0.02)
    if readable:
        data = sock.recv(65536)
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            probe = json.loads(line)
            if probe["order"] == ["unknown"]:
                say(event="refused", probe=probe["probe"], message="no test unknown")
                continue
            if probe["env"].get("FAKE_PROBE") == "die":
                sys.exit(1)
            pid = os.fork()
            if pid == 0:
                os.setpgid(0, 0)
                log = os.open(probe["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.dup2(log, 1)
                os.dup2(log, 2)
                os.environ.update(probe["env"])
                os.execvp("sh", ["sh", "-c", probe["env"].get("FAKE_PROBE", "true")])
            try:
                os.setpgid(pid, pid)
            except OSError:
                pass
            children[pid] = probe["probe"]
            say(event="forked", probe=probe["probe"], pid=pid)
    for pid in list(children):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
            say(event="exited", probe=children.pop(pid), status=code)
for pid in children:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
