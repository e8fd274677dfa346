// Placeholder registration for the cmac family; the family's mechanisms are being added.
#include "mechanisms/registry.h"

namespace p11 {

void RegisterCmac(Registry&) {}

}  // namespace p11
