// Placeholder registration for the ecdh family; the family's mechanisms are being added.
#include "mechanisms/registry.h"

namespace p11 {

void RegisterEcdh(Registry&) {}

}  // namespace p11
