# SPDX-License-Identifier: GPL-3.0-or-later
"""The validate plugin as users configure it: loaded by default, the root anchors
built in, trust_anchors.* from the config and the CLI."""


def test_validate_loaded_with_both_root_ksks(kresd):
    """KSK-2017 (20326) and KSK-2024 (38696) are compiled in as DS records."""
    # Read before the fixture's own trust_anchors.remove('.') at the end of the config.
    k = kresd("root = trust_anchors.summary().anchors['.']\n", interactive=True)
    assert 'validate' in k.cli("table.concat(modules.list(), ' ')")
    assert k.cli('root.ds') == '2\n'
    assert k.cli('root.dnskey') == '0\n'


def test_anchor_lines_with_mnemonics_and_negative_anchors(kresd):
    k = kresd("trust_anchors.add('example.com. 3600 IN DS 30899 RSASHA1 1 "
              "f7ed618f24d5e5202927e1d27bc2e84a141cb4b3')\n"
              "trust_anchors.negative = { 'bad.example.' }\n", interactive=True)
    assert k.cli("trust_anchors.summary().anchors['example.com.'].ds") == '1\n'
    assert k.cli("trust_anchors.summary().negative[1]") == 'bad.example.\n'
    # A line that is not an anchor is refused with a message, and kresd serves on.
    out = k.cli("trust_anchors.add('example.org. A 192.0.2.1')")
    assert 'not a DS or DNSKEY record' in out
    assert k.cli('1 + 1') == '2\n'
