"""The Python tests' harness: the exporter and the servers started beside it, stopped by PID.

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
    from exporter import Exporter, Proc, free_port, get

    ex = Exporter(binary, ["--log.file=" + log], os.path.join(work, "exporter.log"))
    text = get(ex.url("/metrics"))      # ex.port: the port it bound
    ex.stop()                           # SIGTERM, then SIGKILL after 20 s; returns the status

The exporter binds port 0 (--web.listen-address=127.0.0.1:0) and the port it got is read from
its `msg=listening ... port=N` line, so no port is picked, released and handed over (another
process could take it in between). free_port() is for third-party servers that cannot report
the port they bound (Prometheus); it is not for the exporter. Every wait is bounded.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.request


def free_port():
    """A loopback TCP port that was free a moment ago: for servers that cannot bind port 0 and
    say which port they got (Prometheus, nginx)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_test_certs(d):
    """A test CA (ca.crt) and a server certificate for 127.0.0.1 signed by it (server.crt,
    server.key) in folder d, made with openssl. Raises RuntimeError naming the failed step."""
    def run(cmd):
        r = subprocess.run(["bash", "-c", f"cd {d} && {cmd}"], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{cmd}: {r.stderr}")
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key "
        "-out ca.crt")
    run("openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key "
        "-out server.csr")
    run("printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && openssl x509 -req -in server.csr "
        "-CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt")


def get(url, timeout=10, context=None, headers=None):
    """The body of a GET (TLS with `context`, extra `headers`); raises OSError on failure."""
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
        return r.read().decode()


class Proc:
    """A child process whose stderr goes to `log` (stdout is dropped)."""

    def __init__(self, cmd, log):
        self.log = log
        self._stderr = open(log, "w")
        self.p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._stderr)

    def text(self):
        """What it wrote to stderr so far."""
        self._stderr.flush()
        with open(self.log, errors="replace") as f:
            return f.read()

    def tail(self, n=2000):
        """The last `n` characters of its stderr."""
        return self.text()[-n:]

    def stop(self, timeout=20):
        """SIGTERM, then SIGKILL when it has not exited within `timeout` s. Returns the exit
        status (negative: killed by that signal), or None when it had to be killed."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None
        finally:
            self._stderr.close()


class ExporterError(Exception):
    pass


class Exporter(Proc):
    """The exporter on a loopback port of its choosing. Raises ExporterError when it exits or
    does not say its port within `timeout` s."""

    def __init__(self, binary, args, log, timeout=20):
        if not any(a.startswith("--web.listen-address") for a in args):
            args = list(args) + ["--web.listen-address=127.0.0.1:0"]
        super().__init__([binary] + list(args), log)
        self.port = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.text().splitlines():
                if "msg=listening " in line and " port=" in line:
                    self.port = int(line.split(" port=")[1].split()[0].strip('"'))
                    return
            if self.p.poll() is not None:
                raise ExporterError("the exporter exited: " + self.text()[-2000:])
            time.sleep(0.05)
        raise ExporterError(f"the exporter did not say its port within {timeout} s: "
                            + self.text()[-2000:])

    def url(self, path="/metrics"):
        return f"http://127.0.0.1:{self.port}{path}"
