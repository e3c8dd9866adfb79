// External interference for ran-gym-oran-slicing: transmitters outside the network's
// control (another operator's sites, jammers) radiating continuously over the whole
// downlink carrier. The UEs' LTE PHY counts their signal as interference on every RB.
#ifndef RAN_GYM_EXTERNAL_INTERFERENCE_H
#define RAN_GYM_EXTERNAL_INTERFERENCE_H

#include "slicing-network.h"
#include "slicing-options.h"

#include "ns3/node-container.h"

namespace ns3
{

/**
 * Installs o.extInterferers waveform generators on the downlink spectrum channel of
 * net, o.extInterfDbm each spread evenly over the carrier's 50 RBs, at the height of a
 * base station, on a circle of radius o.extInterfDistM around site 0 (the first at 30
 * degrees, the rest evenly spaced). They transmit from t = 0 to the end. Returns their
 * nodes (empty when o.extInterferers is 0).
 */
NodeContainer InstallExternalInterferers(const SlicingOptions& o, SlicingNetwork& net);

} // namespace ns3

#endif // RAN_GYM_EXTERNAL_INTERFERENCE_H
