// DeviceToken: the firmware token — a TokenBackend whose objects and keys live in an Arca
// HSM (over USB, or the emulator's socket) and whose key operations are device requests.
// It holds only device object ids and a cache of the objects' public attributes; everything
// PKCS#11-semantic is enforced above it in src/slot/, exactly as for the software token, and
// the device enforces its own rules again below it (login, usage flags, sensitivity).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "token/device/device_ops.h"
#include "token/token_backend.h"
#include "transport/client.h"

namespace p11::device {

class DeviceToken final : public TokenBackend {
 public:
  // Reads the device's info through `client`: CKR_DEVICE_REMOVED / CKR_DEVICE_ERROR when it
  // does not answer. `endpoint` names where it was found, for traces.
  static Result<std::shared_ptr<DeviceToken>> Open(std::unique_ptr<transport::Client> client,
                                                   std::string endpoint);

  const std::string& serial() const { return serial_; }
  const std::string& endpoint() const { return endpoint_; }
  // Whether the device answers now (a GetInfo round trip).
  bool Probe();

  const Registry& Mechanisms() const override { return *registry_; }
  Result<TokenStatus> Status() override;
  Result<void> InitToken(SecretView so_pin, std::string_view label) override;
  Result<void> Login(CK_USER_TYPE who, SecretView pin) override;
  void Logout() override;
  Result<void> InitPin(SecretView new_pin) override;
  Result<void> SetPin(CK_USER_TYPE who, SecretView old_pin, SecretView new_pin) override;

  Result<ObjectId> CreateObject(Object object) override;
  Result<std::shared_ptr<const Object>> GetObject(ObjectId id) override;
  Result<void> UpdateObject(ObjectId id, Object object) override;
  Result<void> DestroyObject(ObjectId id) override;
  Result<std::vector<ObjectId>> FindObjects(std::span<const TemplateAttr> match) override;

  Result<std::unique_ptr<SignOperation>> BeginSign(const Mechanism& mechanism, ByteView param,
                                                   ObjectId key) override;
  Result<std::unique_ptr<VerifyOperation>> BeginVerify(const Mechanism& mechanism, ByteView param,
                                                       ObjectId key) override;
  Result<std::unique_ptr<CipherOperation>> BeginEncrypt(const Mechanism& mechanism, ByteView param,
                                                        ObjectId key) override;
  Result<std::unique_ptr<CipherOperation>> BeginDecrypt(const Mechanism& mechanism, ByteView param,
                                                        ObjectId key) override;
  Result<ObjectId> GenerateKey(const Mechanism& mechanism, ByteView param, Object key) override;
  Result<std::pair<ObjectId, ObjectId>> GenerateKeyPair(const Mechanism& mechanism, ByteView param,
                                                        Object pub, Object priv) override;
  Result<std::unique_ptr<SignOperation>> BeginSignRecover(const Mechanism& mechanism,
                                                          ByteView param, ObjectId key) override;
  Result<std::unique_ptr<RecoverOperation>> BeginVerifyRecover(const Mechanism& mechanism,
                                                               ByteView param,
                                                               ObjectId key) override;
  Result<std::unique_ptr<MessageCipherOperation>> BeginMessageEncrypt(const Mechanism& mechanism,
                                                                      ByteView param,
                                                                      ObjectId key) override;
  Result<std::unique_ptr<MessageCipherOperation>> BeginMessageDecrypt(const Mechanism& mechanism,
                                                                      ByteView param,
                                                                      ObjectId key) override;
  Result<ObjectId> DeriveKey(const Mechanism& mechanism, ByteView param, ObjectId base,
                             std::optional<ObjectId> other, Object derived) override;
  Result<void> WrapKey(const Mechanism& mechanism, ByteView param, ObjectId wrapping, ObjectId key,
                       OutBuffer& out) override;
  Result<ObjectId> UnwrapKey(const Mechanism& mechanism, ByteView param, ObjectId unwrapping,
                             ByteView wrapped, Object key) override;
  Result<void> GenerateRandom(std::span<uint8_t> out) override;
  Result<void> SeedRandom(ByteView seed) override;

 private:
  DeviceToken(std::unique_ptr<transport::Client> client, std::string endpoint);

  // The object as it goes to the device: its attribute blob and flags. CKR_DEVICE_MEMORY
  // when the blob exceeds `max_blob` (the device's, or half of it for the public half of
  // a generated key pair: GenerateKeyPairReq).
  struct Stored {
    ZBytes blob;
    uint32_t flags = 0;
  };
  static Result<Stored> StoredForm(const Object& object, size_t max_blob);
  // What the device takes in a request (read from its DeviceInfo at Open).
  transport::DeviceLimits limits() const { return client_->limits(); }
  // Completes `object` with what the device reported, caches it and returns its id.
  Result<ObjectId> Remember(Object object, wire::ObjectKind kind, wire::KeyType type,
                            wire::KeyId id, ByteView public_value, uint16_t secret_length);
  Result<std::shared_ptr<const Object>> KeyObject(ObjectId id);
  Result<SignSetup> SignSetupFor(const Mechanism& mechanism, ByteView param, ObjectId key,
                                 CK_OBJECT_CLASS wrong_class);
  Result<CipherSetup> CipherSetupFor(const Mechanism& mechanism, ByteView param, ObjectId key,
                                     bool encrypt);
  // The cache holds objects of the current connection: a reconnect (a device reset) drops
  // the device's session objects, so the cache is emptied then.
  void CheckConnection_inlock();
  Result<ObjectId> Import(Object key, wire::ObjectKind kind, wire::KeyType type,
                          wire::KeyId unwrapping, ByteView material);

  std::unique_ptr<transport::Client> client_;
  const std::string endpoint_;
  std::string serial_;
  std::unique_ptr<Registry> registry_;

  std::mutex mu_;  // guards the cache
  std::map<ObjectId, std::shared_ptr<const Object>> cache_;
  uint64_t connection_epoch_ = 0;
};

}  // namespace p11::device
