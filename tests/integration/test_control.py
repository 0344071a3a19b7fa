# SPDX-License-Identifier: GPL-3.0-or-later
"""Control sockets rundir/tty/PID: one command per line, output written back."""
import os
import socket
import stat
import time

from conftest import make_query


def control_path(k, pid=None):
    return k.workdir / 'tty' / str(pid or k.pid)


def ask(path, text, timeout=3.0):
    """Send lines to a control socket and read until the output stops."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(path))
    s.sendall(text.encode())
    s.shutdown(socket.SHUT_WR)
    out = b''
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    return out.decode()


def test_socket_is_private_and_answers(kresd):
    k = kresd("hints.set('ctl.lab 192.0.2.7')\n")
    path = control_path(k)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    out = ask(path, "worker.pid\nhints.get('ctl.lab')\n")
    assert out.splitlines() == [str(k.pid), '[1] => 192.0.2.7']
    # The output is also printed on the daemon's stdout.
    deadline = time.monotonic() + 3
    while '[1] => 192.0.2.7' not in k.stdout_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert '[1] => 192.0.2.7' in k.stdout_path.read_text()


def test_errors_keep_the_daemon_serving(kresd):
    k = kresd('')
    out = ask(control_path(k), "nope()\nhints.set('late.lab 192.0.2.8')\n")
    lines = out.splitlines()
    assert lines[0].startswith('error:') and 'nope' in lines[0]
    r = k.udp(make_query('late.lab.', 'A'))
    assert [rd.address for rrset in r.answer for rd in rrset] == ['192.0.2.8']


def test_one_socket_per_fork_removed_at_exit(kresd):
    k = kresd('', forks=2)
    tty = k.workdir / 'tty'
    deadline = time.monotonic() + 5
    while len(os.listdir(tty)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = sorted(os.listdir(tty))
    assert len(pids) == 2
    ids = sorted(ask(tty / p, 'worker.id\n').strip() for p in pids)
    assert ids == ['0', '1']
    k.stop()
    assert os.listdir(tty) == []


def test_map_collects_every_fork_in_order(kresd):
    k = kresd('', forks=3)
    tty = k.workdir / 'tty'
    deadline = time.monotonic() + 5
    while len(os.listdir(tty)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = sorted(os.listdir(tty))
    assert len(pids) == 3
    for p in pids:   # from any process, the same ordered answer
        assert ask(tty / p, "map('worker.id')\n").splitlines() == ['[1] => 0', '[2] => 1', '[3] => 2']
    out = ask(tty / pids[0], "map('worker.pid')\n").splitlines()
    assert sorted(line.split(' => ')[1] for line in out) == pids
    err = ask(tty / pids[0], "map('nope()')\n")
    assert err.startswith('error:') and 'nope' in err
