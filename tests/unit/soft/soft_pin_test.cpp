// Token initialisation, login, PIN changes, retry counters and lockout.
#include "soft/soft_fixture.h"

namespace p11::testing {
namespace {

using PinTest = SoftStoreTest;

TEST_F(PinTest, InitTokenSetsIdentity) {
  auto store = OpenStore();
  auto blank = store->BlankToken();
  ASSERT_TRUE(blank.ok());
  std::string padded = "My Token";
  padded.resize(32, ' ');
  ASSERT_EQ(blank->token->InitToken(Pin(kSoPin), padded).rv(), CKR_OK);
  auto status = blank->token->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->initialized);
  EXPECT_FALSE(status->user_pin_initialized);
  EXPECT_EQ(status->label, "My Token");
  EXPECT_EQ(status->model, "SoftToken");
  ASSERT_EQ(status->serial.size(), 16u);
  EXPECT_EQ(status->serial.find_first_not_of("0123456789ABCDEF"), std::string::npos);
  EXPECT_EQ(status->max_pin_failures, 3u);
  EXPECT_EQ(status->min_pin_len, 4u);
  EXPECT_EQ(status->max_pin_len, 255u);
}

TEST_F(PinTest, PinLengthPolicyOnNewPins) {
  auto store = OpenStore();
  auto blank = store->BlankToken();
  EXPECT_EQ(blank->token->InitToken(Pin("abc"), "x").rv(), CKR_PIN_LEN_RANGE);
  EXPECT_EQ(blank->token->InitToken(Pin(std::string(256, 'a')), "x").rv(), CKR_PIN_LEN_RANGE);
  ASSERT_EQ(blank->token->InitToken(Pin(kSoPin), "x").rv(), CKR_OK);
  ASSERT_EQ(blank->token->Login(CKU_SO, Pin(kSoPin)).rv(), CKR_OK);
  EXPECT_EQ(blank->token->InitPin(Pin("12")).rv(), CKR_PIN_LEN_RANGE);
  ASSERT_EQ(blank->token->InitPin(Pin(kUserPin)).rv(), CKR_OK);
  EXPECT_EQ(blank->token->SetPin(CKU_USER, Pin(kUserPin), Pin("1")).rv(), CKR_PIN_LEN_RANGE);
}

TEST_F(PinTest, UserLoginBeforeInitPin) {
  auto store = OpenStore();
  auto blank = store->BlankToken();
  EXPECT_EQ(blank->token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_USER_PIN_NOT_INITIALIZED);
  ASSERT_EQ(blank->token->InitToken(Pin(kSoPin), "x").rv(), CKR_OK);
  EXPECT_EQ(blank->token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_USER_PIN_NOT_INITIALIZED);
}

TEST_F(PinTest, InitPinNeedsSoLogin) {
  auto store = OpenStore();
  auto blank = store->BlankToken();
  ASSERT_EQ(blank->token->InitToken(Pin(kSoPin), "x").rv(), CKR_OK);
  EXPECT_EQ(blank->token->InitPin(Pin(kUserPin)).rv(), CKR_USER_NOT_LOGGED_IN);
}

TEST_F(PinTest, WrongPinsCountLockAndPersistAcrossReopen) {
  {
    auto store = OpenStore();
    auto token = InitToken(*store);
    EXPECT_EQ(token->Login(CKU_USER, Pin("wrong-pin")).rv(), CKR_PIN_INCORRECT);
    EXPECT_EQ(token->Login(CKU_USER, Pin("no")).rv(), CKR_PIN_INCORRECT);  // too short: counted
    EXPECT_EQ(token->Status()->user_pin_failures, 2u);
    EXPECT_FALSE(token->Status()->user_pin_locked);
  }
  auto store = OpenStore();
  auto token = FirstToken(*store);
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->Status()->user_pin_failures, 2u);
  EXPECT_EQ(token->Login(CKU_USER, Pin("wrong-again")).rv(), CKR_PIN_INCORRECT);
  EXPECT_TRUE(token->Status()->user_pin_locked);
  // Locked: even the right PIN is refused, and the SO PIN is unaffected.
  EXPECT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_PIN_LOCKED);
  EXPECT_EQ(token->Status()->so_pin_failures, 0u);
  // InitPIN by the SO unlocks with a new PIN.
  ASSERT_EQ(token->Login(CKU_SO, Pin(kSoPin)).rv(), CKR_OK);
  ASSERT_EQ(token->InitPin(Pin("fresh-user-pin")).rv(), CKR_OK);
  token->Logout();
  EXPECT_FALSE(token->Status()->user_pin_locked);
  EXPECT_EQ(token->Login(CKU_USER, Pin("fresh-user-pin")).rv(), CKR_OK);
}

