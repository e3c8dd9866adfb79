"""The generated section of docs/benchmarks.md: the figures of one ``ran-gym bench all``
run as tables, with its command, machine and date."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _bridge(r: dict[str, Any]) -> str:
    rows = [[t, r[t]["raw_rtt_us"], r[t]["sim_exchange_us"], r[t]["step_us"],
             r[t]["overhead_ratio"]] for t in ("ipc", "tcp") if t in r]
    return _table(["transport", "raw_rtt_us", "sim_exchange_us", "step_us", "overhead_ratio"],
                  rows) + f"\n\n{r['iterations']} timed iterations after {r['warmup']}; medians."


def _scenario(r: dict[str, Any]) -> str:
    rows = [[k, r["wall_s"][k], r["sim_s_per_wall_s"][k], r["cpu_s"][k],
             r["sim_s_per_cpu_s"][k], r["dl_dcis_per_cell_tti"][k]] for k in r["wall_s"]]
    over = r["gym_overhead_vs_pf"]
    return (_table(["variant", "wall_s", "sim s / wall s", "cpu_s", "sim s / CPU s",
                    "DL DCIs per cell·TTI"], rows)
            + f"\n\n{r['simulated_s']} simulated s, best of {r['repeats']}; gym scheduler + "
              f"bridge over stock PF: {over['cpu']:+.1%} CPU, {over['wall']:+.1%} wall."
            + _like_for_like(r.get("like_for_like")))


def _like_for_like(r: dict[str, Any] | None) -> str:
    if not r:
        return ""
    return (f" Like for like (1 ms steps, the gym scheduler fed stock PF's per-TTI "
            f"decisions; DCIs the same in {r['same_dcis_share']:.1%} of TTIs): gym over PF "
            f"{r['gym_over_pf_cpu']:+.1%} CPU, {r['cpu_us_per_dci']['gym_fed_pf']} against "
            f"{r['cpu_us_per_dci']['pf']} µs of CPU per DL DCI.")


def _agents(r: dict[str, Any]) -> str:
    keys = ("ddpm_t20_ms", "ddim5_ms", "default_decision_ms", "updates_per_s",
            "updates_per_s_eager")
    rows = [[d, *(r[d].get(k, "—") for k in keys)] for d in ("cpu", "cuda") if d in r]
    text = _table(["device", *keys], rows) + (
        f"\n\nTable I's setting: Diffusion-QL, observation {r['obs_dim']}, action "
        f"{r['action_dim']}; decisions at batch 1, updates at batch 128.")
    default_keys = ("decision_ms", "decision_cpu_ms", "decision_numpy_mish_cpu_ms",
                    "decision_torch_cpu_ms", "updates_per_s", "updates_per_s_torch_mish",
                    "updates_per_s_eager")
    rows = [[d, *(r[f"default{s}"].get(k, "—") for k in default_keys)]
            for d, s in (("cpu", ""), ("cuda", "_cuda")) if f"default{s}" in r]
    if rows:
        text += "\n\n" + _table(["device (defaults)", *default_keys], rows) + (
            f"\n\nThe defaults on the share action ({r['default']['action_dim']} values): "
            "guided decision, best of 10 by Q.")
    return text


def _analysis(r: dict[str, Any]) -> str:
    rows = [[k, r[k]["wall_s"], r[k].get("cpu_s", "—"), r[k]["mb_per_s"],
             r[k].get("mb_per_cpu_s", "—"), r[k]["rows_per_s"], r[k]["peak_rss_mib"]]
            for k in ("csv_summary", "csv_to_parquet", "parquet_summary") if k in r]
    return _table(["pass", "wall_s", "cpu_s", "MB/s", "MB per CPU s", "rows/s", "peak MiB"],
                  rows) + (f"\n\n{r['rows']} rows, {r['csv_bytes'] / 1e6:.0f} MB of CSV "
                           "(MB/s counts CSV bytes for every pass).")


def _scaling(r: dict[str, Any]) -> str:
    rows = [[n, v["steps_per_s"], v["speedup"], v["sim_cpu_ms_per_step"],
             v["python_cpu_ms_per_step"]] for n, v in r["num_envs"].items()]
    b = r["bridge"]
    two = r["num_envs"].get("2", {}).get("speedup")
    verdict = "" if two is None else (
        f" Target N = 2 ≥ 1.7 × N = 1: {'met' if two >= 1.7 else 'not met'} ({two:.2f}×).")
    return (_table(["N", "env steps/s", "speedup", "sim CPU ms/step", "Python CPU ms/step"],
                   rows)
            + f"\n\n{r['steps']} vector steps per N, params {r['params'] or 'default'}, "
              f"best of {r['repeats']}. One plain env: {b['step_ms']} ms per step, of which "
              f"simulator CPU {b['sim_cpu_ms_per_step']} ms and bridge CPU "
              f"{b['bridge_cpu_ms_per_step']} ms; the vector env adds "
              f"{b.get('vector_overhead_ms', '?')} ms per step at N = 1.{verdict}"
            + _ray_scaling(r))


def _ray_scaling(r: dict[str, Any]) -> str:
    """The Ray actor rows of ``bench scaling --rollouts ray``, and the overhead target."""
    if "ray" not in r:
        return ""
    rows = [[variant, n, v["steps_per_s"], v["speedup"], v["sim_cpu_ms_per_step"],
             v["python_cpu_ms_per_step"]]
            for variant in ("ray", "ray_actor_decisions") for n, v in r[variant].items()]
    o = r.get("ray_overhead", {})
    verdict = "" if not o else (
        f" Ray's overhead per env step at N = 1 over the local vector env (decisions in "
        f"the learner): {o['cpu_ms_per_step']} ms of CPU against the plain env step's "
        f"{o['plain_step_cpu_ms']} ms; target ≤ 10 %: "
        f"{'met' if o['target_met'] else 'not met'} ({100 * o['cpu_share']:.1f} %). "
        f"Wall time: {o['wall_ms_per_step']} ms against {o['plain_step_ms']} ms "
        f"({100 * o['wall_share']:.1f} %).")
    return ("\n\nRay actors (ran_gym.rollouts), decisions in the learner (`ray`) and in "
            "the actors (`ray_actor_decisions`):\n\n"
            + _table(["rollouts", "N", "env steps/s", "speedup", "sim CPU ms/step",
                      "Python+Ray CPU ms/step"], rows) + "\n\n" + verdict.strip())


def _learner(r: dict[str, Any]) -> str:
    rows = [[device, n, v["env_steps_per_s"], v["updates_per_s"], v["simulators_ms"],
             v["decide_ms"], v["learn_ms"], v["update_ms"]]
            for device, per_n in r["devices"].items() for n, v in per_n.items()]
    return (_table(["learner", "N", "env steps/s", "updates/s", "simulators ms/step",
                    "decide ms/step", "learn ms/step", "ms/update"], rows)
            + f"\n\nDiffusion-QL's training loop, {r['steps']} timed vector steps per row "
              f"after {r['warmup']} untimed, learning from the first transition; torch "
              f"{r['torch']}, {r['torch_threads']} intra-op thread(s)"
              + (f", GPU {r['gpu']}" if r.get("gpu") else "")
              + (", CUDA learner's updates as CUDA graphs" if r.get("cuda_graphs") else "")
              + ".")


def _sweep(r: dict[str, Any]) -> str:
    over = r["overhead_s_per_cell"]
    return (_table(["cells", "direct s/cell", "sweep s/cell", "overhead s/cell",
                    "bookkeeping ms", "Ray start s"],
                   [[r["cells"], r["direct_s_per_cell"], r["sweep_s_per_cell"], over,
                     r["bookkeeping_ms"], r["ray_start_s"]]])
            + f"\n\nTarget overhead < 1 s per cell: {'met' if over < 1 else 'not met'}.")


RENDER = {"bridge": _bridge, "scenario": _scenario, "agents": _agents,
          "analysis": _analysis, "scaling": _scaling, "learner": _learner, "sweep": _sweep}


def render(results: dict[str, Any], json_path: Path) -> str:
    suites = results["suites"]
    machine: dict[str, Any] = next((s["machine"] for s in suites.values() if "machine" in s),
                                   {})
    loads = ", ".join(f"{s['machine']['load_average'][0]} during {name}"
                      for name, s in suites.items() if "load_average" in s.get("machine", {}))
    parts = ["## All suites — `ran-gym bench all` (generated)", "",
             f"Command: `{results['command']}`. Date: {results['date']}. "
             f"Machine: {machine.get('platform', '?')}, {machine.get('cpus', '?')} CPUs, "
             f"Python {machine.get('python', '?')}; 1-minute load average "
             f"{loads or '?'} (the machine is shared: wall times are inflated when it is "
             f"busy). Raw results: `{json_path}`."]
    for name, result in suites.items():
        parts += ["", f"### {name} ({result.get('suite_wall_s', '?')} s)", ""]
        if "error" in result:
            parts.append(f"Failed: `{result['error']}`")
        else:
            try:
                parts.append(RENDER[name](result))
            except (KeyError, TypeError) as error:
                parts.append(f"(no table: missing {error})")
    return "\n".join(parts) + "\n"
