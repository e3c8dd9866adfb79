"""FlowMonitor XML and pcap captures of the EPC links, into typed DataFrames.

pcap files are decoded with dpkt (PPP → IPv4 → UDP, and GTP-U → inner IPv4 on the
tunnelled links) and streamed frame by frame; FlowMonitor XML is parsed
incrementally with ``xml.etree.ElementTree.iterparse``.
"""

from __future__ import annotations

import socket
import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dpkt
import pandas as pd

from analysis import schemas
from analysis.traces import TraceError

GTPU_PORT = 2152
DLT_PPP = 9
PPP_IPV4 = b"\x00\x21"
PCAP_FILE_HEADER_BYTES = 24
PCAP_RECORD_HEADER_BYTES = 16


def load_flowmon(path: str | Path) -> pd.DataFrame:
    """``flowmon.xml``: one row per IPv4 flow (schema ``FLOWS``)."""
    path = Path(path)
    if not path.is_file():
        raise TraceError(f"{path}: missing FlowMonitor file")
    stats: dict[int, dict[str, Any]] = {}
    classes: dict[int, dict[str, Any]] = {}
    try:
        for _, element in ET.iterparse(path, events=("end",)):
            if element.tag != "Flow":
                continue
            flow = int(element.get("flowId", "-1"))
            if "txBytes" in element.attrib:
                stats[flow] = _flow_stats(element.attrib)
                element.clear()
            elif "sourceAddress" in element.attrib:
                classes[flow] = _flow_class(element.attrib)
    except ET.ParseError as error:
        raise TraceError(f"{path}: truncated or corrupted FlowMonitor XML: {error}") from error
    rows = [{"flow_id": f, **classes.get(f, _flow_class({})), **s}
            for f, s in sorted(stats.items())]
    frame = pd.DataFrame(rows, columns=list(schemas.FLOWS))
    return frame.astype(schemas.FLOWS)


def _ns(value: str) -> float:
    return float(value.rstrip("ns").lstrip("+")) / 1e9


def _flow_stats(a: dict[str, str]) -> dict[str, Any]:
    return {"tx_bytes": int(a["txBytes"]), "rx_bytes": int(a["rxBytes"]),
            "tx_packets": int(a["txPackets"]), "rx_packets": int(a["rxPackets"]),
            "lost_packets": int(a["lostPackets"]), "delay_sum_s": _ns(a["delaySum"]),
            "jitter_sum_s": _ns(a["jitterSum"]), "first_tx_s": _ns(a["timeFirstTxPacket"]),
            "last_rx_s": _ns(a["timeLastRxPacket"])}


def _flow_class(a: dict[str, str]) -> dict[str, Any]:
    return {"source": a.get("sourceAddress", ""), "destination": a.get("destinationAddress", ""),
            "protocol": int(a.get("protocol", -1)), "source_port": int(a.get("sourcePort", -1)),
            "destination_port": int(a.get("destinationPort", -1))}


def iter_pcap(path: str | Path) -> Iterator[dict[str, Any]]:
    """One record per frame of a point-to-point pcap (fields of schema ``PCAP``)."""
    path = Path(path)
    if not path.is_file():
        raise TraceError(f"{path}: missing pcap file")
    with path.open("rb") as f:
        try:
            reader = dpkt.pcap.Reader(f)
        except (ValueError, dpkt.dpkt.NeedData) as error:
            raise TraceError(f"{path}: not a pcap file: {error}") from error
        if reader.datalink() != DLT_PPP:
            raise TraceError(f"{path}: link type {reader.datalink()}, expected PPP ({DLT_PPP})")
        consumed = PCAP_FILE_HEADER_BYTES
        try:
            for ts, frame in reader:
                consumed += PCAP_RECORD_HEADER_BYTES + len(frame)
                row = _decode(path.name, float(ts), frame)
                if row["ip_bytes"] and row["ip_bytes"] != len(frame) - schemas.PPP_HEADER_BYTES:
                    raise TraceError(f"{path}: truncated pcap file: a frame of "
                                     f"{len(frame)} B holds an IPv4 packet of {row['ip_bytes']} B")
                yield row
        except (dpkt.dpkt.NeedData, dpkt.dpkt.UnpackError, struct.error) as error:
            raise TraceError(f"{path}: truncated pcap file: {error}") from error
    if consumed != path.stat().st_size:
        raise TraceError(f"{path}: truncated pcap file: {path.stat().st_size - consumed} B "
                         "after the last whole frame")


def load_pcap(path: str | Path) -> pd.DataFrame:
    """A pcap of one EPC link device (schema ``PCAP``)."""
    frame = pd.DataFrame(list(iter_pcap(path)), columns=list(schemas.PCAP))
    return frame.astype(schemas.PCAP)


def gtpu_header_bytes(flags: int) -> int:
    """GTP-U v1 header length: 8 bytes, 12 when any of the E, S, PN flags is set
    (ns-3's GtpuHeader sets S and PN: 12 bytes)."""
    return schemas.GTPU_HEADER_BYTES + (4 if flags & 0x07 else 0)


def _decode(name: str, ts: float, frame: bytes) -> dict[str, Any]:
    row: dict[str, Any] = {"file": name, "time_s": ts, "frame_bytes": len(frame), "src": "",
                           "dst": "", "ip_bytes": 0, "src_port": -1, "dst_port": -1,
                           "gtp": False, "inner_src": "", "inner_dst": "",
                           "inner_ip_bytes": 0, "inner_dst_port": -1}
    # ns-3's PointToPointNetDevice frames carry the 2-byte PPP protocol field only (no
    # HDLC address/control bytes, which dpkt.ppp.PPP expects).
    if len(frame) < schemas.PPP_HEADER_BYTES or frame[:2] != PPP_IPV4:
        return row
    ip = dpkt.ip.IP(frame[schemas.PPP_HEADER_BYTES:])
    row.update(src=socket.inet_ntoa(ip.src), dst=socket.inet_ntoa(ip.dst), ip_bytes=ip.len)
    udp = ip.data
    if not isinstance(udp, dpkt.udp.UDP):
        return row
    row.update(src_port=udp.sport, dst_port=udp.dport)
    payload = bytes(udp.data)
    if GTPU_PORT in (udp.sport, udp.dport) and len(payload) > schemas.GTPU_HEADER_BYTES:
        inner = dpkt.ip.IP(payload[gtpu_header_bytes(payload[0]):])
        row.update(gtp=True, inner_src=socket.inet_ntoa(inner.src),
                   inner_dst=socket.inet_ntoa(inner.dst), inner_ip_bytes=inner.len)
        if isinstance(inner.data, dpkt.udp.UDP):
            row["inner_dst_port"] = inner.data.dport
    return row
