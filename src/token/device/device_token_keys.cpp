// DeviceToken: key generation, import, derivation, wrapping and the key operations.
#include <cstring>

#include "mechanisms/asym_util.h"
#include "mechanisms/device_table.h"
#include "mechanisms/keys.h"
#include "token/attribute_policy.h"
#include "token/device/device_objects.h"
#include "token/device/device_ops.h"
#include "token/device/device_token.h"

namespace p11::device {
namespace {

using wire::Op;

// The DER OIDs of the device's curves (CKA_EC_PARAMS).
constexpr uint8_t kP256Oid[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
constexpr uint8_t kP384Oid[] = {0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22};

Result<const MechanismRow*> RowFor(const Mechanism& mechanism, DeviceFunction function) {
  const MechanismRow* row = FindRow(mechanism.type());
  if (row == nullptr || row->function != function) {
    return Fail(CKR_MECHANISM_INVALID, "not a device mechanism for this function");
  }
  return row;
}

wire::KeyId DeviceId(ObjectId id) { return static_cast<wire::KeyId>(id); }

size_t SignatureSize(const Object& key) {
  switch (key.KeyType()) {
    case CKK_EC: {
      auto type = DeviceKeyType(key);
      return type.ok() && *type == wire::KeyType::kEcP384 ? 96 : 64;
    }
    case CKK_RSA:
      return 256;
    default:
      return 32;  // HMAC-SHA-256
  }
}

Result<void> CheckPublicExponent(const Object& pub) {
  ByteView e = pub.GetBytes(CKA_PUBLIC_EXPONENT);
  size_t skip = 0;
  while (skip < e.size() && e[skip] == 0) ++skip;
  e = e.subspan(skip);
  const uint8_t f4[] = {0x01, 0x00, 0x01};
  if (!e.empty() && (e.size() != 3 || std::memcmp(e.data(), f4, 3) != 0)) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "the device generates RSA keys with e = 65537");
  }
  return Ok();
}

// CKA_VALUE_LEN of a secret key to generate or derive: required for generic secrets
// (1..64 bytes), 16 or 32 for AES.
Result<uint16_t> SecretLength(const Object& key, std::optional<CK_ULONG> fallback) {
  std::optional<CK_ULONG> len = key.GetUlong(CKA_VALUE_LEN);
  if (!len) len = fallback;
  if (!len) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN");
  if (key.KeyType() == CKK_AES && *len != 16 && *len != 32) {
    return Fail(CKR_KEY_SIZE_RANGE, "device AES keys are 128 or 256 bits");
  }
  if (*len == 0 || *len > 64) return Fail(CKR_KEY_SIZE_RANGE, "device secrets are 1..64 bytes");
  return static_cast<uint16_t>(*len);
}

wire::KeyType SecretType(const Object& key, uint16_t length) {
  if (key.KeyType() != CKK_AES) return wire::KeyType::kGenericSecret;
  return length == 16 ? wire::KeyType::kAes128 : wire::KeyType::kAes256;
}

}  // namespace

Result<std::shared_ptr<const Object>> DeviceToken::KeyObject(ObjectId id) {
  auto object = GetObject(id);
  if (!object.ok() && object.rv() == CKR_OBJECT_HANDLE_INVALID) {
    return Fail(CKR_KEY_HANDLE_INVALID, "key");
  }
  return object;
}

// Plaintext import (C_CreateObject) when `unwrapping` is kNoKey, else unwrapping on the
// device (C_UnwrapKey): the material never exists on the host in the second case.
Result<ObjectId> DeviceToken::Import(Object key, wire::ObjectKind kind, wire::KeyType type,
                                     wire::KeyId unwrapping, ByteView material) {
  const transport::DeviceLimits device = limits();
  SecureBuffer plain;
  if (unwrapping == wire::kNoKey) {
    if (kind == wire::ObjectKind::kPublicKey) {
      P11_ASSIGN_OR_RETURN(ZBytes value, PublicValueOf(key));
      plain = SecureBuffer(ByteView(value));
    } else {
      P11_ASSIGN_OR_RETURN(plain, EncodeForWrap(key));  // PKCS#8, or a secret's value
    }
    material = plain.view();
    // A key larger than the device holds: its value is one this token cannot take.
    if (material.size() > device.max_import) {
      return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "key material larger than the device takes");
    }
  } else if (material.size() > device.max_import + 16) {
    return Fail(CKR_WRAPPED_KEY_LEN_RANGE, "wrapped key larger than the device takes");
  }
  P11_ASSIGN_OR_RETURN(Stored stored, StoredForm(key, device.max_attr_blob));
  wire::ImportKeyReq req;
  req.kind = kind;
  req.type = type;
  req.flags = stored.flags;
  req.unwrapping_key = unwrapping;
  req.material = material;
  req.attrs = stored.blob;
  P11_ASSIGN_OR_RETURN(auto reply, client_->Call<Op::kImportKey>(req));
  uint16_t secret_length = static_cast<uint16_t>(key.GetBytes(CKA_VALUE).size());
  if (kind == wire::ObjectKind::kSecretKey && unwrapping != wire::kNoKey) {
    secret_length = static_cast<uint16_t>(key.GetUlong(CKA_VALUE_LEN).value_or(0));
  }
  return Remember(std::move(key), kind, type, reply.msg.key, reply.msg.public_value.span(),
                  secret_length);
}

