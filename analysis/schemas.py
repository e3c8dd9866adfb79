"""Column schemas of every trace a run directory holds, with explicit dtypes.

Each schema maps a column to its dtype (pandas names; Arrow types follow from them).
The units and meaning of each column are in the comments; the scenario programs are
the authority (``ns3_scenarios/*/``, ``docs/scenarios/oran-slicing.md``).
"""

from __future__ import annotations

import pyarrow as pa

# The application's SeqTsSizeHeader (seq u32, ts u64, size u64), part of the UDP payload
# that both tx and rx rows of the packet trace count.
SEQ_TS_SIZE_HEADER_BYTES = 20
IPV4_HEADER_BYTES = 20
UDP_HEADER_BYTES = 8
GTPU_HEADER_BYTES = 8  # GTP-U v1 mandatory part; ns-3 adds 4 optional bytes (12 in all)
PPP_HEADER_BYTES = 2  # ns-3 point-to-point frames: the 2-byte PPP protocol field

# oran-slicing packets.csv: one row per packet sent (tx, remote host) or received (rx, UE).
PACKETS = {
    "event": "category",  # tx | rx
    "time_s": "float64",  # simulation time of the event [s]
    "ue": "int32",  # UE index
    "slice": "category",  # embb | urllc | mmtc
    "seq": "int64",  # sequence number of the UE's flow
    "size_bytes": "int64",  # as traced [B]: rx rows with the SeqTsSizeHeader, tx rows without
    "delay_ms": "float64",  # one-way delay [ms]; 0 for tx
}
PACKET_EVENTS = ("tx", "rx")  # the values of packets.csv's event column
SLICES = ("embb", "urllc", "mmtc")  # the values of its slice column
# Added by the loader: the UDP payload [B], the same for the tx and the rx row of a packet.
PACKETS_DERIVED = {"payload_bytes": "int64"}

# oran-slicing steps.csv: one row per UE per state; row k covers (t(k-1), t(k)].
SLICING_STEPS = {
    "step": "int32", "time_s": "float64", "ue": "int32", "slice": "category",
    "ru": "int32",  # serving O-RU
    "throughput_mbps": "float64",  # rx bits in the step / step length [Mbit/s]
    "delay_ms": "float64",  # mean one-way delay of the step's packets [ms], 0 if none
    "qos_ok": "int8",  # 1 when the UE's slice QoS held in the step
    "tx_bytes": "int64", "rx_bytes": "int64",  # [B], as in packets.csv
    "tx_packets": "int64", "rx_packets": "int64", "lost_packets": "int64",
    "backlog_bytes": "int64",  # sent, neither received nor known lost [B]
    "gain_db": "float64",  # channel gain to the serving O-RU at t(k) [dB]
    "pa_db": "float64",  # LTE P_A in force [dB]
}

# oran-slicing allocation.csv (gym scheduler): one row per step k >= 1, O-RU, RBG.
ALLOCATION = {
    "step": "int32", "time_s": "float64", "ru": "int32", "cell_id": "int32",
    "rbg": "int32",  # RBG index (3 PRBs each)
    "requested_ue": "int32",  # owner in the action; -1 unused
    "applied_ue": "int32",  # owner kept (-1 when not attached to the O-RU)
    "data_ttis": "int32",  # TTIs in which the RBG carried a transport block
    "last_ue": "int32",  # owner of the last of those TTIs, -1 if none
}
PRBS_PER_RBG = 3

# reference trace-episode-NNNN.csv: one row per state (ns3_scenarios/reference/reference.cc).
REFERENCE_STEPS = {
    "step": "int32", "time_s": "float64", "rate_mbps": "float64", "tx_packets": "int64",
    "rx_packets": "int64", "rx_bytes": "int64", "dropped": "int64",
    "mean_delay_ms": "float64", "queue_packets": "int64",
}

# interference trace-episode-NNNN.csv: one row per pair per state.
INTERFERENCE_STEPS = {
    "step": "int32", "time_s": "float64", "pair": "int32",
    "power_w": "float64",  # transmit power in force during the step [W]
    "bits": "int64",  # bits delivered in the step
    "rate_bps_hz": "float64",  # spectral efficiency delivered [bit/s/Hz]
    "sinr_db": "float64",  # measured SINR [dB], NaN if not measured
    "tb_ok": "int64", "tb_error": "int64",  # transport blocks decoded / failed
}

