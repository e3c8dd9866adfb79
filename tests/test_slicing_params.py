"""--param for the slicing scenario: the program's names and SlicingConfig's mean the same."""

from __future__ import annotations

import pytest

from bridge.scenarios import get_scenario
from bridge.slicing.params import config_for, split_params


def _config(params):
    program, own = split_params(params)
    return program, config_for(get_scenario("oran-slicing").resolve(program), own)


def test_either_name_starts_the_same_program_and_decoder():
    by_field, cfg_field = _config({"n_ues": "4", "n_rus": "2", "maxSteps": "3"})
    by_program, cfg_program = _config({"nUes": "4", "nRus": "2", "maxSteps": "3"})
    assert by_field == by_program == {"nUes": "4", "nRus": "2", "maxSteps": "3"}
    assert cfg_field == cfg_program
    assert (cfg_field.n_ues, cfg_field.n_rus) == (4, 2)


def test_shares_and_packet_sizes_reach_the_program():
    program, cfg = _config({"slice_shares": "embb:0.5,urllc:0.5,mmtc:0",
                            "packet_bytes": "1000,100,50", "power_levels_db": "-6,-4.77"})
    assert program == {"embbShare": "0.5", "urllcShare": "0.5", "mmtcShare": "0.0",
                       "embbPacketBytes": "1000", "urllcPacketBytes": "100",
                       "mmtcPacketBytes": "50"}
    assert cfg.slice_shares == (("embb", 0.5), ("urllc", 0.5), ("mmtc", 0.0))
    assert cfg.packet_bytes == (1000, 100, 50) and cfg.power_levels_db == (-6.0, -4.77)


def test_a_text_field_reaches_the_decoder_as_text():
    program, cfg = _config({"nUes": "4", "link_model": "tr36942"})
    assert program == {"nUes": "4"} and cfg.link_model == "tr36942"
    with pytest.raises(ValueError, match="link_model"):
        _config({"link_model": "mcs"})


@pytest.mark.parametrize("params,match", [
    ({"n_ues": "4", "nUes": "5"}, "nUes is given twice"),
    ({"n_prbs": "12"}, "fixed at 50 PRBs"),
    ({"n_ues": "0"}, "n_ues"),
])
def test_contradictions_are_refused(params, match):
    with pytest.raises(ValueError, match=match):
        split_params(params)


def test_the_paper_preset_brings_back_table_i_urllc_bound():
    spec = get_scenario("oran-slicing")
    assert spec.resolve()["urllcMaxDelayMs"] == 10.0
    assert spec.resolve({"preset": "paper-table-i"})["urllcMaxDelayMs"] == 1.0
    # a parameter given beside the preset wins over it; the preset never reaches ns-3
    both = spec.resolve({"preset": "paper-table-i", "urllcMaxDelayMs": "4"})
    assert both["urllcMaxDelayMs"] == 4.0 and "preset" not in both
    assert "--urllcMaxDelayMs=1" in spec.args({"preset": "paper-table-i"})
    with pytest.raises(ValueError, match="no preset 'table-1'; known: paper-table-i"):
        spec.resolve({"preset": "table-1"})
    with pytest.raises(ValueError, match="no preset 'x'; known: none"):
        get_scenario("reference").resolve({"preset": "x"})
