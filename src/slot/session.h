// Session: one PKCS#11 session — its slot, read-only or read-write, and its active
// operations, each in its own typed slot (at most one per kind, PKCS#11 3.1 §5.1). The
// session's mutex is held for the whole of a call on it, so calls on one session are
// serialised while independent sessions run in parallel.
#pragma once

#include <memory>
#include <vector>

#include "mechanisms/mechanism.h"
#include "mechanisms/operation.h"
#include "slot/locking.h"
#include "slot/slot.h"

namespace p11 {

// One active operation and how it has been driven so far.
template <class Op>
struct OpSlot {
  std::unique_ptr<Op> op;
  bool single_part = false;          // a single-part call (or its length query) has been made
  bool multi_part = false;           // an Update has been made
  bool needs_context_login = false;  // key has CKA_ALWAYS_AUTHENTICATE
  bool context_login_done = false;

  bool active() const { return op != nullptr; }
  void Start(std::unique_ptr<Op> new_op, bool always_authenticate) {
    *this = OpSlot();
    op = std::move(new_op);
    needs_context_login = always_authenticate;
  }
  void Reset() { *this = OpSlot(); }
};

// C_MessageSignInit / C_MessageVerifyInit: the key and mechanism every message uses, and
// the message being signed part by part (C_SignMessageBegin / Next), if any.
struct MessageSigning {
  bool active = false;
  const Mechanism* mechanism = nullptr;
  std::vector<uint8_t> init_param;
  ObjectId key = 0;
  std::unique_ptr<SignOperation> sign;
  std::unique_ptr<VerifyOperation> verify;
  // The last part's data went in already; a retry after a length query only fetches.
  bool last_part_fed = false;

  void EndMessage() {
    sign.reset();
    verify.reset();
    last_part_fed = false;
  }
};

struct FindState {
  bool active = false;
  std::vector<CK_OBJECT_HANDLE> results;
  size_t next = 0;
};

class Session {
 public:
  Session(CK_SESSION_HANDLE handle, std::shared_ptr<Slot> slot, CK_FLAGS flags,
          std::unique_ptr<Mutex> mu)
      : handle_(handle), slot_(std::move(slot)), flags_(flags), mu_(std::move(mu)) {}

  CK_SESSION_HANDLE handle() const { return handle_; }
  Slot& slot() const { return *slot_; }
  const std::shared_ptr<Slot>& slot_ptr() const { return slot_; }
  CK_FLAGS flags() const { return flags_; }
  bool read_write() const { return (flags_ & CKF_RW_SESSION) != 0; }
  Mutex& mu() { return *mu_; }

  // CKS_* from the slot's login state (call with the slot's mutex held).
  CK_STATE State_inlock() const;
  void ResetOperations();

  OpSlot<DigestOperation> digest;
  OpSlot<SignOperation> sign;
  OpSlot<VerifyOperation> verify;
  OpSlot<CipherOperation> encrypt;
  OpSlot<CipherOperation> decrypt;
  OpSlot<SignOperation> sign_recover;
  OpSlot<RecoverOperation> verify_recover;
  OpSlot<MessageCipherOperation> message_encrypt;
  OpSlot<MessageCipherOperation> message_decrypt;
  MessageSigning message_sign;
  MessageSigning message_verify;
  FindState find;

 private:
  const CK_SESSION_HANDLE handle_;
  const std::shared_ptr<Slot> slot_;
  const CK_FLAGS flags_;
  std::unique_ptr<Mutex> mu_;
};

}  // namespace p11
