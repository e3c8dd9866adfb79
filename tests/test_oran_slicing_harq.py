"""DlHarqTracker (the gym scheduler's HARQ state) against hand-worked sequences.

The checks live in ns3_scenarios/oran_slicing/harq-tracker-check.cc: processes taken
in turn 0..7 and none free with eight blocks in flight; ACK frees; NACK queues a
retransmission with the next RV, NDI 0 and the same TB size, RBGs and MCS, up to
RV 3, after which the process is freed; feedback for unknown UEs, idle or queued
processes is ignored; a process without feedback is freed on the 12th TTI; releasing
a UE drops its queued retransmissions.
"""

from __future__ import annotations

import subprocess

from tests.conftest import program


def test_harq_tracker_sequences():
    result = subprocess.run([str(program("ran-gym-harq-check"))], capture_output=True,
                            text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
