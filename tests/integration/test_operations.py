# SPDX-License-Identifier: GPL-3.0-or-later
"""
Operating kresd as the reference's "CLI interface", "Running supervised" and
"Scaling out" sections describe it: the interactive CLI on a real terminal
(a pty), restarts under a supervisor that holds the sockets (LISTEN_FDS), and
the cache shared by forks seen through their control sockets.
"""
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import threading
import time

import dns.message
import dns.rcode

from conftest import KRESD, kresd_env, make_query, measure, next_port, sanitizer_report
from test_control import ask
from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)


# --- the interactive CLI on a terminal --------------------------------------

class Terminal:
    """kresd with its stdin and stdout on a pty, as when started from a shell."""

    def __init__(self, workdir, moduledir, config=''):
        (workdir / 'config').write_text(config)
        self.master, slave = pty.openpty()
        self.stderr = open(workdir / 'stderr.log', 'wb')
        self.stderr_path = workdir / 'stderr.log'
        self.proc = subprocess.Popen([str(KRESD), '-c', 'config', str(workdir)], cwd=workdir,
                                     env=kresd_env(moduledir), stdin=slave, stdout=slave,
                                     stderr=self.stderr, start_new_session=True)
        os.close(slave)
        self.buf = b''

    def read_until(self, marker, timeout=5.0):
        """Read the terminal until marker shows; @return what came before it (consumed)."""
        deadline = time.monotonic() + timeout
        while marker.encode() not in self.buf:
            left = deadline - time.monotonic()
            assert left > 0, 'no %r on the terminal; got %r\n%s' % (
                marker, self.buf, self.stderr_path.read_text(errors='replace'))
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:   # EIO: the other side is closed
                    chunk = b''
                assert chunk, 'terminal closed; got %r' % self.buf
                self.buf += chunk
        before, _, self.buf = self.buf.partition(marker.encode())
        return before.decode(errors='replace').replace('\r', '')

    def type(self, line):
        os.write(self.master, line.encode() + b'\n')

    def command(self, line):
        """Type a line; @return its output up to the next prompt (the echo removed)."""
        self.type(line)
        out = self.read_until('\n> ').replace('\r', '')
        echo, _, rest = out.partition('\n')
        assert echo.strip() == line, (echo, out)
        return rest   # without the newline before the prompt

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        self.stderr.close()


def test_cli_on_a_terminal(tmp_path, moduledir):
    t = Terminal(tmp_path, moduledir, "hints.set('cli.lab 192.0.2.5')\n")
    try:
        t.read_until('> ')   # the first prompt
        out = t.command('help()')
        assert 'quit(), quit(status)' in out and 'modules.load(name)' in out and 'hints.set()' in out, out
        assert t.command('1 + 2') == '3'
        assert t.command('cache.count()').strip().isdigit()
        assert t.command("hints.get('cli.lab')") == '[1] => 192.0.2.5'
        out = t.command('nonsense(')
        assert out.startswith('error: '), out
        t.type('quit()')
        assert t.proc.wait(5) == 0
        assert not sanitizer_report(t.stderr_path.read_text(errors='replace'))
    finally:
        t.close()


# --- a supervisor holding the sockets -----------------------------------------

