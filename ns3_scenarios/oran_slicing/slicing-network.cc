#include "slicing-network.h"

#include "gym-ff-mac-scheduler.h"

#include "ns3/channel-condition-model.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/lte-module.h"
#include "ns3/mobility-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/three-gpp-propagation-loss-model.h"

#include <cmath>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymSlicingNetwork");

namespace
{

constexpr double ENB_HEIGHT_M = 25.0; // 38.901 UMa base station height
constexpr double UE_HEIGHT_M = 1.5;   // 38.901 UMa UE height
constexpr double MIN_DISTANCE_M = 35.0;
constexpr uint16_t BANDWIDTH_RBS = 50; // 10 MHz

void
SetLteDefaults(const SlicingOptions& o)
{
    Config::SetDefault("ns3::LteEnbPhy::TxPower", DoubleValue(o.ruPowerDbm));
    Config::SetDefault("ns3::LteUePhy::NoiseFigure", DoubleValue(o.noiseFigureDb));
    Config::SetDefault("ns3::LteRlcUm::MaxTxBufferSize", UintegerValue(o.rlcBufferBytes));
    // SRS periodicity bounds the UEs per cell (one SRS slot each).
    Config::SetDefault("ns3::LteEnbRrc::SrsPeriodicity", UintegerValue(o.nUes > 70 ? 320 : 80));
    Config::SetDefault("ns3::PointToPointEpcHelper::S1uLinkDelay", TimeValue(Seconds(0)));
}

Ptr<LteHelper>
CreateLteHelper(const SlicingOptions& o,
                Ptr<PointToPointEpcHelper> epc,
                Ptr<RbgAllocation> allocation)
{
    auto lte = CreateObject<LteHelper>();
    lte->SetEpcHelper(epc);
    lte->SetSchedulerType(o.SchedulerTypeName());
    if (o.scheduler == "gym")
    {
        lte->SetSchedulerAttribute("Allocation", PointerValue(allocation));
    }
    lte->SetPathlossModelType(ThreeGppUmaPropagationLossModel::GetTypeId());
    lte->SetPathlossModelAttribute("ChannelConditionModel",
                                   PointerValue(CreateObject<ThreeGppUmaChannelConditionModel>()));
    lte->SetPathlossModelAttribute("ShadowingEnabled", BooleanValue(true));
    lte->SetEnbDeviceAttribute("DlBandwidth", UintegerValue(BANDWIDTH_RBS));
    lte->SetEnbDeviceAttribute("UlBandwidth", UintegerValue(BANDWIDTH_RBS));
    return lte;
}

Ptr<Node>
CreateRemoteHost(Ptr<PointToPointEpcHelper> epc)
{
    NodeContainer host;
    host.Create(1);
    InternetStackHelper().Install(host);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", DataRateValue(DataRate("100Gb/s")));
    p2p.SetDeviceAttribute("Mtu", UintegerValue(1500));
    p2p.SetChannelAttribute("Delay", TimeValue(Seconds(0)));
    NetDeviceContainer link = p2p.Install(epc->GetPgwNode(), host.Get(0));
    Ipv4AddressHelper("1.0.0.0", "255.0.0.0").Assign(link);
    Ipv4StaticRoutingHelper routing;
    routing.GetStaticRouting(host.Get(0)->GetObject<Ipv4>())
        ->AddNetworkRouteTo(Ipv4Address("7.0.0.0"), Ipv4Mask("255.0.0.0"), 1);
    return host.Get(0);
}

void
PlaceEnbs(NodeContainer& enbs, double radius)
{
    MobilityHelper mobility;
    mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
    mobility.Install(enbs);
    for (uint32_t r = 0; r < enbs.GetN(); ++r)
    {
        enbs.Get(r)->GetObject<MobilityModel>()->SetPosition(SitePosition(r, radius));
    }
}

/// UE u around site u mod R, uniform over the annulus [MIN_DISTANCE_M, radius].
void
DropUes(NodeContainer& ues, const SlicingOptions& o)
{
    auto uniform = CreateObject<UniformRandomVariable>();
    double xMin = 1e9, xMax = -1e9, yMin = 1e9, yMax = -1e9;
    std::vector<Vector> positions;
    for (uint32_t u = 0; u < ues.GetN(); ++u)
    {
        Vector site = SitePosition(u % o.nRus, o.radius);
        double d = std::sqrt(uniform->GetValue(MIN_DISTANCE_M * MIN_DISTANCE_M,
                                               o.radius * o.radius));
        double phi = uniform->GetValue(0, 2 * M_PI);
        positions.emplace_back(site.x + d * std::cos(phi), site.y + d * std::sin(phi), UE_HEIGHT_M);
        xMin = std::min(xMin, site.x - o.radius);
        xMax = std::max(xMax, site.x + o.radius);
        yMin = std::min(yMin, site.y - o.radius);
        yMax = std::max(yMax, site.y + o.radius);
    }
    MobilityHelper mobility;
    if (o.ueSpeed > 0)
    {
        auto speed = CreateObject<ConstantRandomVariable>();
        speed->SetAttribute("Constant", DoubleValue(o.ueSpeed));
        mobility.SetMobilityModel("ns3::RandomWalk2dMobilityModel",
                                  "Bounds", RectangleValue(Rectangle(xMin, xMax, yMin, yMax)),
                                  "Speed", PointerValue(speed));
    }
    else
    {
        mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
    }
    mobility.Install(ues);
    for (uint32_t u = 0; u < ues.GetN(); ++u)
    {
        ues.Get(u)->GetObject<MobilityModel>()->SetPosition(positions[u]);
    }
}

void
ConfigureUeIp(SlicingNetwork& net)
{
    InternetStackHelper().Install(net.ueNodes);
    net.ueAddresses = net.epc->AssignUeIpv4Address(net.ueDevices);
    Ipv4StaticRoutingHelper routing;
    for (uint32_t u = 0; u < net.ueNodes.GetN(); ++u)
    {
        routing.GetStaticRouting(net.ueNodes.Get(u)->GetObject<Ipv4>())
            ->SetDefaultRoute(net.epc->GetUeDefaultGatewayAddress(), 1);
    }
}

// ns-3.37's ThreeGppPropagationLossModel stores a link's first shadowing draw with a zero
// distance vector, so the link's second evaluation sees a displacement of the whole
// eNB-UE distance and draws its shadowing again, all but independently
// (R = exp(-d / d_corr) ~ 0); only from then on does it evolve with the UE's motion.
// Every link is evaluated twice before the attach so that the attach ranks the gains
// that the spectrum channel and the observation go on to use; ranked on the first draws,
// 2-6 of 25 UEs a drop attached to an O-RU that was not their strongest.
void
SettleShadowing(const SlicingNetwork& net)
{
    for (int pass = 0; pass < 2; ++pass)
    {
        for (uint32_t u = 0; u < net.ueNodes.GetN(); ++u)
        {
            for (uint32_t r = 0; r < net.enbNodes.GetN(); ++r)
            {
                ChannelGainDb(net, u, r);
            }
        }
    }
}

void
AttachToStrongest(SlicingNetwork& net)
{
    SettleShadowing(net);
    uint32_t nRus = net.enbNodes.GetN();
    for (uint32_t u = 0; u < net.ueNodes.GetN(); ++u)
    {
        uint32_t best = 0;
        for (uint32_t r = 1; r < nRus; ++r)
        {
            if (ChannelGainDb(net, u, r) > ChannelGainDb(net, u, best))
            {
                best = r;
            }
        }
        net.servingRu.push_back(best);
        net.lte->Attach(net.ueDevices.Get(u), net.enbDevices.Get(best));
    }
}

} // namespace

