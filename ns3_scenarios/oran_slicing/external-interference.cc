#include "external-interference.h"

#include "ns3/core-module.h"
#include "ns3/lte-spectrum-value-helper.h"
#include "ns3/mobility-module.h"
#include "ns3/non-communicating-net-device.h"
#include "ns3/waveform-generator-helper.h"
#include "ns3/waveform-generator.h"

#include <cmath>
#include <vector>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymExternalInterference");

namespace
{

constexpr double INTERFERER_HEIGHT_M = 25.0; // a base station's, as the O-RUs'
constexpr uint16_t CARRIER_RBS = 50;         // the 10 MHz carrier of the O-RUs
constexpr uint32_t DL_EARFCN = 100;          // LteEnbNetDevice's default downlink EARFCN

Ptr<SpectrumValue>
BandWidePsd(double powerDbm)
{
    std::vector<int> allRbs(CARRIER_RBS);
    for (uint16_t rb = 0; rb < CARRIER_RBS; ++rb)
    {
        allRbs[rb] = rb;
    }
    return LteSpectrumValueHelper::CreateTxPowerSpectralDensity(DL_EARFCN,
                                                               CARRIER_RBS,
                                                               powerDbm,
                                                               allRbs);
}

} // namespace

NodeContainer
InstallExternalInterferers(const SlicingOptions& o, SlicingNetwork& net)
{
    NodeContainer nodes;
    if (o.extInterferers == 0)
    {
        return nodes;
    }
    nodes.Create(o.extInterferers);
    auto positions = CreateObject<ListPositionAllocator>();
    for (uint32_t i = 0; i < o.extInterferers; ++i)
    {
        double angle = M_PI / 6 + 2 * M_PI * i / o.extInterferers;
        positions->Add(Vector(o.extInterfDistM * std::cos(angle),
                              o.extInterfDistM * std::sin(angle),
                              INTERFERER_HEIGHT_M));
    }
    MobilityHelper mobility;
    mobility.SetPositionAllocator(positions);
    mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
    mobility.Install(nodes);

    WaveformGeneratorHelper generators;
    generators.SetChannel(net.lte->GetDownlinkSpectrumChannel());
    generators.SetTxPowerSpectralDensity(BandWidePsd(o.extInterfDbm));
    generators.SetPhyAttribute("Period", TimeValue(MilliSeconds(1)));
    generators.SetPhyAttribute("DutyCycle", DoubleValue(1.0));
    NetDeviceContainer devices = generators.Install(nodes);
    for (uint32_t i = 0; i < devices.GetN(); ++i)
    {
        auto device = DynamicCast<NonCommunicatingNetDevice>(devices.Get(i));
        auto generator = DynamicCast<WaveformGenerator>(device->GetPhy());
        Simulator::ScheduleNow(&WaveformGenerator::Start, generator);
    }
    NS_LOG_INFO(o.extInterferers << " external interferers of " << o.extInterfDbm << " dBm at "
                                 << o.extInterfDistM << " m");
    return nodes;
}

} // namespace ns3