TEST_F(PinTest, SuccessResetsCounter) {
  auto store = OpenStore();
  auto token = InitToken(*store);
  EXPECT_EQ(token->Login(CKU_USER, Pin("wrong-pin")).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(token->Login(CKU_USER, Pin("wrong-pin")).rv(), CKR_PIN_INCORRECT);
  ASSERT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  EXPECT_EQ(token->Status()->user_pin_failures, 0u);
}

TEST_F(PinTest, SoLockoutIsSharedBetweenInstances) {
  auto first = OpenStore();
  auto token = InitToken(*first);
  auto second = OpenStore();
  auto other = FirstToken(*second);
  EXPECT_EQ(token->Login(CKU_SO, Pin("bad-so-pin")).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(other->Login(CKU_SO, Pin("bad-so-pin")).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(token->Login(CKU_SO, Pin("bad-so-pin")).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(other->Login(CKU_SO, Pin(kSoPin)).rv(), CKR_PIN_LOCKED);
  EXPECT_TRUE(token->Status()->so_pin_locked);
}

TEST_F(PinTest, ReinitWithWrongSoPinIsCountedAndKeepsObjects) {
  auto store = OpenStore();
  auto token = InitToken(*store, "keep");
  ASSERT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  AttrBuilder data;
  data.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, true).Str(CKA_LABEL, "kept");
  ASSERT_TRUE(token->CreateObject(MakeObject(data)).ok());
  token->Logout();
  EXPECT_EQ(token->InitToken(Pin("not-the-so-pin"), "new").rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(token->Status()->so_pin_failures, 1u);
  EXPECT_EQ(token->Status()->label, "keep");
  EXPECT_EQ(RawInt("SELECT count(*) FROM objects"), 1);
}

TEST_F(PinTest, ReinitWithSoPinWipesObjectsAndUserPin) {
  auto store = OpenStore();
  auto token = InitToken(*store, "old");
  ASSERT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  AttrBuilder data;
  data.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, true).Str(CKA_LABEL, "gone");
  ASSERT_TRUE(token->CreateObject(MakeObject(data)).ok());
  token->Logout();
  ASSERT_EQ(token->InitToken(Pin(kSoPin), "new").rv(), CKR_OK);
  auto status = token->Status();
  EXPECT_EQ(status->label, "new");
  EXPECT_FALSE(status->user_pin_initialized);
  EXPECT_EQ(RawInt("SELECT count(*) FROM objects"), 0);
  EXPECT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_USER_PIN_NOT_INITIALIZED);
  EXPECT_EQ(token->Login(CKU_SO, Pin(kSoPin)).rv(), CKR_OK);
}

TEST_F(PinTest, SetPinVerifiesOldPinAndRewraps) {
  auto store = OpenStore();
  auto token = InitToken(*store);
  EXPECT_EQ(token->SetPin(CKU_USER, Pin("wrong-old"), Pin("new-user-pin")).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(token->Status()->user_pin_failures, 1u);
  ASSERT_EQ(token->SetPin(CKU_USER, Pin(kUserPin), Pin("new-user-pin")).rv(), CKR_OK);
  EXPECT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(token->Login(CKU_USER, Pin("new-user-pin")).rv(), CKR_OK);
  token->Logout();
  ASSERT_EQ(token->SetPin(CKU_SO, Pin(kSoPin), Pin("new-so-pin")).rv(), CKR_OK);
  EXPECT_EQ(token->Login(CKU_SO, Pin("new-so-pin")).rv(), CKR_OK);
}

TEST_F(PinTest, ContextSpecificRechecksUserPin) {
  auto store = OpenStore();
  auto token = InitToken(*store);
  ASSERT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  EXPECT_EQ(token->Login(CKU_CONTEXT_SPECIFIC, Pin("wrong-pin")).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(token->Status()->user_pin_failures, 1u);
  EXPECT_EQ(token->Login(CKU_CONTEXT_SPECIFIC, Pin(kUserPin)).rv(), CKR_OK);
}

TEST_F(PinTest, DefaultKdfCostIsStoredPerPin) {
  config_.pin_kdf_iterations = Config().pin_kdf_iterations;
  auto store = OpenStore();
  auto token = InitToken(*store);
  EXPECT_EQ(RawInt("SELECT so_iterations FROM tokens"), 100000);
  EXPECT_EQ(RawInt("SELECT user_iterations FROM tokens"), 100000);
  EXPECT_EQ(RawInt("SELECT length(so_salt) FROM tokens"), 16);
  EXPECT_EQ(RawInt("SELECT length(user_salt) FROM tokens"), 16);
  EXPECT_EQ(RawInt("SELECT so_salt != user_salt FROM tokens"), 1);
  // Raising the cost applies to the next PIN change; the other PIN keeps its own.
  config_.pin_kdf_iterations = 2000;
  auto reopened = OpenStore();
  auto same = FirstToken(*reopened);
  ASSERT_EQ(same->SetPin(CKU_USER, Pin(kUserPin), Pin("another-pin")).rv(), CKR_OK);
  EXPECT_EQ(RawInt("SELECT user_iterations FROM tokens"), 2000);
  EXPECT_EQ(RawInt("SELECT so_iterations FROM tokens"), 100000);
  EXPECT_EQ(same->Login(CKU_SO, Pin(kSoPin)).rv(), CKR_OK);
}

TEST_F(PinTest, PinNeverStoredInPlaintext) {
  auto store = OpenStore();
  InitToken(*store);
  EXPECT_FALSE(FileContains(Bytes(kSoPin)));
  EXPECT_FALSE(FileContains(Bytes(kUserPin)));
}

}  // namespace
}  // namespace p11::testing
