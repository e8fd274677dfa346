// Placeholder registration for the eddsa family; the family's mechanisms are being added.
#include "mechanisms/registry.h"

namespace p11 {

void RegisterEddsa(Registry&) {}

}  // namespace p11
