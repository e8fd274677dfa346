#include "transport/device_limits.h"

#include <algorithm>

namespace p11::transport {

Result<DeviceLimits> DeviceLimits::FromInfo(const wire::InfoRsp& info) {
  const size_t fields[] = {info.max_data, info.max_attr_blob, info.max_import, info.max_aad,
                           info.max_public};
  for (size_t reported : fields) {
    if (reported == 0 || reported > info.max_payload) {
      return Fail(CKR_DEVICE_ERROR, "device reports limits no request fits");
    }
  }
  DeviceLimits limits;
  limits.max_payload = std::min<size_t>(info.max_payload, wire::kMaxPayload);
  limits.max_data = std::min<size_t>(info.max_data, wire::kMaxData);
  limits.max_attr_blob = std::min<size_t>(info.max_attr_blob, wire::kMaxAttrBlob);
  limits.max_import = std::min<size_t>(info.max_import, wire::kMaxImport);
  limits.max_aad = std::min<size_t>(info.max_aad, wire::kMaxAad);
  limits.max_public = std::min<size_t>(info.max_public, wire::kMaxPublic);
  limits.session_objects = info.session_objects;
  return limits;
}

}  // namespace p11::transport
