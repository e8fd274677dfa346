#include "mechanisms/registry.h"

#include <algorithm>

namespace p11 {

void Registry::Add(std::unique_ptr<Mechanism> mechanism) {
  const CK_MECHANISM_TYPE type = mechanism->type();
  auto at = std::lower_bound(mechanisms_.begin(), mechanisms_.end(), type,
                             [](const Entry& e, CK_MECHANISM_TYPE t) { return e.type < t; });
  if (at != mechanisms_.end() && at->type == type) {
    at->mechanism = std::move(mechanism);  // a later registration replaces an earlier one
    return;
  }
  mechanisms_.insert(at, Entry{type, std::move(mechanism)});
}

const Mechanism* Registry::Find(CK_MECHANISM_TYPE type) const {
  auto at = std::lower_bound(mechanisms_.begin(), mechanisms_.end(), type,
                             [](const Entry& e, CK_MECHANISM_TYPE t) { return e.type < t; });
  return at != mechanisms_.end() && at->type == type ? at->mechanism.get() : nullptr;
}

std::vector<CK_MECHANISM_TYPE> Registry::Types() const {
  std::vector<CK_MECHANISM_TYPE> types;
  types.reserve(mechanisms_.size());
  for (const Entry& entry : mechanisms_) types.push_back(entry.type);
  return types;
}

std::unique_ptr<Registry> BuildDefaultRegistry() {
  auto registry = std::make_unique<Registry>();
  RegisterDigest(*registry);
  RegisterHmac(*registry);
  RegisterAes(*registry);
  RegisterGenericSecret(*registry);
  RegisterRsa(*registry);
  RegisterEc(*registry);
  RegisterEddsa(*registry);
  RegisterEcdh(*registry);
  RegisterCmac(*registry);
  RegisterAesModes(*registry);
  RegisterChacha(*registry);
  RegisterKdf(*registry);
  RegisterAesWrap(*registry);
  return registry;
}

}  // namespace p11
