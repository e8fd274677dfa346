// Placeholder registration for the aes_wrap family; the family's mechanisms are being added.
#include "mechanisms/registry.h"

namespace p11 {

void RegisterAesWrap(Registry&) {}

}  // namespace p11
