# SPDX-License-Identifier: GPL-3.0-or-later
"""The cache outlives kresd: a restart on the same rundir answers without asking upstream."""
import dns.rdatatype

import conftest
from conftest import Kresd, check_answer


def test_restart_answers_from_cache(net, tree, tmp_path):
    rundir = tmp_path / 'rundir'
    questions = [q for q in tree.questions() if q[1] == dns.rdatatype.A][:40]
    first = Kresd(rundir, next(conftest._ports)).start()
    try:
        for name, rdtype in questions:
            _, r = first.query(name, rdtype)
            assert r.rcode() in (0, 3)
    finally:
        assert first.stop() == 0, first.stderr()
    before = net.counts()
    second = Kresd(rundir, next(conftest._ports)).start()
    try:
        for name, rdtype in questions:
            _, r = second.query(name, rdtype)
            problems = check_answer(tree, name, rdtype, r)
            assert not problems, problems
    finally:
        assert second.stop() == 0, second.stderr()
    upstream = net.diff(net.counts(), before)
    assert sum(upstream.values()) == 0, 'after the restart, %d questions sent %s upstream' % (
        len(questions), upstream)
