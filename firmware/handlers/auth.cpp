// Token initialisation, login and PINs, with PKCS#11's rules: one of SO or user logged in
// at a time, InitToken only while nobody is, InitPin by the SO, SetPin by whoever owns the
// PIN. Every PIN comparison goes through TokenState::VerifyPin and its persisted counter.
#include "handlers/handlers.h"

namespace hsm {

Status FinishTokenWipe(Context& ctx) {
  ctx.token.Logout();
  // The new storage key first: from here on nothing sealed for the old token opens, even if
  // the power goes before its records are removed.
  HSM_TRY(ctx.keys.RollStorageKey());
  HSM_TRY(ctx.objects.DestroyAll());
  HSM_TRY(ctx.token.RemoveUserPin());
  return ctx.token.WriteInfo(true, false, ctx.token.label(), ctx.facts.serial.span());
}

Status Handle(Context& ctx, OpTag<wire::Op::kInitToken>, const wire::InitTokenReq& request,
              wire::Empty&) {
  if (ctx.token.login() != Login::kNobody) return Status::kBadState;
  if (ctx.token.initialized()) {
    // Re-initialising needs the current SO PIN, counted like any other guess.
    HSM_TRY(ctx.token.VerifyPin(wire::User::kSo, request.so_pin.span()));
  } else {
    if (!PinLengthOk(request.so_pin.size)) return Status::kPinLenRange;
    HSM_TRY(ctx.token.SetPin(wire::User::kSo, request.so_pin.span()));
  }
  // Marked before the wipe starts, so Core::Start finishes it after a power loss.
  HSM_TRY(ctx.token.WriteInfo(true, true, request.label.span(), ctx.facts.serial.span()));
  return FinishTokenWipe(ctx);
}

Status Handle(Context& ctx, OpTag<wire::Op::kLogin>, const wire::LoginReq& request, wire::Empty&) {
  if (!ValidUser(request.who)) return Status::kParamInvalid;
  Login current = ctx.token.login();
  if (current != Login::kNobody) {
    return current == LoginOf(request.who) ? Status::kUserAlreadyLoggedIn
                                           : Status::kAnotherUserLoggedIn;
  }
  HSM_TRY(ctx.token.VerifyPin(request.who, request.pin.span()));
  ctx.token.SetLogin(LoginOf(request.who));
  return Status::kOk;
}

Status Handle(Context& ctx, OpTag<wire::Op::kLogout>, const wire::Empty&, wire::Empty&) {
  if (ctx.token.login() == Login::kNobody) return Status::kNotLoggedIn;
  ctx.token.Logout();
  return Status::kOk;
}

Status Handle(Context& ctx, OpTag<wire::Op::kInitPin>, const wire::InitPinReq& request,
              wire::Empty&) {
  if (ctx.token.login() != Login::kSo) return Status::kNotLoggedIn;
  if (!PinLengthOk(request.pin.size)) return Status::kPinLenRange;
  return ctx.token.SetPin(wire::User::kUser, request.pin.span());
}

Status Handle(Context& ctx, OpTag<wire::Op::kSetPin>, const wire::SetPinReq& request,
              wire::Empty&) {
  if (!ValidUser(request.who)) return Status::kParamInvalid;
  Login current = ctx.token.login();
  // The SO changes the SO PIN from an SO login; the user PIN changes from a user login or
  // with nobody logged in (a public session), as C_SetPIN does.
  if (request.who == wire::User::kSo && current != Login::kSo) return Status::kNotLoggedIn;
  if (request.who == wire::User::kUser && current == Login::kSo) {
    return Status::kAnotherUserLoggedIn;
  }
  if (!ctx.token.pin_set(request.who)) return Status::kPinNotInitialized;
  if (!PinLengthOk(request.new_pin.size)) return Status::kPinLenRange;
  HSM_TRY(ctx.token.VerifyPin(request.who, request.old_pin.span()));
  return ctx.token.SetPin(request.who, request.new_pin.span());
}

}  // namespace hsm
