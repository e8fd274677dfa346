// Registry: the one table of mechanisms. C_GetMechanismList / C_GetMechanismInfo and every
// *Init read only this. Families add themselves through Register<Family>(Registry&).
#pragma once

#include <memory>
#include <vector>

#include "mechanisms/mechanism.h"

namespace p11 {

class Registry {
 public:
  void Add(std::unique_ptr<Mechanism> mechanism);
  const Mechanism* Find(CK_MECHANISM_TYPE type) const;
  // Sorted ascending.
  std::vector<CK_MECHANISM_TYPE> Types() const;

 private:
  struct Entry {
    CK_MECHANISM_TYPE type;
    std::unique_ptr<Mechanism> mechanism;
  };
  // Ascending by type: every *Init looks its mechanism up here, and a binary search over one
  // contiguous array stays in cache where a tree's nodes do not.
  std::vector<Entry> mechanisms_;
};

// Families (one file each under src/mechanisms/).
void RegisterDigest(Registry& registry);
void RegisterHmac(Registry& registry);
void RegisterAes(Registry& registry);
void RegisterGenericSecret(Registry& registry);
void RegisterRsa(Registry& registry);
void RegisterEc(Registry& registry);
void RegisterEddsa(Registry& registry);
void RegisterEcdh(Registry& registry);
void RegisterCmac(Registry& registry);
void RegisterAesModes(Registry& registry);
void RegisterChacha(Registry& registry);
void RegisterKdf(Registry& registry);
void RegisterAesWrap(Registry& registry);

// All families: the software token's registry.
std::unique_ptr<Registry> BuildDefaultRegistry();

}  // namespace p11
