// Two processes on one store: each sees the other's committed objects, nothing is lost.
#include <sys/wait.h>
#include <unistd.h>

#include "soft/soft_fixture.h"

namespace p11::testing {
namespace {

using ProcessTest = SoftStoreTest;

Object DataObject(const std::string& label) {
  AttrBuilder b;
  b.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, true).Bool(CKA_PRIVATE, true).Str(CKA_LABEL, label);
  return *policy::NewObject(policy::Origin::kCreate, b.attrs, {}, policy::Actor{false, true});
}

size_t CountLabel(TokenBackend& token, const std::string& label) {
  AttrBuilder match;
  match.Str(CKA_LABEL, label);
  auto found = token.FindObjects(match.attrs);
  return found.ok() ? found->size() : 0;
}

// The child writes objects while the parent writes its own; both sets survive.
TEST_F(ProcessTest, ForkedWritersLoseNothing) {
  auto store = OpenStore();
  auto token = InitToken(*store);
  ASSERT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  ASSERT_TRUE(token->CreateObject(DataObject("before-fork")).ok());
  constexpr int kEach = 40;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child must not touch the parent's connection: it opens its own store.
    auto child_store = SoftStore::Open(config_, *registry_);
    if (!child_store.ok()) _exit(2);
    auto tokens = (*child_store)->Tokens();
    if (!tokens.ok() || tokens->size() != 1) _exit(3);
    auto& child = *tokens->front().token;
    if (!child.Login(CKU_USER, Pin(kUserPin)).ok()) _exit(4);
    if (CountLabel(child, "before-fork") != 1) _exit(5);
    for (int i = 0; i < kEach; ++i) {
      if (!child.CreateObject(DataObject("child")).ok()) _exit(6);
    }
    _exit(0);
  }
  for (int i = 0; i < kEach; ++i) ASSERT_TRUE(token->CreateObject(DataObject("parent")).ok());
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(CountLabel(*token, "child"), static_cast<size_t>(kEach));
  EXPECT_EQ(CountLabel(*token, "parent"), static_cast<size_t>(kEach));
  EXPECT_EQ(RawInt("SELECT count(*) FROM objects"), 2 * kEach + 1);
}

TEST_F(ProcessTest, LockoutCountsAcrossProcesses) {
  auto store = OpenStore();
  auto token = InitToken(*store);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto child_store = SoftStore::Open(config_, *registry_);
    if (!child_store.ok()) _exit(2);
    auto tokens = (*child_store)->Tokens();
    if (!tokens.ok() || tokens->empty()) _exit(3);
    bool wrong = tokens->front().token->Login(CKU_USER, Pin("bad-pin-1")).rv() == CKR_PIN_INCORRECT;
    _exit(wrong ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(token->Status()->user_pin_failures, 1u);
  EXPECT_EQ(token->Login(CKU_USER, Pin("bad-pin-2")).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(token->Login(CKU_USER, Pin("bad-pin-3")).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_PIN_LOCKED);
}

}  // namespace
}  // namespace p11::testing
