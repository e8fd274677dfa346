// Token initialisation, login and PINs: PKCS#11's login rules, the failure counter that is
// persisted before the PIN is checked, lockout (also across a restart), InitToken's wipe.
#include "core_harness.h"

namespace arca_test {
namespace {

using hsm::Status;

Status TryLogin(Device& dev, wire::User who, const std::string& pin) {
  wire::LoginReq req;
  Bytes p = ToBytes(pin);
  req.who = who;
  req.pin = Span(p);
  return dev.Call<wire::Op::kLogin>(req).status;
}

Status TrySetPin(Device& dev, wire::User who, const std::string& old_pin,
                 const std::string& new_pin) {
  wire::SetPinReq req;
  Bytes o = ToBytes(old_pin), n = ToBytes(new_pin);
  req.who = who;
  req.old_pin = Span(o);
  req.new_pin = Span(n);
  return dev.Call<wire::Op::kSetPin>(req).status;
}

Status TryInitToken(Device& dev, const std::string& so_pin, const std::string& label) {
  wire::InitTokenReq req;
  Bytes p = ToBytes(so_pin), l = ToBytes(label);
  req.so_pin = Span(p);
  req.label = Span(l);
  return dev.Call<wire::Op::kInitToken>(req).status;
}

TEST(CoreAuth, InitTokenChecksSoPinLength) {
  Device dev;
  EXPECT_EQ(TryInitToken(dev, "abc", "x"), Status::kPinLenRange);
  EXPECT_EQ(TryInitToken(dev, "", "x"), Status::kPinLenRange);
  dev.InitToken();
  Bytes frame;
  EXPECT_TRUE(dev.Info(&frame).token_flags & wire::kTokenInitialized);
}

TEST(CoreAuth, LoginRulesFollowPkcs11) {
  Device dev;
  dev.InitToken();
  EXPECT_EQ(TryLogin(dev, wire::User::kUser, kUserPin), Status::kPinNotInitialized);
  EXPECT_EQ(TryLogin(dev, static_cast<wire::User>(2), kSoPin), Status::kParamInvalid);
  EXPECT_EQ(dev.Call<wire::Op::kLogout>(wire::Empty{}).status, Status::kNotLoggedIn);
  dev.Login(wire::User::kSo, kSoPin);
  EXPECT_EQ(TryLogin(dev, wire::User::kSo, kSoPin), Status::kUserAlreadyLoggedIn);
  EXPECT_EQ(TryLogin(dev, wire::User::kUser, kUserPin), Status::kAnotherUserLoggedIn);
  wire::InitPinReq short_pin;
  Bytes three = ToBytes("123");
  short_pin.pin = Span(three);
  EXPECT_EQ(dev.Call<wire::Op::kInitPin>(short_pin).status, Status::kPinLenRange);
  wire::InitPinReq init;
  Bytes pin = ToBytes(kUserPin);
  init.pin = Span(pin);
  ASSERT_EQ(dev.Call<wire::Op::kInitPin>(init).status, Status::kOk);
  dev.Logout();
  EXPECT_EQ(dev.Call<wire::Op::kInitPin>(init).status, Status::kNotLoggedIn);
  dev.Login(wire::User::kUser, kUserPin);
  EXPECT_EQ(TryLogin(dev, wire::User::kSo, kSoPin), Status::kAnotherUserLoggedIn);
  EXPECT_EQ(dev.Call<wire::Op::kInitPin>(init).status, Status::kNotLoggedIn);
  // A USB reset logs everybody out.
  dev.Reset();
  Bytes frame;
  EXPECT_FALSE(dev.Info(&frame).token_flags & wire::kTokenUserLoggedIn);
}

TEST(CoreAuth, WrongPinsCountUpToLockoutWhichSurvivesRestart) {
  Device dev;
  dev.SetUpUser();
  dev.Logout();
  Bytes frame;
  for (int i = 1; i <= 10; ++i) {
    EXPECT_EQ(TryLogin(dev, wire::User::kUser, "wrong-pin"), Status::kPinIncorrect) << i;
    EXPECT_EQ(dev.Info(&frame).user_failures, i);
  }
  EXPECT_EQ(TryLogin(dev, wire::User::kUser, kUserPin), Status::kPinLocked);
  EXPECT_TRUE(dev.Info(&frame).token_flags & wire::kTokenUserPinLocked);
  dev.Restart();
  EXPECT_EQ(TryLogin(dev, wire::User::kUser, kUserPin), Status::kPinLocked);
  wire::InfoRsp info = dev.Info(&frame);
  EXPECT_EQ(info.user_failures, 10);
  EXPECT_TRUE(info.token_flags & wire::kTokenUserPinLocked);
  // The SO unlocks by setting a new user PIN.
  dev.Login(wire::User::kSo, kSoPin);
  wire::InitPinReq init;
  Bytes pin = ToBytes("fresh-pin");
  init.pin = Span(pin);
  ASSERT_EQ(dev.Call<wire::Op::kInitPin>(init).status, Status::kOk);
  dev.Logout();
  dev.Login(wire::User::kUser, "fresh-pin");
}

TEST(CoreAuth, SuccessResetsTheCounterAndTheCountIsPersisted) {
  Device dev;
  dev.SetUpUser();
  dev.Logout();
  EXPECT_EQ(TryLogin(dev, wire::User::kUser, "nope-nope"), Status::kPinIncorrect);
  EXPECT_EQ(TryLogin(dev, wire::User::kUser, "nope-nope"), Status::kPinIncorrect);
  dev.Restart();
  Bytes frame;
  EXPECT_EQ(dev.Info(&frame).user_failures, 2);
  dev.Login(wire::User::kUser, kUserPin);
  EXPECT_EQ(dev.Info(&frame).user_failures, 0);
  dev.Restart();
  EXPECT_EQ(dev.Info(&frame).user_failures, 0);
}

TEST(CoreAuth, NoPinIsCheckedWhenTheAttemptCannotBeCounted) {
  Device dev;
  dev.SetUpUser();
  dev.Logout();
  // The flash takes no more writes: a power cut at the counter update. The right PIN must
  // not log in, or cutting the power at every guess would give unlimited free guesses.
  dev.CutPowerAfter(0);
  EXPECT_EQ(TryLogin(dev, wire::User::kUser, kUserPin), Status::kFlashError);
  Bytes frame;
  EXPECT_FALSE(dev.Info(&frame).token_flags & wire::kTokenUserLoggedIn);
  dev.Restart();
  dev.Login(wire::User::kUser, kUserPin);
}

TEST(CoreAuth, SoLockout) {
  Device dev;
  dev.InitToken();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(TryLogin(dev, wire::User::kSo, "bad-so-pin"), Status::kPinIncorrect);
  }
  EXPECT_EQ(TryLogin(dev, wire::User::kSo, kSoPin), Status::kPinLocked);
  Bytes frame;
  wire::InfoRsp info = dev.Info(&frame);
  EXPECT_EQ(info.so_failures, 10);
  EXPECT_TRUE(info.token_flags & wire::kTokenSoPinLocked);
  EXPECT_EQ(TryInitToken(dev, kSoPin, "again"), Status::kPinLocked);
}

TEST(CoreAuth, SetPinForUserAndSo) {
  Device dev;
  dev.SetUpUser();
  EXPECT_EQ(TrySetPin(dev, wire::User::kUser, kUserPin, "ab"), Status::kPinLenRange);
  EXPECT_EQ(TrySetPin(dev, wire::User::kUser, "not-it", "new-user-pin"), Status::kPinIncorrect);
  Bytes frame;
  EXPECT_EQ(dev.Info(&frame).user_failures, 1);
  EXPECT_EQ(TrySetPin(dev, wire::User::kSo, kSoPin, "new-so-pin"), Status::kNotLoggedIn);
  ASSERT_EQ(TrySetPin(dev, wire::User::kUser, kUserPin, "new-user-pin"), Status::kOk);
  EXPECT_EQ(dev.Info(&frame).user_failures, 0);
  dev.Logout();
  EXPECT_EQ(TryLogin(dev, wire::User::kUser, kUserPin), Status::kPinIncorrect);
  // Nobody logged in: the user's own PIN may change (a public session), the SO's may not.
  ASSERT_EQ(TrySetPin(dev, wire::User::kUser, "new-user-pin", "third-pin"), Status::kOk);
  EXPECT_EQ(TrySetPin(dev, wire::User::kSo, kSoPin, "new-so-pin"), Status::kNotLoggedIn);
  dev.Login(wire::User::kSo, kSoPin);
  EXPECT_EQ(TrySetPin(dev, wire::User::kUser, "third-pin", "fourth-pin"),
            Status::kAnotherUserLoggedIn);
  ASSERT_EQ(TrySetPin(dev, wire::User::kSo, kSoPin, "new-so-pin"), Status::kOk);
  dev.Logout();
  dev.Restart();
  dev.Login(wire::User::kSo, "new-so-pin");
  dev.Logout();
  dev.Login(wire::User::kUser, "third-pin");
}

TEST(CoreAuth, ReinitialisingNeedsTheSoPinAndWipesEverything) {
  Device dev;
  dev.SetUpUser();
  wire::KeyId key = dev.GenerateKey(wire::KeyType::kAes256,
                                    wire::kFlagToken | wire::kFlagPrivate | wire::kFlagEncrypt);
  wire::CreateObjectReq data;
  data.flags = wire::kFlagToken;
  auto created = dev.Call<wire::Op::kCreateObject>(data);
  ASSERT_TRUE(created.ok());
  // Refused while anybody is logged in.
  EXPECT_EQ(TryInitToken(dev, kSoPin, "second"), Status::kBadState);
  dev.Logout();
  EXPECT_EQ(TryInitToken(dev, "wrong-so-pin", "second"), Status::kPinIncorrect);
  Bytes frame;
  EXPECT_EQ(dev.Info(&frame).so_failures, 1);
  ASSERT_EQ(TryInitToken(dev, kSoPin, "second"), Status::kOk);
  wire::InfoRsp info = dev.Info(&frame);
  EXPECT_EQ(Copy(info.label.span()), ToBytes("second"));
  EXPECT_EQ(info.so_failures, 0);
  EXPECT_FALSE(info.token_flags & wire::kTokenUserPinInitialized);
  EXPECT_EQ(info.free_objects, wire::kMaxObjects);
  EXPECT_EQ(TryLogin(dev, wire::User::kUser, kUserPin), Status::kPinNotInitialized);
  wire::IdReq get;
  get.id = created.rsp.id;
  EXPECT_EQ(dev.Call<wire::Op::kGetObject>(get).status, Status::kKeyNotFound);
  dev.Restart();
  EXPECT_EQ(dev.Call<wire::Op::kGetObject>(get).status, Status::kKeyNotFound);
  get.id = key;
  dev.Login(wire::User::kSo, kSoPin);
  EXPECT_EQ(dev.Call<wire::Op::kGetObject>(get).status, Status::kKeyNotFound);
}

TEST(CoreAuth, InterruptedInitTokenIsFinishedAtStart) {
  Device dev;
  dev.SetUpUser();
  wire::CreateObjectReq data;
  data.flags = wire::kFlagToken;
  auto created = dev.Call<wire::Op::kCreateObject>(data);
  ASSERT_TRUE(created.ok());
  dev.Logout();
  // Power goes after the SO PIN check and the wipe mark, in the middle of the wipe.
  for (long budget = 3; budget < 12; ++budget) {
    dev.CutPowerAfter(budget);
    Status s = TryInitToken(dev, kSoPin, "after-cut");
    dev.Restart();
    Bytes frame;
    wire::InfoRsp info = dev.Info(&frame);
    if (Copy(info.label.span()) == ToBytes("after-cut")) {
      // The wipe started, so it was finished: no object and no user PIN survive.
      wire::IdReq get;
      get.id = created.rsp.id;
      EXPECT_EQ(dev.Call<wire::Op::kGetObject>(get).status, Status::kKeyNotFound) << budget;
      EXPECT_FALSE(info.token_flags & wire::kTokenUserPinInitialized) << budget;
      return;
    }
    EXPECT_NE(s, Status::kOk) << budget;
  }
  FAIL() << "InitToken never got as far as its wipe mark";
}

}  // namespace
}  // namespace arca_test
