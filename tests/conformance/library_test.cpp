// Library life cycle and interface discovery (PKCS#11 3.1 §5.4: C_Initialize, C_Finalize,
// C_GetInfo, C_GetFunctionList, C_GetInterfaceList, C_GetInterface; issue 2 item 3).
#include <dlfcn.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <string>

#include "fixture.h"

namespace conformance {
namespace {

using LibraryTest = ModuleTest;

// Function pointers of a list, read without assuming more than the struct layout.
template <typename List>
std::vector<void*> Pointers(const List* list) {
  std::vector<void*> out;
  const size_t first = offsetof(List, C_Initialize);
  for (size_t off = first; off + sizeof(void*) <= sizeof(List); off += sizeof(void*)) {
    void* p = nullptr;
    std::memcpy(&p, reinterpret_cast<const char*>(list) + off, sizeof p);
    out.push_back(p);
  }
  return out;
}

CK_C_GetInterfaceList GetInterfaceListSym() {
  return reinterpret_cast<CK_C_GetInterfaceList>(dlsym(ModuleHandle(), "C_GetInterfaceList"));
}
CK_C_GetInterface GetInterfaceSym() {
  return reinterpret_cast<CK_C_GetInterface>(dlsym(ModuleHandle(), "C_GetInterface"));
}

std::vector<CK_INTERFACE> InterfaceList() {
  CK_C_GetInterfaceList get = GetInterfaceListSym();
  if (get == nullptr) return {};
  CK_ULONG count = 0;
  EXPECT_CKR_OK(get(nullptr, &count));
  std::vector<CK_INTERFACE> list(count);
  if (count == 0) return list;
  EXPECT_CKR_OK(get(list.data(), &count));
  list.resize(count);
  return list;
}

// C_InitToken on the first slot whose token is not initialised; returns that token's slot.
CK_SLOT_ID InitAnyToken(CK_FUNCTION_LIST* f) {
  CK_ULONG count = 0;
  if (f->C_GetSlotList(CK_TRUE, nullptr, &count) != CKR_OK) return CK_UNAVAILABLE_INFORMATION;
  std::vector<CK_SLOT_ID> slots(count);
  if (f->C_GetSlotList(CK_TRUE, slots.data(), &count) != CKR_OK) {
    return CK_UNAVAILABLE_INFORMATION;
  }
  const std::string label = Padded("library", 32);
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info = {};
    if (f->C_GetTokenInfo(slot, &info) != CKR_OK || (info.flags & CKF_TOKEN_INITIALIZED)) {
      continue;
    }
    if (f->C_InitToken(slot, Utf8(kSoPin), kSoPin.size(), Utf8(label)) != CKR_OK) break;
    count = 0;
    f->C_GetSlotList(CK_TRUE, nullptr, &count);
    slots.resize(count);
    f->C_GetSlotList(CK_TRUE, slots.data(), &count);
    for (CK_SLOT_ID s : slots) {
      if (f->C_GetTokenInfo(s, &info) == CKR_OK && FromFixed(info.label, 32) == label) return s;
    }
    break;
  }
  return CK_UNAVAILABLE_INFORMATION;
}

CK_VERSION VersionOf(const CK_INTERFACE& iface) {
  return static_cast<const CK_VERSION*>(iface.pFunctionList)[0];
}

TEST_F(LibraryTest, ExportsTheEntryPoints) {
  for (const char* name : {"C_GetFunctionList", "C_GetInterfaceList", "C_GetInterface",
                           "C_Initialize", "C_Finalize", "C_Sign", "C_GenerateKeyPair"}) {
    EXPECT_NE(dlsym(ModuleHandle(), name), nullptr) << name;
  }
}

TEST_F(LibraryTest, FunctionList240IsCompleteAndUsableBeforeInitialize) {
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(ModuleHandle(), "C_GetFunctionList"));
  ASSERT_NE(get, nullptr);
  CK_FUNCTION_LIST* list = nullptr;
  ASSERT_CKR_OK(get(&list));
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(list->version.major, 2);
  EXPECT_EQ(list->version.minor, 40);
  std::vector<void*> ptrs = Pointers(list);
  EXPECT_EQ(ptrs.size(), 68u);
  for (size_t i = 0; i < ptrs.size(); ++i) EXPECT_NE(ptrs[i], nullptr) << "entry " << i;
  EXPECT_RV(CKR_ARGUMENTS_BAD, get(nullptr));
}