Result<ObjectId> DeviceToken::GenerateKey(const Mechanism& mechanism, ByteView param, Object key) {
  P11_ASSIGN_OR_RETURN(const MechanismRow* row, RowFor(mechanism, DeviceFunction::kKeyGen));
  if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "key generation parameter");
  P11_ASSIGN_OR_RETURN(uint16_t length, SecretLength(key, std::nullopt));
  (void)row;
  HoldAsSensitive(key);
  policy::FinishKey(key, policy::Origin::kGenerate, mechanism.type());
  P11_ASSIGN_OR_RETURN(Stored stored, StoredForm(key, limits().max_attr_blob));
  wire::GenerateKeyReq req;
  req.type = SecretType(key, length);
  req.length = length;
  req.flags = stored.flags;
  req.attrs = stored.blob;
  P11_ASSIGN_OR_RETURN(auto reply, client_->Call<Op::kGenerateKey>(req));
  return Remember(std::move(key), wire::ObjectKind::kSecretKey, req.type, reply.msg.key, {},
                  length);
}

Result<std::pair<ObjectId, ObjectId>> DeviceToken::GenerateKeyPair(const Mechanism& mechanism,
                                                                   ByteView param, Object pub,
                                                                   Object priv) {
  P11_ASSIGN_OR_RETURN(const MechanismRow* row, RowFor(mechanism, DeviceFunction::kKeyPairGen));
  if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "key generation parameter");
  wire::KeyType type;
  if (row->key_type == CKK_EC) {
    P11_ASSIGN_OR_RETURN(type, DeviceKeyType(pub));
    priv.Set(CKA_EC_PARAMS, pub.GetBytes(CKA_EC_PARAMS));
  } else {
    if (!pub.GetUlong(CKA_MODULUS_BITS)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_MODULUS_BITS");
    P11_ASSIGN_OR_RETURN(type, DeviceKeyType(pub));
    P11_TRY(CheckPublicExponent(pub));
  }
  HoldAsSensitive(priv);
  policy::FinishKey(pub, policy::Origin::kGeneratePublic, mechanism.type());
  policy::FinishKey(priv, policy::Origin::kGeneratePrivate, mechanism.type());
  const size_t max_blob = limits().max_attr_blob;
  P11_ASSIGN_OR_RETURN(Stored pub_stored, StoredForm(pub, max_blob / 2));
  P11_ASSIGN_OR_RETURN(Stored priv_stored, StoredForm(priv, max_blob));
  wire::GenerateKeyPairReq req;
  req.type = type;
  req.public_flags = pub_stored.flags;
  req.private_flags = priv_stored.flags;
  req.public_attrs = pub_stored.blob;
  req.private_attrs = priv_stored.blob;
  P11_ASSIGN_OR_RETURN(auto reply, client_->Call<Op::kGenerateKeyPair>(req));
  ByteView value = reply.msg.public_value.span();
  P11_ASSIGN_OR_RETURN(ObjectId pub_id, Remember(std::move(pub), wire::ObjectKind::kPublicKey, type,
                                                 reply.msg.public_key, value, 0));
  P11_ASSIGN_OR_RETURN(ObjectId priv_id, Remember(std::move(priv), wire::ObjectKind::kPrivateKey,
                                                  type, reply.msg.private_key, value, 0));
  return std::make_pair(pub_id, priv_id);
}

