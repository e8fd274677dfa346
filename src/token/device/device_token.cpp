// DeviceToken: token state, login and objects. Keys and operations: device_token_keys.cpp.
#include "token/device/device_token.h"

#include <cstring>

#include "mechanisms/device_table.h"
#include "protocol/limits.h"
#include "token/attribute_policy.h"
#include "token/device/attr_blob.h"
#include "token/device/device_objects.h"

namespace p11::device {
namespace {

using wire::Op;

std::string Text(const auto& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data), bytes.size);
}

Result<wire::User> WireUser(CK_USER_TYPE who) {
  if (who == CKU_SO) return wire::User::kSo;
  if (who == CKU_USER) return wire::User::kUser;
  // Keys that need CKU_CONTEXT_SPECIFIC (CKA_ALWAYS_AUTHENTICATE) are refused on this token.
  if (who == CKU_CONTEXT_SPECIFIC) return Fail(CKR_OPERATION_NOT_INITIALIZED, "context login");
  return Fail(CKR_USER_TYPE_INVALID, "user type");
}

Result<void> CheckPinSize(SecretView pin) {
  if (pin.size() > wire::kMaxPin)
    return Fail(CKR_PIN_LEN_RANGE, "PIN longer than the device takes");
  return Ok();
}

}  // namespace

DeviceToken::DeviceToken(std::unique_ptr<transport::Client> client, std::string endpoint)
    : client_(std::move(client)), endpoint_(std::move(endpoint)) {}

Result<std::shared_ptr<DeviceToken>> DeviceToken::Open(std::unique_ptr<transport::Client> client,
                                                       std::string endpoint) {
  std::shared_ptr<DeviceToken> token(new DeviceToken(std::move(client), std::move(endpoint)));
  P11_ASSIGN_OR_RETURN(auto info, token->client_->Call<Op::kGetInfo>(wire::Empty{}));
  token->serial_ = Text(info.msg.serial);
  if (token->serial_.empty()) return Fail(CKR_DEVICE_ERROR, "device without a serial number");
  token->registry_ = BuildDeviceRegistry(info.msg.capabilities);
  token->connection_epoch_ = token->client_->stats().reconnects;
  return token;
}

bool DeviceToken::Probe() { return client_->Call<Op::kGetInfo>(wire::Empty{}).ok(); }

Result<TokenStatus> DeviceToken::Status() {
  TokenStatus st;
  st.hardware = true;
  st.removable = true;
  st.model = "Arca HSM";
  st.serial = serial_;
  auto info = client_->Call<Op::kGetInfo>(wire::Empty{});
  if (!info.ok()) {
    st.present = false;
    return st;
  }
  const wire::InfoRsp& i = info->msg;
  st.label = Text(i.label);
  st.initialized = i.token_flags & wire::kTokenInitialized;
  st.user_pin_initialized = i.token_flags & wire::kTokenUserPinInitialized;
  st.user_pin_locked = i.token_flags & wire::kTokenUserPinLocked;
  st.so_pin_locked = i.token_flags & wire::kTokenSoPinLocked;
  st.user_pin_failures = i.user_failures;
  st.so_pin_failures = i.so_failures;
  st.max_pin_failures = i.max_failures;
  st.min_pin_len = i.min_pin;
  st.max_pin_len = i.max_pin;
  st.hardware_version = {i.hw_major, i.hw_minor};
  st.firmware_version = {i.fw_major, i.fw_minor};
  return st;
}

Result<void> DeviceToken::InitToken(SecretView so_pin, std::string_view label) {
  P11_TRY(CheckPinSize(so_pin));
  wire::InitTokenReq req;
  req.so_pin = so_pin.bytes;
  ByteView label_bytes = AsBytes(label.substr(0, wire::kLabelSize));
  req.label = label_bytes;
  P11_TRY(client_->Call<Op::kInitToken>(req));
  std::lock_guard lock(mu_);
  cache_.clear();
  return Ok();
}

