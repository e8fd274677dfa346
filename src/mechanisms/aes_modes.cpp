// Placeholder registration for the aes_modes family; the family's mechanisms are being added.
#include "mechanisms/registry.h"

namespace p11 {

void RegisterAesModes(Registry&) {}

}  // namespace p11
