"""Byte and throughput accounting across the independent records of one run.

What each record counts for one downlink packet of P bytes of UDP payload (the
application's packet size, SeqTsSizeHeader included):

| record | bytes | overhead over P |
|---|---|---|
| ``packets.csv`` tx row | P − 20 | −20 (traced before the SeqTsSizeHeader is added) |
| ``packets.csv`` rx row | P | 0 |
| FlowMonitor ``txBytes`` / ``rxBytes`` | IPv4 packet | +28 (IPv4 20, UDP 8) |
| pcap, SGi link (PGW – remote host) | PPP frame | +30 (PPP 2, IPv4 20, UDP 8) |
| pcap, S1-U / S5 (GTP-U) | PPP frame | +70 (PPP 2, IPv4 20, UDP 8, GTP-U 12, IPv4 20, UDP 8) |

so ``packets tx payload + 28 · packets`` = FlowMonitor ``txBytes`` = the SGi capture's
IPv4 bytes = the tunnelled IPv4 bytes of every GTP-U link = ns-3's PDCP ``TxBytes`` −
2 · PDUs (the PDCP header), exactly, per UE; and the same on the receive side.
"""

from __future__ import annotations

import pandas as pd

from analysis.schemas import (
    GTPU_HEADER_BYTES,
    IPV4_HEADER_BYTES,
    PPP_HEADER_BYTES,
    UDP_HEADER_BYTES,
)

BASE_PORT = 10000  # oran-slicing: UE u's flow goes to UDP port BASE_PORT + u
IP_UDP = IPV4_HEADER_BYTES + UDP_HEADER_BYTES
GTPU_NS3_BYTES = GTPU_HEADER_BYTES + 4  # ns-3 sets the S and PN flags: 12 bytes
TUNNEL_OVERHEAD = PPP_HEADER_BYTES + IP_UDP + GTPU_NS3_BYTES  # outer, per frame


def trace_bytes(packets: pd.DataFrame) -> pd.DataFrame:
    """Per UE from ``packets.csv``: packets and IPv4 bytes sent and received."""
    rows = []
    for (event, ue), group in packets.groupby(["event", "ue"], observed=True):
        rows.append({"ue": ue, "event": event, "packets": len(group),
                     "ip_bytes": int(group["payload_bytes"].sum()) + IP_UDP * len(group)})
    wide = pd.DataFrame(rows).pivot(index="ue", columns="event",
                                    values=["packets", "ip_bytes"])
    wide.columns = [f"{event}_{what}" for what, event in wide.columns]
    return wide.fillna(0).astype("int64").reset_index()


def flow_bytes(flows: pd.DataFrame) -> pd.DataFrame:
    """Per UE from FlowMonitor: the downlink flow's counters (port BASE_PORT + u)."""
    down = flows[flows["destination_port"] >= BASE_PORT]
    return pd.DataFrame({"ue": down["destination_port"] - BASE_PORT,
                         "tx_packets": down["tx_packets"], "tx_ip_bytes": down["tx_bytes"],
                         "rx_packets": down["rx_packets"], "rx_ip_bytes": down["rx_bytes"]}
                        ).sort_values("ue").reset_index(drop=True)


def pcap_bytes(frames: pd.DataFrame) -> pd.DataFrame:
    """Per capture file and UE: frames, frame bytes and the user IPv4 bytes they carry
    (the outer packet on SGi, the tunnelled one on GTP-U links), with the link kind."""
    sgi = frames[~frames["gtp"] & (frames["dst_port"] >= BASE_PORT)]
    tunnel = frames[frames["gtp"] & (frames["inner_dst_port"] >= BASE_PORT)]
    parts = [
        pd.DataFrame({"file": sgi["file"].astype(str), "link": "sgi",
                      "ue": sgi["dst_port"] - BASE_PORT, "frame_bytes": sgi["frame_bytes"],
                      "user_ip_bytes": sgi["ip_bytes"]}),
        pd.DataFrame({"file": tunnel["file"].astype(str), "link": "gtpu",
                      "ue": tunnel["inner_dst_port"] - BASE_PORT,
                      "frame_bytes": tunnel["frame_bytes"],
                      "user_ip_bytes": tunnel["inner_ip_bytes"]}),
    ]
    both = pd.concat(parts, ignore_index=True)
    return (both.groupby(["file", "link", "ue"])
            .agg(frames=("frame_bytes", "size"), frame_bytes=("frame_bytes", "sum"),
                 user_ip_bytes=("user_ip_bytes", "sum"))
            .reset_index())


def overhead_per_frame(link: str) -> int:
    """Bytes a captured frame carries beyond the user's IPv4 packet."""
    return PPP_HEADER_BYTES if link == "sgi" else TUNNEL_OVERHEAD


PDCP_HEADER_BYTES = 2  # LTE PDCP data PDU header, 12-bit sequence number (ns-3's)


def pdcp_bytes(stats: pd.DataFrame) -> pd.DataFrame:
    """Per UE from ``DlPdcpStats.txt`` (IMSI u + 1 is UE u: ns-3 numbers IMSIs in
    install order): PDUs and the IPv4 bytes they carry (PDU bytes − 2 each)."""
    per = stats.groupby("IMSI")[["nTxPDUs", "TxBytes", "nRxPDUs", "RxBytes"]].sum()
    return pd.DataFrame({
        "ue": per.index.to_numpy() - 1,
        "tx_packets": per["nTxPDUs"].to_numpy(),
        "tx_ip_bytes": (per["TxBytes"] - PDCP_HEADER_BYTES * per["nTxPDUs"]).to_numpy(),
        "rx_packets": per["nRxPDUs"].to_numpy(),
        "rx_ip_bytes": (per["RxBytes"] - PDCP_HEADER_BYTES * per["nRxPDUs"]).to_numpy(),
    })


def phy_summary(rx_phy: pd.DataFrame) -> pd.DataFrame:
    """Per cell from ``DlRxPhyStats.txt``: transport blocks received, the share that
    were HARQ retransmissions (rv > 0) and the share not decoded."""
    per = rx_phy.assign(retx=rx_phy["rv"] > 0, failed=rx_phy["correct"] == 0)
    out = per.groupby("cellId").agg(tbs=("size", "size"), tb_bytes=("size", "sum"),
                                    retx_share=("retx", "mean"), failed_share=("failed", "mean"))
    return out.reset_index()
