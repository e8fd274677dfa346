// Placeholder registration for the chacha family; the family's mechanisms are being added.
#include "mechanisms/registry.h"

namespace p11 {

void RegisterChacha(Registry&) {}

}  // namespace p11
