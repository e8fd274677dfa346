#include "mechanisms/registry.h"

namespace p11 {

void Registry::Add(std::unique_ptr<Mechanism> mechanism) {
  CK_MECHANISM_TYPE type = mechanism->type();
  mechanisms_[type] = std::move(mechanism);
}

const Mechanism* Registry::Find(CK_MECHANISM_TYPE type) const {
  auto it = mechanisms_.find(type);
  return it == mechanisms_.end() ? nullptr : it->second.get();
}

std::vector<CK_MECHANISM_TYPE> Registry::Types() const {
  std::vector<CK_MECHANISM_TYPE> types;
  types.reserve(mechanisms_.size());
  for (const auto& [type, mechanism] : mechanisms_) types.push_back(type);
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
