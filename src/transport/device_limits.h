// DeviceLimits: how much one device takes in a request, as its DeviceInfo (wire::InfoRsp)
// reports it. The numbers are the device's capacities (firmware/protocol/limits.h), chosen
// per port: an MCU takes far less than the emulator. The host checks every request against
// them before it is sent, so a request too large for the device is refused with the CK_RV
// that names the cause (CKR_DATA_LEN_RANGE, CKR_DEVICE_MEMORY, ...) instead of failing on the
// wire, where the device would drop an oversize frame and the call would time out.
#pragma once

#include <cstddef>

#include "common/result.h"
#include "protocol/limits.h"
#include "protocol/messages.h"

namespace p11::transport {

struct DeviceLimits {
  // Until a device has reported its own: the host's, the largest any device may have.
  size_t max_payload = wire::kMaxPayload;
  size_t max_data = wire::kMaxData;
  size_t max_attr_blob = wire::kMaxAttrBlob;
  size_t max_import = wire::kMaxImport;
  size_t max_aad = wire::kMaxAad;
  size_t max_public = wire::kMaxPublic;
  size_t session_objects = 0;  // session objects the device holds at once; 0: not reported

  // The device's numbers, each capped at the host's (the host never encodes past its own
  // schema). CKR_DEVICE_ERROR for a report no request could live with (a zero, or a payload
  // smaller than the device's own largest field).
  static Result<DeviceLimits> FromInfo(const wire::InfoRsp& info);
};

}  // namespace p11::transport