// The setup of a signature (or MAC) operation with `key`; `wrong_class` is the key class that
// cannot do it (a public key cannot sign, a private key is not used to verify).
Result<SignSetup> DeviceToken::SignSetupFor(const Mechanism& mechanism, ByteView param,
                                            ObjectId key, CK_OBJECT_CLASS wrong_class) {
  P11_ASSIGN_OR_RETURN(const MechanismRow* row, RowFor(mechanism, DeviceFunction::kSign));
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const Object> object, KeyObject(key));
  if (object->Class() == wrong_class) return Fail(CKR_KEY_FUNCTION_NOT_PERMITTED, "key class");
  SignSetup setup{client_.get(), DeviceId(key), row};
  setup.signature_size = SignatureSize(*object);
  setup.max_data = limits().max_data;
  if (row->pss_params) {
    P11_TRY(ParsePssParams(param, setup));
  } else if (!param.empty()) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "parameter");
  }
  return setup;
}

Result<CipherSetup> DeviceToken::CipherSetupFor(const Mechanism& mechanism, ByteView param,
                                                ObjectId key, bool encrypt) {
  P11_ASSIGN_OR_RETURN(const MechanismRow* row, RowFor(mechanism, DeviceFunction::kCipher));
  P11_TRY(KeyObject(key));
  CipherSetup setup{client_.get(), DeviceId(key)};
  const transport::DeviceLimits device = limits();
  setup.max_data = device.max_data;
  setup.max_aad = device.max_aad;
  P11_TRY(ParseCipherParams(param, *row, setup));
  setup.encrypt = encrypt;
  return setup;
}

Result<std::unique_ptr<SignOperation>> DeviceToken::BeginSign(const Mechanism& mechanism,
                                                              ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(SignSetup setup, SignSetupFor(mechanism, param, key, CKO_PUBLIC_KEY));
  return NewSignOperation(setup);
}

Result<std::unique_ptr<VerifyOperation>> DeviceToken::BeginVerify(const Mechanism& mechanism,
                                                                  ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(SignSetup setup, SignSetupFor(mechanism, param, key, CKO_PRIVATE_KEY));
  return NewVerifyOperation(setup);
}

Result<std::unique_ptr<CipherOperation>> DeviceToken::BeginEncrypt(const Mechanism& mechanism,
                                                                   ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(CipherSetup setup, CipherSetupFor(mechanism, param, key, true));
  return NewCipherOperation(std::move(setup));
}

Result<std::unique_ptr<CipherOperation>> DeviceToken::BeginDecrypt(const Mechanism& mechanism,
                                                                   ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(CipherSetup setup, CipherSetupFor(mechanism, param, key, false));
  return NewCipherOperation(std::move(setup));
}

Result<std::unique_ptr<SignOperation>> DeviceToken::BeginSignRecover(const Mechanism&, ByteView,
                                                                     ObjectId) {
  return Fail(CKR_MECHANISM_INVALID, "no signature recovery on the device");
}

Result<std::unique_ptr<RecoverOperation>> DeviceToken::BeginVerifyRecover(const Mechanism&,
                                                                          ByteView, ObjectId) {
  return Fail(CKR_MECHANISM_INVALID, "no signature recovery on the device");
}

Result<std::unique_ptr<MessageCipherOperation>> DeviceToken::BeginMessageEncrypt(const Mechanism&,
                                                                                 ByteView,
                                                                                 ObjectId) {
  return Fail(CKR_MECHANISM_INVALID, "no message-based encryption on the device");
}

Result<std::unique_ptr<MessageCipherOperation>> DeviceToken::BeginMessageDecrypt(const Mechanism&,
                                                                                 ByteView,
                                                                                 ObjectId) {
  return Fail(CKR_MECHANISM_INVALID, "no message-based decryption on the device");
}

