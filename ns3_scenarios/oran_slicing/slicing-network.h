// The radio and core network of ran-gym-oran-slicing: O-RUs as LTE eNBs on hexagonal
// sites, UEs dropped around them, an EPC with one remote host, 3GPP TR 38.901 UMa
// path loss with shadowing on the downlink spectrum channel.
#ifndef RAN_GYM_SLICING_NETWORK_H
#define RAN_GYM_SLICING_NETWORK_H

#include "rbg-allocation.h"
#include "slicing-options.h"

#include "ns3/ipv4-interface-container.h"
#include "ns3/lte-helper.h"
#include "ns3/mobility-model.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/point-to-point-epc-helper.h"
#include "ns3/propagation-loss-model.h"

#include <vector>

namespace ns3
{

struct SlicingNetwork
{
    Ptr<LteHelper> lte;
    Ptr<PointToPointEpcHelper> epc;
    Ptr<Node> remoteHost;
    NodeContainer enbNodes; ///< index r = O-RU r
    NodeContainer ueNodes;  ///< index u = UE u
    NetDeviceContainer enbDevices;
    NetDeviceContainer ueDevices;
    Ipv4InterfaceContainer ueAddresses;
    std::vector<uint32_t> servingRu; ///< O-RU each UE attached to at t = 0
    std::vector<uint16_t> cellIds;   ///< LTE cell id of each O-RU
};

/// Position of site r (hexagonal layout, inter-site distance sqrt(3) * radius) [m].
Vector SitePosition(uint32_t r, double radius);

/**
 * Builds the network, drops the UEs (from the RNG run: call after seeding) and
 * attaches each UE to the O-RU of highest channel gain at t = 0. With the gym
 * scheduler, every cell's scheduler follows allocation.
 */
SlicingNetwork BuildSlicingNetwork(const SlicingOptions& o, Ptr<RbgAllocation> allocation);

/**
 * Channel gain from O-RU r to UE u [dB, negative]: path loss and shadowing as the
 * downlink channel's propagation model computes them now (antennas are isotropic).
 */
double ChannelGainDb(const SlicingNetwork& net, uint32_t u, uint32_t r);

} // namespace ns3

#endif // RAN_GYM_SLICING_NETWORK_H