TEST_F(LibraryTest, InterfaceListOffers30And240) {
  std::vector<CK_INTERFACE> list = InterfaceList();
  ASSERT_GE(list.size(), 2u);
  bool has30 = false;
  bool has240 = false;
  for (const CK_INTERFACE& iface : list) {
    ASSERT_NE(iface.pInterfaceName, nullptr);
    ASSERT_NE(iface.pFunctionList, nullptr);
    EXPECT_STREQ(reinterpret_cast<const char*>(iface.pInterfaceName), "PKCS 11");
    CK_VERSION v = VersionOf(iface);
    if (v.major == 3 && v.minor == 0) {
      has30 = true;
      auto* l3 = static_cast<CK_FUNCTION_LIST_3_0*>(iface.pFunctionList);
      std::vector<void*> ptrs = Pointers(l3);
      EXPECT_EQ(ptrs.size(), 92u);
      for (size_t i = 0; i < ptrs.size(); ++i) EXPECT_NE(ptrs[i], nullptr) << "3.0 entry " << i;
    }
    if (v.major == 2 && v.minor == 40) has240 = true;
  }
  EXPECT_TRUE(has30);
  EXPECT_TRUE(has240);
}

TEST_F(LibraryTest, InterfaceListBufferTooSmall) {
  CK_C_GetInterfaceList get = GetInterfaceListSym();
  ASSERT_NE(get, nullptr);
  CK_ULONG count = 0;
  ASSERT_CKR_OK(get(nullptr, &count));
  ASSERT_GE(count, 2u);
  std::vector<CK_INTERFACE> list(count);
  CK_ULONG small = count - 1;
  EXPECT_RV(CKR_BUFFER_TOO_SMALL, get(list.data(), &small));
  EXPECT_EQ(small, count);
  EXPECT_RV(CKR_ARGUMENTS_BAD, get(list.data(), nullptr));
}

TEST_F(LibraryTest, GetInterfaceDefaultsToNewest3x) {
  CK_C_GetInterface get = GetInterfaceSym();
  ASSERT_NE(get, nullptr);
  CK_INTERFACE* iface = nullptr;
  ASSERT_CKR_OK(get(nullptr, nullptr, &iface, 0));
  ASSERT_NE(iface, nullptr);
  EXPECT_EQ(VersionOf(*iface).major, 3);
  iface = nullptr;
  ASSERT_CKR_OK(get(Utf8("PKCS 11"), nullptr, &iface, 0));
  ASSERT_NE(iface, nullptr);
  EXPECT_EQ(VersionOf(*iface).major, 3);
}

TEST_F(LibraryTest, GetInterfaceByVersion) {
  CK_C_GetInterface get = GetInterfaceSym();
  ASSERT_NE(get, nullptr);
  CK_VERSION v240 = {2, 40};
  CK_INTERFACE* iface = nullptr;
  ASSERT_CKR_OK(get(Utf8("PKCS 11"), &v240, &iface, 0));
  ASSERT_NE(iface, nullptr);
  EXPECT_EQ(VersionOf(*iface).major, 2);
  EXPECT_EQ(VersionOf(*iface).minor, 40);
  CK_VERSION v30 = {3, 0};
  ASSERT_CKR_OK(get(Utf8("PKCS 11"), &v30, &iface, 0));
  EXPECT_EQ(VersionOf(*iface).major, 3);
  EXPECT_EQ(VersionOf(*iface).minor, 0);
  // The 3.0 list works: it initialises the module.
  auto* l3 = static_cast<CK_FUNCTION_LIST_3_0*>(iface->pFunctionList);
  EXPECT_CKR_OK(l3->C_Initialize(nullptr));
  CK_INFO info = {};
  EXPECT_CKR_OK(l3->C_GetInfo(&info));
}

