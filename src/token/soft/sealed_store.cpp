#include "token/soft/sealed_store.h"

#include "common/log.h"
#include "token/attribute_policy.h"

namespace p11::soft {
namespace {

// Attributes that live in the objects table's columns instead of the attributes table.
bool IsColumnAttribute(CK_ATTRIBUTE_TYPE type) {
  return type == CKA_CLASS || type == CKA_TOKEN || type == CKA_PRIVATE;
}

void AppendU64(std::vector<uint8_t>& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

bool MustSeal(const Object& object, CK_ATTRIBUTE_TYPE type) {
  return object.IsPrivate() || policy::IsSecretAttribute(object.Class(), type);
}

}  // namespace

Result<void> SealedStore::Unlock(SecureBuffer master_key, ByteView token_uuid) {
  Lock();
  auto keys = std::make_shared<Keys>();
  P11_ASSIGN_OR_RETURN(keys->data, Hkdf(master_key, token_uuid, "arca attribute data key v1"));
  P11_ASSIGN_OR_RETURN(keys->index, Hkdf(master_key, token_uuid, "arca lookup index key v1"));
  keys->token_uuid.assign(token_uuid.begin(), token_uuid.end());
  keys->master = std::move(master_key);
  keys_ = std::move(keys);
  return Ok();
}

bool SealedStore::NeedsKeys(const Object& object) {
  if (object.IsPrivate()) return true;
  for (const auto& [type, value] : object.attributes()) {
    if (!IsColumnAttribute(type) && MustSeal(object, type)) return true;
  }
  return false;
}

std::vector<uint8_t> SealedStore::Aad(ObjectId id, CK_ATTRIBUTE_TYPE type) const {
  static constexpr std::string_view kTag = "arca attribute v1:";
  std::vector<uint8_t> aad;
  const std::vector<uint8_t>& uuid = keys_->token_uuid;
  aad.reserve(kTag.size() + uuid.size() + 16);
  for (char c : kTag) aad.push_back(static_cast<uint8_t>(c));
  aad.insert(aad.end(), uuid.begin(), uuid.end());
  AppendU64(aad, id);
  AppendU64(aad, type);
  return aad;
}

Result<std::optional<Digest>> SealedStore::LookupHash(const Object& object,
                                                      CK_ATTRIBUTE_TYPE type) const {
  const std::optional<ByteView> value = object.Get(type);
  if (!value) return std::optional<Digest>();
  std::vector<uint8_t> input;
  AppendU64(input, type);
  input.insert(input.end(), value->begin(), value->end());
  Result<Digest> hash = Fail(CKR_GENERAL_ERROR);
  if (object.IsPrivate()) {
    if (!unlocked()) return Fail(CKR_USER_NOT_LOGGED_IN, "lookup hash");
    hash = HmacSha256(keys_->index, input);
  } else {
    hash = Sha256(input);
  }
  OPENSSL_cleanse(input.data(), input.size());
  if (!hash.ok()) return hash.error();
  return std::optional<Digest>(*hash);
}

Result<ObjectHeader> SealedStore::Header(const Object& object) const {
  ObjectHeader header;
  header.object_class = object.Class();
  header.is_private = object.IsPrivate();
  P11_ASSIGN_OR_RETURN(header.label_hash, LookupHash(object, CKA_LABEL));
  P11_ASSIGN_OR_RETURN(header.id_hash, LookupHash(object, CKA_ID));
  return header;
}

Result<std::vector<AttrRow>> SealedStore::Seal(ObjectId id, const Object& object) const {
  std::vector<AttrRow> rows;
  rows.reserve(object.attributes().size());
  for (const auto& [type, value] : object.attributes()) {
    if (IsColumnAttribute(type)) continue;
    AttrRow row{type, {}, MustSeal(object, type)};
    if (row.encrypted) {
      if (!unlocked()) return Fail(CKR_USER_NOT_LOGGED_IN, "seal");
      P11_ASSIGN_OR_RETURN(row.value, GcmSeal(keys_->data, Aad(id, type), value));
    } else {
      row.value.assign(value.begin(), value.end());
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<Unsealed> SealedStore::Unseal(const ObjectRow& row) const {
  Unsealed out;
  Object& object = out.object;
  object.SetUlong(CKA_CLASS, row.header.object_class);
  object.SetBool(CKA_TOKEN, true);
  object.SetBool(CKA_PRIVATE, row.header.is_private);
  for (const AttrRow& attr : row.attributes) {
    if (!attr.encrypted) {
      object.Set(attr.type, ByteView(attr.value));
      continue;
    }
    if (!unlocked()) {
      out.withheld = true;
      continue;
    }
    Result<SecureBuffer> plain = GcmOpen(keys_->data, Aad(row.id, attr.type), attr.value);
    if (!plain.ok()) {
      P11_LOG(kError, "store: object %llu attribute 0x%lx fails authentication",
              static_cast<unsigned long long>(row.id), attr.type);
      return Fail(CKR_DEVICE_ERROR, "sealed attribute");
    }
    object.Set(attr.type, plain->view());
  }
  return out;
}

}  // namespace p11::soft