Result<void> DeviceToken::Login(CK_USER_TYPE who, SecretView pin) {
  P11_ASSIGN_OR_RETURN(wire::User user, WireUser(who));
  P11_TRY(CheckPinSize(pin));
  wire::LoginReq req;
  req.who = user;
  req.pin = pin.bytes;
  P11_TRY(client_->Call<Op::kLogin>(req));
  return Ok();
}

void DeviceToken::Logout() { (void)client_->Call<Op::kLogout>(wire::Empty{}); }

Result<void> DeviceToken::InitPin(SecretView new_pin) {
  P11_TRY(CheckPinSize(new_pin));
  wire::InitPinReq req;
  req.pin = new_pin.bytes;
  P11_TRY(client_->Call<Op::kInitPin>(req));
  return Ok();
}

Result<void> DeviceToken::SetPin(CK_USER_TYPE who, SecretView old_pin, SecretView new_pin) {
  P11_ASSIGN_OR_RETURN(wire::User user, WireUser(who));
  P11_TRY(CheckPinSize(old_pin));
  P11_TRY(CheckPinSize(new_pin));
  wire::SetPinReq req;
  req.who = user;
  req.old_pin = old_pin.bytes;
  req.new_pin = new_pin.bytes;
  P11_TRY(client_->Call<Op::kSetPin>(req));
  return Ok();
}

Result<DeviceToken::Stored> DeviceToken::StoredForm(const Object& object, size_t max_blob) {
  CK_OBJECT_CLASS cls = object.Class();
  bool key = cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY;
  if (key && object.GetBool(CKA_ALWAYS_AUTHENTICATE)) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_ALWAYS_AUTHENTICATE keys on the firmware token");
  }
  Object kept;
  for (const auto& [type, value] : object.attributes()) {
    if (key && IsDerivedAttribute(type)) continue;
    kept.Set(type, ByteView(value));
  }
  P11_ASSIGN_OR_RETURN(ZBytes blob, EncodeAttrBlob(kept, max_blob));
  return Stored{std::move(blob), DeviceFlags(object)};
}

Result<ObjectId> DeviceToken::Remember(Object object, wire::ObjectKind kind, wire::KeyType type,
                                       wire::KeyId id, ByteView public_value,
                                       uint16_t secret_length) {
  if (id == wire::kNoKey) return Fail(CKR_DEVICE_ERROR, "device returned no object id");
  // The stored form never holds key material; neither does the cache.
  StripKeyMaterial(object);
  P11_TRY(AddDerivedAttributes(object, DeviceFacts{id, kind, type, public_value, secret_length}));
  std::lock_guard lock(mu_);
  cache_[id] = std::make_shared<const Object>(std::move(object));
  return ObjectId{id};
}

void DeviceToken::CheckConnection_inlock() {
  uint64_t epoch = client_->stats().reconnects;
  if (epoch != connection_epoch_) {
    cache_.clear();
    connection_epoch_ = epoch;
  }
}

Result<ObjectId> DeviceToken::CreateObject(Object object) {
  wire::ObjectKind kind = DeviceKind(object);
  if (kind == wire::ObjectKind::kData) {
    P11_ASSIGN_OR_RETURN(Stored stored, StoredForm(object, limits().max_attr_blob));
    wire::CreateObjectReq req;
    req.flags = stored.flags;
    req.attrs = stored.blob;
    P11_ASSIGN_OR_RETURN(auto reply, client_->Call<Op::kCreateObject>(req));
    return Remember(std::move(object), kind, wire::KeyType::kNone, reply.msg.id, {}, 0);
  }
  P11_ASSIGN_OR_RETURN(wire::KeyType type, DeviceKeyType(object));
  HoldAsSensitive(object);
  return Import(std::move(object), kind, type, wire::kNoKey, {});
}