TEST_F(LibraryTest, GetInterfaceRefusesWhatItDoesNotOffer) {
  CK_C_GetInterface get = GetInterfaceSym();
  ASSERT_NE(get, nullptr);
  CK_INTERFACE* iface = nullptr;
  EXPECT_RV(CKR_ARGUMENTS_BAD, get(Utf8("Vendor Nonexistent"), nullptr, &iface, 0));
  CK_VERSION v99 = {9, 9};
  EXPECT_RV(CKR_ARGUMENTS_BAD, get(Utf8("PKCS 11"), &v99, &iface, 0));
  EXPECT_RV(CKR_ARGUMENTS_BAD, get(Utf8("PKCS 11"), nullptr, nullptr, 0));
}

TEST_F(LibraryTest, GetInterfaceHonoursFlags) {
  CK_C_GetInterface get = GetInterfaceSym();
  ASSERT_NE(get, nullptr);
  bool fork_safe_offered = false;
  for (const CK_INTERFACE& iface : InterfaceList()) {
    if (iface.flags & CKF_INTERFACE_FORK_SAFE) fork_safe_offered = true;
  }
  CK_INTERFACE* iface = nullptr;
  CK_RV rv = get(nullptr, nullptr, &iface, CKF_INTERFACE_FORK_SAFE);
  if (fork_safe_offered) {
    ASSERT_RV(CKR_OK, rv);
    EXPECT_TRUE(iface->flags & CKF_INTERFACE_FORK_SAFE);
  } else {
    // The caller asked for something the module cannot honour: refused, so it can retry.
    EXPECT_RV(CKR_ARGUMENTS_BAD, rv);
  }
  // An undefined flag bit can never be honoured.
  EXPECT_RV(CKR_ARGUMENTS_BAD, get(nullptr, nullptr, &iface, 0x80000000UL));
}

TEST_F(LibraryTest, CallsBeforeInitializeFail) {
  CK_INFO info = {};
  EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, f_->C_GetInfo(&info));
  CK_ULONG count = 0;
  EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, f_->C_GetSlotList(CK_FALSE, nullptr, &count));
  CK_SESSION_HANDLE s = 0;
  EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED,
            f_->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s));
  EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, f_->C_CloseAllSessions(0));
  EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, f_->C_Finalize(nullptr));
  CK_BYTE buf[8];
  EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, f_->C_GenerateRandom(1, buf, sizeof buf));
}

TEST_F(LibraryTest, InitializeTwiceAndAgainAfterFinalize) {
  ASSERT_CKR_OK(f_->C_Initialize(nullptr));
  EXPECT_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED, f_->C_Initialize(nullptr));
  ASSERT_CKR_OK(f_->C_Finalize(nullptr));
  EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, f_->C_Finalize(nullptr));
  ASSERT_CKR_OK(Initialize());
  EXPECT_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED, Initialize());
  CK_INFO info = {};
  EXPECT_CKR_OK(f_->C_GetInfo(&info));
}

TEST_F(LibraryTest, InitializeRejectsNonNullReserved) {
  CK_C_INITIALIZE_ARGS args = {};
  args.flags = CKF_OS_LOCKING_OK;
  int dummy = 0;
  args.pReserved = &dummy;
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Initialize(&args));
  CK_INFO info = {};
  EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, f_->C_GetInfo(&info));
}

