// The request handlers, one overload of Handle per op, declared from the HSM_OPS list itself
// so an op without a handler fails to link. Each family lives in its own file (info, auth,
// objects, keys, sign, cipher, derive, digest, wrap). A handler validates everything in the
// request — enums, lengths, ids, login, usage flags — before it changes anything, fills its
// response with Bytes pointing into the Context's scratch or object slots, and returns a
// Status; the Core does the decoding, the encoding and the wiping. The helpers below are the
// checks several families share.
#pragma once

#include <cstdint>
#include <span>

#include "core/context.h"
#include "core/key_types.h"
#include "protocol/messages.h"
#include "protocol/status.h"

namespace hsm {

#define HSM_DECLARE_HANDLER(code, name, req, rsp) \
  Status Handle(Context& ctx, OpTag<wire::Op::k##name>, const req& request, rsp& response);
HSM_OPS(HSM_DECLARE_HANDLER)
#undef HSM_DECLARE_HANDLER

// Completes an InitToken: drops logins, crypto-erases and destroys every object, removes the
// user PIN, then clears the token's wipe_pending mark. Also run by Core::Start when a power
// loss interrupted it.
Status FinishTokenWipe(Context& ctx);

// May the caller create an object of `kind` with `flags`? Unknown flag bits: kParamInvalid;
// a key, or any private object, while the user is not logged in: kNotLoggedIn.
Status CheckCreate(const Context& ctx, wire::ObjectKind kind, uint32_t flags);

// Stores a new secret key of `type` and `length` bytes whose value is `secret` (sealed by the
// object store), with the caller's `flags` and host attributes; its id goes to `id`.
Status CreateSecretKey(Context& ctx, wire::KeyType type, uint32_t flags, size_t length,
                       std::span<const uint8_t> attrs, const KeyBlob& secret, wire::KeyId* id);

// Loads key `id` into `slot` for an operation: it must be visible, of `kind`, of a type
// `type_ok` accepts (kKeyTypeInconsistent otherwise) and carry `usage`
// (kKeyFunctionNotPermitted otherwise).
Status LoadKey(Context& ctx, wire::KeyId id, wire::ObjectKind kind, bool (*type_ok)(wire::KeyType),
               uint32_t usage, ObjectSlot& slot);

// A key type from a request: kParamInvalid when it is not a defined value,
// kKeyTypeInconsistent when it is one `type_ok` does not accept.
Status CheckRequestedType(wire::KeyType type, bool (*type_ok)(wire::KeyType));

}  // namespace hsm
