# SPDX-License-Identifier: GPL-3.0-or-later
"""The process: signals, -f forks, start-up time and memory."""
import os
import signal
import time

import dns.message
import dns.rcode
import pytest

from conftest import make_query, measure

CONFIG = "hints.set('www.lab 192.0.2.1')\n"


def children(pid):
    """PIDs of the children of pid."""
    out = []
    for task in os.listdir('/proc/%d/task' % pid):
        with open('/proc/%d/task/%s/children' % (pid, task)) as f:
            out += [int(x) for x in f.read().split()]
    return out


def gone(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(') ')[1].startswith('Z')   # a zombie is gone too
    except FileNotFoundError:
        return True


def burst(k, n, proto='udp'):
    """n queries; @return how many got the right answer."""
    ok = 0
    for i in range(n):
        q = make_query('www.lab.', 'A', qid=i)
        r = k.udp(q) if proto == 'udp' else k.tcp(q)
        ok += r.id == q.id and r.rcode() == dns.rcode.NOERROR and \
            [rd.to_text() for rs in r.answer for rd in rs] == ['192.0.2.1']
    return ok


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize('interactive', [False, True])
def test_signal_exit(kresd, sig, interactive):
    k = kresd(CONFIG, interactive=interactive)
    # An open TCP connection and a query answered do not hold the exit back.
    c = k.tcp_connect()
    assert burst(k, 3) == 3
    t0 = time.monotonic()
    assert k.stop(sig, timeout=5) == 0
    took = time.monotonic() - t0
    assert took < 2.0, 'exit took %.2f s' % took
    k.assert_clean()
    c.close()


def test_forks(kresd):
    """-f 2: both processes answer; SIGTERM to the leader ends both."""
    k = kresd(CONFIG, forks=2)
    deadline = time.monotonic() + 5
    while not children(k.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    kids = children(k.pid)
    assert len(kids) == 1, kids
    child = kids[0]
    assert burst(k, 50) == 50
    assert burst(k, 10, 'tcp') == 10
    # Each process alone answers: stop the other one (SIGSTOP), ask, resume it.
    for stopped, serving in ((k.pid, child), (child, k.pid)):
        os.kill(stopped, signal.SIGSTOP)
        try:
            assert burst(k, 20) == 20, 'pid %d alone does not answer UDP' % serving
            assert burst(k, 5, 'tcp') == 5, 'pid %d alone does not answer TCP' % serving
        finally:
            os.kill(stopped, signal.SIGCONT)
    t0 = time.monotonic()
    assert k.stop(signal.SIGTERM) == 0
    assert time.monotonic() - t0 < 2
    assert gone(child), 'fork %d survived its leader' % child
    k.assert_clean()


def test_forks_survive_child_kill(kresd):
    """A fork killed by SIGKILL: the leader still answers and exits cleanly."""
    k = kresd(CONFIG, forks=3)
    deadline = time.monotonic() + 5
    while len(children(k.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    kids = children(k.pid)
    assert len(kids) == 2
    os.kill(kids[0], signal.SIGKILL)
    assert burst(k, 30) == 30
    assert k.stop() == 0
    assert all(gone(p) for p in kids)


def test_measure_asan_build(kresd):
    """Start-up time and idle memory of this (sanitized) build: printed, not asserted."""
    times = []
    for _ in range(3):
        k = kresd(CONFIG)
        times.append(k.startup_s)
    for _ in range(100):
        q = make_query('www.lab.', 'A')
        k.udp(q)
    time.sleep(0.2)
    rss = k.rss_kb()
    measure('start-up (exec to first answer), ASan+UBSan build: %.0f ms (best of 3; %s)'
            % (min(times) * 1000, ', '.join('%.0f' % (t * 1000) for t in times)))
    measure('idle RSS after 100 queries, ASan+UBSan build: %d kB' % rss)