Vector
SitePosition(uint32_t r, double radius)
{
    if (r == 0)
    {
        return Vector(0, 0, ENB_HEIGHT_M);
    }
    double isd = std::sqrt(3.0) * radius;
    double angle = (r - 1) * M_PI / 3;
    return Vector(isd * std::cos(angle), isd * std::sin(angle), ENB_HEIGHT_M);
}

double
ChannelGainDb(const SlicingNetwork& net, uint32_t u, uint32_t r)
{
    Ptr<PropagationLossModel> loss = net.lte->GetDownlinkSpectrumChannel()->GetPropagationLossModel();
    return loss->CalcRxPower(0.0,
                             net.enbNodes.Get(r)->GetObject<MobilityModel>(),
                             net.ueNodes.Get(u)->GetObject<MobilityModel>());
}

SlicingNetwork
BuildSlicingNetwork(const SlicingOptions& o, Ptr<RbgAllocation> allocation)
{
    SetLteDefaults(o);
    SlicingNetwork net;
    net.epc = CreateObject<PointToPointEpcHelper>();
    net.lte = CreateLteHelper(o, net.epc, allocation);
    net.remoteHost = CreateRemoteHost(net.epc);
    net.enbNodes.Create(o.nRus);
    net.ueNodes.Create(o.nUes);
    PlaceEnbs(net.enbNodes, o.radius);
    DropUes(net.ueNodes, o);
    net.enbDevices = net.lte->InstallEnbDevice(net.enbNodes);
    net.ueDevices = net.lte->InstallUeDevice(net.ueNodes);
    for (uint32_t r = 0; r < o.nRus; ++r)
    {
        auto enb = DynamicCast<LteEnbNetDevice>(net.enbDevices.Get(r));
        net.cellIds.push_back(enb->GetCellId());
        auto carrier = DynamicCast<ComponentCarrierEnb>(enb->GetCcMap().at(0));
        if (auto gym = DynamicCast<GymFfMacScheduler>(carrier->GetFfMacScheduler()))
        {
            gym->SetAttribute("CellId", UintegerValue(enb->GetCellId()));
            gym->TraceConnectWithoutContext("DlDci",
                                            MakeCallback(&RbgAllocation::RecordDci, allocation));
        }
    }
    ConfigureUeIp(net);
    if (o.handover && o.nRus > 1)
    {
        net.lte->AddX2Interface(net.enbNodes);
    }
    AttachToStrongest(net);
    return net;
}

} // namespace ns3
