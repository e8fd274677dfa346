// Placeholder registration for the kdf family; the family's mechanisms are being added.
#include "mechanisms/registry.h"

namespace p11 {

void RegisterKdf(Registry&) {}

}  // namespace p11