# ns-3 LTE stats files: tab separated, header line after '%'. Times are [s] except the
# PHY Tx/Rx files, whose time column is in [ms] (ns-3's format); the loader converts it.
_RLC = {
    "start": "float64", "end": "float64", "CellId": "int32", "IMSI": "int64", "RNTI": "int32",
    "LCID": "int32", "nTxPDUs": "int64", "TxBytes": "int64", "nRxPDUs": "int64",
    "RxBytes": "int64", "delay": "float64", "stdDev": "float64", "min": "float64",
    "max": "float64", "PduSize": "float64", "PduStdDev": "float64", "PduMin": "float64",
    "PduMax": "float64",
}
LTE_STATS = {
    "DlMacStats.txt": {
        "time": "float64", "cellId": "int32", "IMSI": "int64", "frame": "int32",
        "sframe": "int32", "RNTI": "int32", "mcsTb1": "int32", "sizeTb1": "int64",
        "mcsTb2": "int32", "sizeTb2": "int64", "ccId": "int32"},
    "UlMacStats.txt": {
        "time": "float64", "cellId": "int32", "IMSI": "int64", "frame": "int32",
        "sframe": "int32", "RNTI": "int32", "mcs": "int32", "size": "int64", "ccId": "int32"},
    "DlTxPhyStats.txt": {
        "time": "float64", "cellId": "int32", "IMSI": "int64", "RNTI": "int32",
        "layer": "int32", "mcs": "int32", "size": "int64", "rv": "int32", "ndi": "int32",
        "ccId": "int32"},
    "DlRxPhyStats.txt": {
        "time": "float64", "cellId": "int32", "IMSI": "int64", "RNTI": "int32",
        "txMode": "int32", "layer": "int32", "mcs": "int32", "size": "int64", "rv": "int32",
        "ndi": "int32", "correct": "int32", "ccId": "int32"},
    "DlRsrpSinrStats.txt": {
        "time": "float64", "cellId": "int32", "IMSI": "int64", "RNTI": "int32",
        "rsrp": "float64", "sinr": "float64", "ComponentCarrierId": "int32"},
    "UlSinrStats.txt": {
        "time": "float64", "cellId": "int32", "IMSI": "int64", "RNTI": "int32",
        "sinrLinear": "float64", "componentCarrierId": "int32"},
    "DlRlcStats.txt": _RLC, "UlRlcStats.txt": _RLC,
    "DlPdcpStats.txt": _RLC, "UlPdcpStats.txt": _RLC,
}
LTE_STATS_TIME_IN_MS = ("DlTxPhyStats.txt", "DlRxPhyStats.txt", "UlTxPhyStats.txt",
                        "UlRxPhyStats.txt")

# FlowMonitor flows (flowmon.xml): one row per flow.
FLOWS = {
    "flow_id": "int32", "source": "string", "destination": "string", "protocol": "int32",
    "source_port": "int32", "destination_port": "int32",
    "tx_bytes": "int64", "rx_bytes": "int64",  # IP packet sizes [B]
    "tx_packets": "int64", "rx_packets": "int64", "lost_packets": "int64",
    "delay_sum_s": "float64", "jitter_sum_s": "float64",
    "first_tx_s": "float64", "last_rx_s": "float64",
}

# pcap frames of the EPC point-to-point links: one row per captured frame.
PCAP = {
    "file": "category", "time_s": "float64",
    "frame_bytes": "int64",  # PPP frame as captured [B]
    "src": "string", "dst": "string",  # outer IPv4 addresses
    "ip_bytes": "int64",  # outer IPv4 total length [B]
    "src_port": "int32", "dst_port": "int32",  # outer UDP ports, -1 if not UDP
    "gtp": "bool",  # a GTP-U tunnelled packet (S1-U, S5)
    "inner_src": "string", "inner_dst": "string",  # tunnelled IPv4, "" when not GTP-U
    "inner_ip_bytes": "int64",  # tunnelled IPv4 total length [B], 0 when not GTP-U
    "inner_dst_port": "int32",  # tunnelled UDP destination port, -1 if none
}


def arrow_types(schema: dict[str, str]) -> dict[str, pa.DataType]:
    """Arrow column types for a schema (categories read as strings, then converted)."""
    mapping = {"float64": pa.float64(), "int64": pa.int64(), "int32": pa.int32(),
               "int8": pa.int8(), "bool": pa.bool_(), "category": pa.string(),
               "string": pa.string()}
    return {name: mapping[dtype] for name, dtype in schema.items()}