// CKM_ECDH1_DERIVE with CKD_NULL: the shared x-coordinate becomes a device secret key.
Result<ObjectId> DeviceToken::DeriveKey(const Mechanism& mechanism, ByteView param, ObjectId base,
                                        std::optional<ObjectId>, Object derived) {
  P11_TRY(RowFor(mechanism, DeviceFunction::kDerive));
  P11_ASSIGN_OR_RETURN(CK_ECDH1_DERIVE_PARAMS p, ParamAs<CK_ECDH1_DERIVE_PARAMS>(param));
  if (p.kdf != CKD_NULL || p.ulSharedDataLen != 0 || p.pPublicData == nullptr ||
      p.ulPublicDataLen == 0) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "the device derives with CKD_NULL only");
  }
  ByteView peer(p.pPublicData, p.ulPublicDataLen);
  if (auto inner = asym::ParseDerOctetString(peer);
      inner && !inner->empty() && peer[0] == 0x04 && peer.size() % 2 == 0) {
    peer = *inner;  // a DER OCTET STRING around the point
  }
  if (peer.size() > limits().max_public) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "longer than any point the device takes");
  }
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const Object> base_object, KeyObject(base));
  P11_ASSIGN_OR_RETURN(wire::KeyType base_type, DeviceKeyType(*base_object));
  CK_ULONG field = base_type == wire::KeyType::kEcP384 ? 48 : 32;
  P11_ASSIGN_OR_RETURN(uint16_t length, SecretLength(derived, field));
  if (length > field) return Fail(CKR_KEY_SIZE_RANGE, "longer than the shared secret");
  HoldAsSensitive(derived);
  policy::FinishDerivedKey(derived, *base_object);
  P11_ASSIGN_OR_RETURN(Stored stored, StoredForm(derived, limits().max_attr_blob));
  wire::DeriveReq req;
  req.key = DeviceId(base);
  req.peer_point = peer;
  req.type = SecretType(derived, length);
  req.length = length;
  req.flags = stored.flags;
  req.attrs = stored.blob;
  P11_ASSIGN_OR_RETURN(auto reply, client_->Call<Op::kDerive>(req));
  return Remember(std::move(derived), wire::ObjectKind::kSecretKey, req.type, reply.msg.key, {},
                  length);
}

Result<void> DeviceToken::WrapKey(const Mechanism& mechanism, ByteView param, ObjectId wrapping,
                                  ObjectId key, OutBuffer& out) {
  P11_TRY(RowFor(mechanism, DeviceFunction::kWrap));
  if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "KWP takes the default IV");
  wire::WrapReq req;
  req.wrapping_key = DeviceId(wrapping);
  req.key = DeviceId(key);
  P11_ASSIGN_OR_RETURN(auto reply, client_->Call<Op::kWrapKey>(req));
  return out.Put(reply.msg.wrapped.span());
}

Result<ObjectId> DeviceToken::UnwrapKey(const Mechanism& mechanism, ByteView param,
                                        ObjectId unwrapping, ByteView wrapped, Object key) {
  P11_TRY(RowFor(mechanism, DeviceFunction::kWrap));
  if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "KWP takes the default IV");
  if (wrapped.size() < 16 || wrapped.size() % 8 != 0) {
    return Fail(CKR_WRAPPED_KEY_LEN_RANGE, "KWP output is a multiple of 8, at least 16");
  }
  HoldAsSensitive(key);
  policy::FinishKey(key, policy::Origin::kUnwrap, CK_UNAVAILABLE_INFORMATION);
  wire::KeyId kek = DeviceId(unwrapping);
  wire::ObjectKind kind = DeviceKind(key);
  if (kind == wire::ObjectKind::kSecretKey) {
    P11_ASSIGN_OR_RETURN(uint16_t length, SecretLength(key, wrapped.size() - 8));
    key.SetUlong(CKA_VALUE_LEN, length);
    return Import(std::move(key), kind, SecretType(key, length), kek, wrapped);
  }
  if (kind != wire::ObjectKind::kPrivateKey) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "unwrap to a secret or private key");
  }
  if (key.KeyType() == CKK_RSA) {
    return Import(std::move(key), kind, wire::KeyType::kRsa2048, kek, wrapped);
  }
  if (key.KeyType() != CKK_EC) return Fail(CKR_TEMPLATE_INCONSISTENT, "device key types");
  // The curve is inside the wrapped PKCS#8: try the device's curves in turn.
  if (key.Has(CKA_EC_PARAMS)) {
    P11_ASSIGN_OR_RETURN(wire::KeyType type, DeviceKeyType(key));
    return Import(std::move(key), kind, type, kek, wrapped);
  }
  Object p384 = key;
  key.Set(CKA_EC_PARAMS, ByteView(kP256Oid));
  auto id = Import(std::move(key), kind, wire::KeyType::kEcP256, kek, wrapped);
  if (id.ok() || id.rv() != CKR_KEY_TYPE_INCONSISTENT) return id;
  p384.Set(CKA_EC_PARAMS, ByteView(kP384Oid));
  return Import(std::move(p384), kind, wire::KeyType::kEcP384, kek, wrapped);
}

}  // namespace p11::device