TEST_F(LibraryTest, FinalizeRejectsNonNullReserved) {
  ASSERT_CKR_OK(Initialize());
  int dummy = 0;
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Finalize(&dummy));
  CK_INFO info = {};
  EXPECT_CKR_OK(f_->C_GetInfo(&info)) << "a refused C_Finalize must not finalise";
}

// Application-supplied mutexes, counted so the test can see they are used.
std::atomic<int> g_created{0};
std::atomic<int> g_destroyed{0};
std::atomic<int> g_locked{0};
std::atomic<int> g_unlocked{0};

CK_RV CreateMutexCb(CK_VOID_PTR_PTR out) {
  if (out == nullptr) return CKR_ARGUMENTS_BAD;
  *out = new std::mutex;
  ++g_created;
  return CKR_OK;
}
CK_RV DestroyMutexCb(CK_VOID_PTR m) {
  if (m == nullptr) return CKR_MUTEX_BAD;
  delete static_cast<std::mutex*>(m);
  ++g_destroyed;
  return CKR_OK;
}
CK_RV LockMutexCb(CK_VOID_PTR m) {
  if (m == nullptr) return CKR_MUTEX_BAD;
  static_cast<std::mutex*>(m)->lock();
  ++g_locked;
  return CKR_OK;
}
CK_RV UnlockMutexCb(CK_VOID_PTR m) {
  if (m == nullptr) return CKR_MUTEX_BAD;
  static_cast<std::mutex*>(m)->unlock();
  ++g_unlocked;
  return CKR_OK;
}

TEST_F(LibraryTest, PartialMutexCallbacksAreRejected) {
  CK_C_INITIALIZE_ARGS args = {};
  args.CreateMutex = CreateMutexCb;
  args.LockMutex = LockMutexCb;
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Initialize(&args));
  args.flags = CKF_OS_LOCKING_OK;
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Initialize(&args));
  CK_INFO info = {};
  EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, f_->C_GetInfo(&info));
}

TEST_F(LibraryTest, ApplicationMutexCallbacksAreUsedOrRefused) {
  CK_C_INITIALIZE_ARGS args = {CreateMutexCb, DestroyMutexCb, LockMutexCb, UnlockMutexCb, 0,
                               nullptr};
  CK_RV rv = f_->C_Initialize(&args);
  if (rv == CKR_CANT_LOCK) {
    CK_INFO info = {};
    EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, f_->C_GetInfo(&info));
    return;
  }
  ASSERT_RV(CKR_OK, rv);
  // Work that touches shared state: slots, a token, sessions.
  CK_SLOT_ID slot = InitAnyToken(f_);
  ASSERT_NE(slot, CK_UNAVAILABLE_INFORMATION);
  CK_SESSION_HANDLE s = 0;
  ASSERT_CKR_OK(f_->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s));
  CK_BYTE buf[16];
  EXPECT_CKR_OK(f_->C_GenerateRandom(s, buf, sizeof buf));
  EXPECT_CKR_OK(f_->C_CloseSession(s));
  EXPECT_GT(g_created.load(), 0) << "supplied CreateMutex never called";
  EXPECT_GT(g_locked.load(), 0) << "supplied LockMutex never called";
  EXPECT_EQ(g_locked.load(), g_unlocked.load());
  ASSERT_CKR_OK(f_->C_Finalize(nullptr));
  EXPECT_EQ(g_created.load(), g_destroyed.load()) << "mutexes leaked past C_Finalize";
}

TEST_F(LibraryTest, MutexCallbacksWithOsLockingAccepted) {
  CK_C_INITIALIZE_ARGS args = {CreateMutexCb, DestroyMutexCb,    LockMutexCb,
                               UnlockMutexCb, CKF_OS_LOCKING_OK, nullptr};
  EXPECT_CKR_OK(f_->C_Initialize(&args));
}

