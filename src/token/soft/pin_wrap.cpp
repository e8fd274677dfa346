#include "token/soft/pin_wrap.h"

#include <string_view>

#include "token/soft/soft_crypto.h"

namespace p11::soft {
namespace {

std::vector<uint8_t> WrapAad(ByteView token_uuid, PinRole role) {
  std::string_view tag =
      role == PinRole::kSo ? "arca master key/so/v1:" : "arca master key/user/v1:";
  std::vector<uint8_t> aad(tag.begin(), tag.end());
  aad.insert(aad.end(), token_uuid.begin(), token_uuid.end());
  return aad;
}

}  // namespace

Result<PinRecord> WrapMasterKey(const SecureBuffer& master_key, SecretView pin, unsigned iterations,
                                ByteView token_uuid, PinRole role) {
  PinRecord record;
  record.iterations = iterations;
  P11_ASSIGN_OR_RETURN(record.salt, RandomBytes(kSaltLen));
  P11_ASSIGN_OR_RETURN(SecureBuffer kek, Pbkdf2(pin, record.salt, iterations));
  P11_ASSIGN_OR_RETURN(record.wrapped_key,
                       GcmSeal(kek, WrapAad(token_uuid, role), master_key.view()));
  return record;
}

Result<SecureBuffer> UnwrapMasterKey(const PinRecord& record, SecretView pin, ByteView token_uuid,
                                     PinRole role) {
  if (record.iterations == 0 || record.salt.empty()) return Fail(CKR_GENERAL_ERROR, "pin record");
  P11_ASSIGN_OR_RETURN(SecureBuffer kek, Pbkdf2(pin, record.salt, record.iterations));
  Result<SecureBuffer> master = GcmOpen(kek, WrapAad(token_uuid, role), record.wrapped_key);
  if (!master.ok()) {
    if (master.rv() == CKR_ENCRYPTED_DATA_INVALID) return Fail(CKR_PIN_INCORRECT, "pin");
    return master.error();
  }
  if (master->size() != kKeyLen) return Fail(CKR_DEVICE_ERROR, "master key length");
  return std::move(master).value();
}

}  // namespace p11::soft