class Supervisor:
    """Binds UDP and TCP on 127.0.0.1:port and lends them to kresd as fds 3 and 4."""

    def __init__(self, workdir, moduledir, config):
        self.workdir = workdir
        self.moduledir = moduledir
        (workdir / 'config').write_text(config)
        self.port = next_port()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(('127.0.0.1', self.port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(('127.0.0.1', self.port))
        self.tcp.listen(64)
        self.proc = None
        self.starts = 0
        self.logs = []

    def start(self):
        log = self.workdir / ('stderr%d.log' % self.starts)
        self.logs.append(log)
        self.starts += 1
        u, t = self.udp.fileno(), self.tcp.fileno()
        # The sockets become fds 3 and 4; LISTEN_PID must be kresd's own PID: the
        # wrapper puts them in place and execs kresd in its own process.
        wrapper = ('import os, sys\n'
                   'os.dup2(%d, 3)\nos.dup2(%d, 4)\n'
                   'os.environ.update(LISTEN_FDS="2", LISTEN_PID=str(os.getpid()))\n'
                   'os.execv(sys.argv[1], sys.argv[1:])\n' % (u, t))
        with open(log, 'wb') as err:
            self.proc = subprocess.Popen([sys.executable, '-c', wrapper, str(KRESD), '-n', '-c', 'config',
                                          str(self.workdir)], cwd=self.workdir,
                                         env=kresd_env(self.moduledir), pass_fds=(u, t),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=err)

    def stop(self, sig):
        self.proc.send_signal(sig)
        return self.proc.wait(5)

    def reports(self):
        return [m for log in self.logs for m in sanitizer_report(log.read_text(errors='replace'))]


class Client:
    """Sends a query every `interval` s from one UDP socket; a thread collects the answers."""

    def __init__(self, port, interval=0.002):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect(('127.0.0.1', port))
        self.sock.settimeout(0.1)
        self.interval = interval
        self.sent = {}
        self.answered = set()
        self.wrong = []
        self.sending = threading.Event()
        self.done = threading.Event()
        self.receiver = threading.Thread(target=self._receive, daemon=True)
        self.sender = threading.Thread(target=self._send, daemon=True)

    def start(self):
        self.sending.set()
        self.receiver.start()
        self.sender.start()

    def _send(self):
        qid = 0
        while self.sending.is_set() and qid < 65535:
            q = make_query('sup.lab.', 'A', qid=qid)
            self.sent[qid] = time.monotonic()
            try:
                self.sock.send(q.to_wire())
            except ConnectionRefusedError:   # an ICMP error of an earlier datagram
                self.sock.send(q.to_wire())
            qid += 1
            time.sleep(self.interval)

    def _receive(self):
        while not self.done.is_set():
            try:
                wire = self.sock.recv(65535)
            except (socket.timeout, ConnectionRefusedError):
                continue
            r = dns.message.from_wire(wire)
            ok = r.rcode() == dns.rcode.NOERROR and [rd.to_text() for rs in r.answer for rd in rs] == ['192.0.2.9']
            if ok:
                self.answered.add(r.id)
            else:
                self.wrong.append(r)

    def finish(self, wait=5.0):
        self.sending.clear()
        self.sender.join(5)
        deadline = time.monotonic() + wait
        while len(self.answered) < len(self.sent) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.done.set()
        self.receiver.join(5)
        self.sock.close()
        return set(self.sent) - self.answered


def test_supervised_restarts_lose_no_queries(tmp_path, moduledir):
    """
    kresd is restarted five times under a supervisor that keeps the sockets while a
    client sends a query every 2 ms. Queries sent while no kresd runs wait in the
    supervisor's socket and are answered by the next kresd. The bound: a SIGTERM
    restart loses nothing (kresd stops between two datagrams); a SIGKILL may lose
    only the datagrams the killed process had read and not answered, at most one
    per kill, since kresd answers a hinted name before it reads the next datagram.
    """
    sup = Supervisor(tmp_path, moduledir, "hints.set('sup.lab 192.0.2.9')\n")
    sup.start()
    c = Client(sup.port)
    try:
        c.start()
        time.sleep(0.3)
        kills = 0
        for sig in (signal.SIGTERM, signal.SIGKILL, signal.SIGTERM, signal.SIGKILL, signal.SIGTERM):
            rc = sup.stop(sig)
            assert rc == (0 if sig == signal.SIGTERM else -signal.SIGKILL), (rc, sup.logs[-1].read_text())
            kills += sig == signal.SIGKILL
            time.sleep(0.1)          # nobody serves: the queries queue in the socket
            sup.start()
            time.sleep(0.3)
    finally:
        lost = c.finish()
        rc = sup.stop(signal.SIGTERM)
    assert rc == 0
    measure('supervised restarts: %d queries, %d lost over %d SIGKILL and %d SIGTERM restarts'
            % (len(c.sent), len(lost), kills, 5 - kills))
    assert not c.wrong, c.wrong[:3]
    assert len(c.sent) > 500, len(c.sent)
    assert len(lost) <= kills, 'lost %d of %d queries over %d kills: %s' % (
        len(lost), len(c.sent), kills, sorted(lost)[:20])
    assert not sup.reports()
    # The TCP socket was handed over too: one last kresd answers on it.
    sup.start()
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                with socket.create_connection(('127.0.0.1', sup.port), timeout=2) as s:
                    q = make_query('sup.lab.', 'A')
                    w = q.to_wire()
                    s.sendall(len(w).to_bytes(2, 'big') + w)
                    n = int.from_bytes(s.recv(2), 'big')
                    data = b''
                    while len(data) < n:
                        data += s.recv(n - len(data))
                    r = dns.message.from_wire(data)
                    break
            except (ConnectionError, socket.timeout, ValueError):
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert r.id == q.id and r.answer[0][0].to_text() == '192.0.2.9'
    finally:
        assert sup.stop(signal.SIGTERM) == 0


# --- forks share the cache ----------------------------------------------------

def test_forks_see_each_others_cache(kresd, fake_auth):
    """What one fork resolved and cached, another fork counts and finds in the cache."""
    auth = fake_auth(['shared.lab. 300 IN A 192.0.2.33'])
    k = kresd(auth.config(), forks=2)
    tty = k.workdir / 'tty'
    deadline = time.monotonic() + 5
    while len(os.listdir(tty)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    by_id = {ask(tty / p, 'worker.id\n').strip(): tty / p for p in os.listdir(tty)}
    assert sorted(by_id) == ['0', '1']
    first, second = by_id['1'], by_id['0']
    before = int(ask(second, 'cache.count()\n'))
    assert ask(first, "resolve('shared.lab.', kres.type.A)\n").strip() == 'true'
    deadline = time.monotonic() + 5
    while int(ask(second, 'cache.count()\n')) <= before:
        assert time.monotonic() < deadline, 'fork 0 never saw what fork 1 cached'
        time.sleep(0.05)
    asked = auth.asked('shared.lab.', 'A')
    assert asked == 1
    # The other fork answers from the shared cache: no new upstream query.
    for _ in range(10):
        q, r = k.query('shared.lab.', 'A')
        assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '192.0.2.33'
    assert auth.asked('shared.lab.', 'A') == asked
    assert "192.0.2.33" in ask(second, "cache.get('shared.lab.')\n")