TEST_F(LibraryTest, CantCreateThreadsFlag) {
  CK_C_INITIALIZE_ARGS args = {};
  args.flags = CKF_OS_LOCKING_OK | CKF_LIBRARY_CANT_CREATE_OS_THREADS;
  CK_RV rv = f_->C_Initialize(&args);
  EXPECT_TRUE(rv == CKR_OK || rv == CKR_NEED_TO_CREATE_THREADS) << RvName(rv);
}

TEST_F(LibraryTest, GetInfo) {
  ASSERT_CKR_OK(Initialize());
  CK_INFO info = {};
  ASSERT_CKR_OK(f_->C_GetInfo(&info));
  EXPECT_EQ(info.cryptokiVersion.major, 3);
  EXPECT_LE(info.cryptokiVersion.minor, 1);
  EXPECT_EQ(FromFixed(info.manufacturerID, 32), Padded("Arca", 32));
  EXPECT_EQ(info.flags, 0u);
  std::string desc = FromFixed(info.libraryDescription, 32);
  EXPECT_EQ(desc.find('\0'), std::string::npos) << "libraryDescription must be blank padded";
  EXPECT_NE(desc, std::string(32, ' ')) << "libraryDescription is empty";
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetInfo(nullptr));
}

class LegacyTest : public TokenTest {};

TEST_F(LegacyTest, ParallelFunctions) {
  CK_SESSION_HANDLE s = OpenRo();
  EXPECT_RV(CKR_FUNCTION_NOT_PARALLEL, f_->C_GetFunctionStatus(s));
  EXPECT_RV(CKR_FUNCTION_NOT_PARALLEL, f_->C_CancelFunction(s));
}

class ForkTest : public TokenTest {};

TEST_F(ForkTest, ChildIsNotInitializedUntilItInitializes) {
  CK_SESSION_HANDLE s = UserSession();
  CK_FUNCTION_LIST* f = f_;
  CK_SLOT_ID slot = slot_;
  int code = RunInChild([f, s, slot]() -> int {
    CK_INFO info = {};
    if (f->C_GetInfo(&info) != CKR_CRYPTOKI_NOT_INITIALIZED) return 10;
    CK_ULONG count = 0;
    if (f->C_GetSlotList(CK_TRUE, nullptr, &count) != CKR_CRYPTOKI_NOT_INITIALIZED) return 11;
    CK_SESSION_INFO si = {};
    if (f->C_GetSessionInfo(s, &si) != CKR_CRYPTOKI_NOT_INITIALIZED) return 12;
    CK_BYTE buf[8];
    if (f->C_GenerateRandom(s, buf, sizeof buf) != CKR_CRYPTOKI_NOT_INITIALIZED) return 13;
    if (f->C_Finalize(nullptr) != CKR_CRYPTOKI_NOT_INITIALIZED) return 14;
    CK_C_INITIALIZE_ARGS args = {};
    args.flags = CKF_OS_LOCKING_OK;
    if (f->C_Initialize(&args) != CKR_OK) return 20;
    if (f->C_GetInfo(&info) != CKR_OK) return 21;
    if (f->C_GetSessionInfo(s, &si) != CKR_SESSION_HANDLE_INVALID) return 22;
    CK_SESSION_HANDLE child_s = 0;
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &child_s) != CKR_OK) {
      return 23;
    }
    if (f->C_GetSessionInfo(child_s, &si) != CKR_OK) return 24;
    if (si.state != CKS_RO_PUBLIC_SESSION) return 25;  // the parent's login is not inherited
    if (f->C_Finalize(nullptr) != CKR_OK) return 26;
    return 0;
  });
  EXPECT_EQ(code, 0) << "child step failed: see the codes in the test body";
  // The parent is untouched.
  CK_SESSION_INFO si = SessionInfo(s);
  EXPECT_EQ(si.state, CKS_RW_USER_FUNCTIONS);
  CK_BYTE buf[8];
  EXPECT_CKR_OK(f_->C_GenerateRandom(s, buf, sizeof buf));
}

}  // namespace
}  // namespace conformance
