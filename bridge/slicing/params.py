"""The SlicingConfig an ns-3 oran-slicing run stands for, from its parameters.

:func:`ns3_params` goes from a SlicingConfig to the program's parameters;
:func:`config_for` goes back, so that agents acting in the native action space (and the
decoders of the wrapped ones) read the observation with the numbers the program was
started with; :func:`config_from_params` reads a SlicingConfig from text values.
SlicingConfig fields that the program has no parameter for (``power_levels_db``,
``fixed_association``, ``link_model``, ``ru_capacity_mbps``, ...) may be given by their
own names beside the program's.

``fixed_association`` defaults to ``handover=false``: the program then keeps every UE on
the O-RU it attached to (its strongest), so decoders must assume the same. Power levels
index the program's LTE P_A table, so custom ``power_levels_db`` must be a prefix of it
(the first L levels) to mean the same on both sides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from bridge.slicing.config import LTE_PA_DB, SlicingConfig

_NUMBERS: dict[str, str] = {
    "n_rus": "nRus", "n_ues": "nUes", "ru_power_dbm": "ruPowerDbm",
    "noise_figure_db": "noiseFigureDb", "embb_min_rate_mbps": "embbMinMbps",
    "urllc_min_rate_mbps": "urllcMinMbps", "urllc_max_delay_ms": "urllcMaxDelayMs",
    "theta_rate": "thetaRate", "theta_const": "thetaConst", "theta_bias": "thetaBias",
}
"""SlicingConfig field -> the program parameter that carries it."""


def split_params(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(program parameters, SlicingConfig fields given by their own names). Fields the
    program carries (``n_ues``, ``slice_shares``, ``packet_bytes``, ...) become the
    program's parameters, so that either name means the same run."""
    fields = {f.name for f in dataclasses.fields(SlicingConfig)}
    program = {k: v for k, v in params.items() if k not in fields}
    own = {k: str(v) for k, v in params.items() if k in fields}
    for field, value in _carried(own).items():
        if field in program:
            raise ValueError(f"--param {field} is given twice (also by its SlicingConfig "
                             "field's name); give it once")
        program[field] = value
    return program, {k: v for k, v in own.items() if k not in _CARRIED}


_CARRIED = {*_NUMBERS, "slice_shares", "packet_bytes", "n_prbs", "rbg_size"}


def _carried(own: Mapping[str, str]) -> dict[str, str]:
    """The program parameters for the SlicingConfig fields in ``own`` it carries."""
    given = {k: v for k, v in own.items() if k in _CARRIED}
    cfg = config_from_params(given)  # typed and range-checked like every field
    if (cfg.n_prbs, cfg.rbg_size) != (50, 3):
        raise ValueError("n_prbs, rbg_size: the ns-3 program's grid is fixed at 50 PRBs in "
                         "RBGs of 3 (LTE 10 MHz)")
    out = {_NUMBERS[k]: str(getattr(cfg, k)) for k in given if k in _NUMBERS}
    if "slice_shares" in given:
        shares = dict(cfg.slice_shares)
        out.update({f"{s}Share": str(shares.get(s, 0.0)) for s in ("embb", "urllc", "mmtc")})
    if "packet_bytes" in given:
        out.update({f"{s}PacketBytes": str(b)
                    for s, b in zip(("embb", "urllc", "mmtc"), cfg.packet_bytes, strict=True)})
    return out


def config_for(resolved: Mapping[str, Any], own: Mapping[str, str] | None = None
               ) -> SlicingConfig:
    """The SlicingConfig of a run with ``resolved`` program parameters (every one, as
    ``Scenario.resolve`` gives them) and ``own`` SlicingConfig fields (text values)."""
    own = dict(own or {})
    clash = sorted(k for k in own if k in _NUMBERS)
    if clash:
        raise ValueError(f"--param {', '.join(clash)}: give the program's own names "
                         f"({', '.join(_NUMBERS[k] for k in clash)})")
    values = {field: str(resolved[name]) for field, name in _NUMBERS.items()}
    values["slice_shares"] = ",".join(
        f"{s}:{resolved[f'{s}Share']}" for s in ("embb", "urllc", "mmtc"))
    values["packet_bytes"] = ",".join(
        str(int(resolved[f"{s}PacketBytes"])) for s in ("embb", "urllc", "mmtc"))
    values["fixed_association"] = "true" if str(resolved["handover"]) == "false" else "false"
    cfg = config_from_params({**values, **own})
    levels = cfg.power_levels_db
    if tuple(levels) != LTE_PA_DB[:len(levels)]:
        raise ValueError(f"power_levels_db: {levels} must be the first {len(levels)} of the "
                         f"program's LTE P_A levels {LTE_PA_DB}")
    return cfg


def config_from_params(params: Mapping[str, str], also_known: Iterable[str] = ()
                       ) -> SlicingConfig:
    """A SlicingConfig from text values, typed by each field's default. ``also_known``:
    the caller's other parameters, listed beside the fields when a name is unknown."""
    defaults = SlicingConfig()
    fields = {f.name for f in dataclasses.fields(SlicingConfig)}
    unknown = sorted(set(params) - fields)
    if unknown:
        raise ValueError(f"--param: unknown {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(fields | set(also_known)))}")
    values: dict[str, Any] = {}
    for name, text in params.items():
        default = getattr(defaults, name)
        try:
            if name == "slice_shares":
                pairs = [part.split(":") for part in text.split(",")]
                values[name] = tuple((key.strip(), float(share)) for key, share in pairs)
            elif isinstance(default, bool):
                if text.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(text)
                values[name] = text.lower() in ("true", "1")
            elif isinstance(default, tuple):
                kind = type(default[0])
                values[name] = tuple(kind(part) for part in text.split(","))
            elif isinstance(default, str):
                values[name] = text
            else:
                values[name] = type(default)(float(text)) if isinstance(default, int) \
                    else float(text)
        except ValueError:
            raise ValueError(f"--param {name}: {text!r} is not a valid value") from None
    return SlicingConfig(**values)


def ns3_params(cfg: SlicingConfig) -> dict[str, Any]:
    """The ns-3 program's parameters for ``cfg`` (its RBG grid is fixed at 17 x 3 PRBs)."""
    if (cfg.n_prbs, cfg.rbg_size) != (50, 3):
        raise ValueError("source=ns3 needs n_prbs=50 and rbg_size=3 (LTE 10 MHz)")
    shares = dict(cfg.slice_shares)
    return {
        "nRus": cfg.n_rus, "nUes": cfg.n_ues, "embbShare": shares.get("embb", 0.0),
        "urllcShare": shares.get("urllc", 0.0), "mmtcShare": shares.get("mmtc", 0.0),
        "ruPowerDbm": cfg.ru_power_dbm, "noiseFigureDb": cfg.noise_figure_db,
        "embbMinMbps": cfg.embb_min_rate_mbps, "urllcMinMbps": cfg.urllc_min_rate_mbps,
        "urllcMaxDelayMs": cfg.urllc_max_delay_ms, "thetaRate": cfg.theta_rate,
        "thetaConst": cfg.theta_const, "thetaBias": cfg.theta_bias,
        "embbPacketBytes": cfg.packet_bytes[0], "urllcPacketBytes": cfg.packet_bytes[1],
        "mmtcPacketBytes": cfg.packet_bytes[2],
    }
