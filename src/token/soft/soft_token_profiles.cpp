// SoftToken: the profile objects (CKO_PROFILE, PKCS#11 3.1 §4.13) stating which profiles of
// the PKCS#11 Profiles specification this token meets. They are read-only, permanent
// objects held in memory (recomputed, never stored), with ids of their own in the session
// range so they never collide with rows of the store.
#include "token/soft/soft_token.h"

namespace p11 {
namespace {

// Only the profiles that hold for the software token:
// - baseline provider: the general, slot, session, object and crypto functions with RSA,
//   EC and AES mechanisms;
// - authentication token: login with a PIN and RSA / ECDSA signatures with private keys;
// - public certificates token: certificates readable in public sessions.
// (Not the extended provider: it requires every function, which Arca does not yet meet.)
constexpr CK_PROFILE_ID kProfiles[] = {CKP_BASELINE_PROVIDER, CKP_AUTHENTICATION_TOKEN,
                                       CKP_PUBLIC_CERTIFICATES_TOKEN};

// Above any id the session counter reaches in practice.
constexpr ObjectId kFirstProfileId = ObjectId{1} << 48;

}  // namespace

void SoftToken::AddProfileObjects_inlock() {
  ObjectId id = kSessionObjectBit | kFirstProfileId;
  for (CK_PROFILE_ID profile : kProfiles) {
    Object object;
    object.SetUlong(CKA_CLASS, CKO_PROFILE);
    object.SetBool(CKA_TOKEN, true);
    object.SetBool(CKA_PRIVATE, false);
    object.SetBool(CKA_MODIFIABLE, false);
    object.SetBool(CKA_COPYABLE, false);
    object.SetBool(CKA_DESTROYABLE, false);
    object.Set(CKA_LABEL, ByteView());
    object.SetUlong(CKA_PROFILE_ID, profile);
    session_objects_.Put(id++, std::make_shared<const Object>(std::move(object)));
  }
}

}  // namespace p11