Result<std::shared_ptr<const Object>> DeviceToken::GetObject(ObjectId id) {
  {
    std::lock_guard lock(mu_);
    CheckConnection_inlock();
    auto it = cache_.find(id);
    if (it != cache_.end()) return it->second;
  }
  if (id == 0 || id > 0xFFFFFFFFu) return Fail(CKR_OBJECT_HANDLE_INVALID, "object id");
  wire::IdReq req;
  req.id = static_cast<wire::KeyId>(id);
  P11_ASSIGN_OR_RETURN(auto reply, client_->Call<Op::kGetObject>(req));
  P11_ASSIGN_OR_RETURN(Object object, DecodeAttrBlob(reply.msg.attrs.span()));
  P11_TRY(Remember(std::move(object), reply.msg.kind, reply.msg.type, req.id,
                   reply.msg.public_value.span(), reply.msg.secret_length));
  std::lock_guard lock(mu_);
  return cache_[id];
}

Result<void> DeviceToken::UpdateObject(ObjectId id, Object object) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const Object> current, GetObject(id));
  P11_ASSIGN_OR_RETURN(Stored stored, StoredForm(object, limits().max_attr_blob));
  wire::SetAttributesReq req;
  req.id = static_cast<wire::KeyId>(id);
  req.flags = stored.flags;
  req.attrs = stored.blob;
  P11_TRY(client_->Call<Op::kSetAttributes>(req));
  std::lock_guard lock(mu_);
  cache_.erase(id);  // re-read with the device's facts on next use
  return Ok();
}

Result<void> DeviceToken::DestroyObject(ObjectId id) {
  wire::IdReq req;
  req.id = static_cast<wire::KeyId>(id);
  P11_TRY(client_->Call<Op::kDestroyObject>(req));
  std::lock_guard lock(mu_);
  cache_.erase(id);
  return Ok();
}

Result<std::vector<ObjectId>> DeviceToken::FindObjects(std::span<const TemplateAttr> match) {
  std::vector<ObjectId> ids;
  wire::ListReq req;
  for (;;) {
    P11_ASSIGN_OR_RETURN(auto reply, client_->Call<Op::kListObjects>(req));
    ByteView raw = reply.msg.ids.span();
    if (raw.size() % 4 != 0) return Fail(CKR_DEVICE_ERROR, "object list from the device");
    for (size_t i = 0; i < raw.size(); i += 4) {
      wire::KeyId id = raw[i] | raw[i + 1] << 8 | raw[i + 2] << 16 | uint32_t{raw[i + 3]} << 24;
      if (id <= req.after) return Fail(CKR_DEVICE_ERROR, "object list out of order");
      ids.push_back(id);
      req.after = id;
    }
    if (!reply.msg.more || raw.empty()) break;
  }
  std::vector<ObjectId> found;
  for (ObjectId id : ids) {
    auto object = GetObject(id);
    if (!object.ok()) {
      if (object.rv() == CKR_OBJECT_HANDLE_INVALID) continue;  // destroyed meanwhile
      return object.error();
    }
    if (policy::Matches(**object, match)) found.push_back(id);
  }
  return found;
}

Result<void> DeviceToken::GenerateRandom(std::span<uint8_t> out) {
  while (!out.empty()) {
    wire::RandomReq req;
    req.length = static_cast<uint16_t>(std::min(out.size(), wire::kMaxRandom));
    P11_ASSIGN_OR_RETURN(auto reply, client_->Call<Op::kGetRandom>(req));
    if (reply.msg.bytes.size != req.length) return Fail(CKR_DEVICE_ERROR, "random length");
    std::memcpy(out.data(), reply.msg.bytes.data, req.length);
    out = out.subspan(req.length);
  }
  return Ok();
}

Result<void> DeviceToken::SeedRandom(ByteView) {
  return Fail(CKR_RANDOM_SEED_NOT_SUPPORTED, "the device seeds its own generator");
}

}  // namespace p11::device
