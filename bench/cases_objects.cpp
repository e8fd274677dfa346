// Session and token-object cases: open+close a session, create and destroy token objects
// durably in batches, and look one object up by label among many. OpenSSL has no
// counterpart for any of them.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench_case.h"
#include "loop.h"
#include "module_fixture.h"
#include "module_keys.h"
#include "options.h"

namespace bench {
namespace {

constexpr char kSoftHsmName[] = "SoftHSMv2";

std::string PopulationLabel(size_t index) {
  char label[32];
  std::snprintf(label, sizeof label, "bench-obj-%07zu", index);
  return label;
}

Prepared ModuleOpenClose(Provider& provider) {
  CK_FUNCTION_LIST* fn = provider.fn();
  CK_SLOT_ID slot = provider.slot();
  return {Loop([fn, slot](int) {
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
    CK_RV rv =
        fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session);
    return rv != CKR_OK ? rv : fn->C_CloseSession(session);
  })};
}

struct ChurnState {
  std::unique_ptr<ModuleFixture> fixture;
  std::unique_ptr<Attrs> tmpl;
  size_t batch = 0;
};

CK_RV CreateBatch(ChurnState& s, std::vector<CK_OBJECT_HANDLE>& made) {
  for (size_t i = 0; i < s.batch; ++i) {
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv =
        s.fixture->fn()->C_CreateObject(s.fixture->session(0), s.tmpl->data(), s.tmpl->size(), &h);
    if (rv != CKR_OK) return rv;
    made.push_back(h);
  }
  return CKR_OK;
}

CK_RV DestroyBatch(ChurnState& s, std::vector<CK_OBJECT_HANDLE>& made) {
  CK_RV result = CKR_OK;
  for (CK_OBJECT_HANDLE h : made) {
    CK_RV rv = s.fixture->fn()->C_DestroyObject(s.fixture->session(0), h);
    if (rv != CKR_OK) result = rv;
  }
  made.clear();
  return result;
}

// Times either the creation or the destruction of each batch; the other half runs with the
// timer paused so the token holds the same objects before every batch.
void ChurnBody(ChurnState& s, bool time_create, benchmark::State& state) {
  std::vector<CK_OBJECT_HANDLE> made;
  for (auto _ : state) {
    if (!time_create) state.PauseTiming();
    CK_RV rv = CreateBatch(s, made);
    if (time_create) state.PauseTiming();
    if (!time_create) state.ResumeTiming();
    if (rv == CKR_OK) rv = DestroyBatch(s, made);
    if (time_create) state.ResumeTiming();
    if (rv != CKR_OK) {
      state.SkipWithError(("token object churn failed: CK_RV " + std::to_string(rv)).c_str());
      break;
    }
  }
  DestroyBatch(s, made);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(s.batch));
}

Prepared ModuleChurn(Provider& provider, size_t batch, bool time_create) {
  auto s = std::make_shared<ChurnState>();
  s->fixture = std::make_unique<ModuleFixture>(provider, 1, 0);
  s->tmpl = DataObjectTemplate("bench-churn");
  s->batch = batch;
  return {[s, time_create](benchmark::State& state) { ChurnBody(*s, time_create, state); }, "", s};
}

// Grows the provider's token to `count` labelled data objects (they are never removed).
void Populate(Provider& provider, size_t count) {
  auto start = std::chrono::steady_clock::now();
  const size_t from = provider.population;
  for (size_t i = from; i < count; ++i) {
    auto tmpl = DataObjectTemplate(PopulationLabel(i));
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CheckRv(provider.fn()->C_CreateObject(provider.session(), tmpl->data(), tmpl->size(), &h),
            "C_CreateObject");
    provider.population = i + 1;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (count > from) {
    std::fprintf(stderr, "  %s: created %zu token objects in %.1f s (%.0f/s)\n",
                 provider.name().c_str(), count - from, seconds, (count - from) / seconds);
  }
}

Prepared ModuleFind(Provider& provider, size_t count, const Options& options) {
  if (provider.name() == kSoftHsmName && count > options.softhsm_max_objects) {
    return Prepared::NotApplicable("n/a (capped at " + std::to_string(options.softhsm_max_objects) +
                                   ")");
  }
  Populate(provider, count);
  auto s = std::make_shared<ChurnState>();
  s->fixture = std::make_unique<ModuleFixture>(provider, 1, 0);
  s->tmpl = std::make_unique<Attrs>();
  s->tmpl->Text(CKA_LABEL, PopulationLabel(count / 2));
  return {Loop([s](int) {
            CK_FUNCTION_LIST* fn = s->fixture->fn();
            CK_SESSION_HANDLE session = s->fixture->session(0);
            CK_RV rv = fn->C_FindObjectsInit(session, s->tmpl->data(), s->tmpl->size());
            if (rv != CKR_OK) return rv;
            CK_OBJECT_HANDLE found[2];
            CK_ULONG n = 0;
            rv = fn->C_FindObjects(session, found, 2, &n);
            CK_RV final_rv = fn->C_FindObjectsFinal(session);
            if (rv == CKR_OK && n != 1) rv = CKR_GENERAL_ERROR;  // exactly one must match
            return rv != CKR_OK ? rv : final_rv;
          }),
          "", s};
}

Case ObjectCase(std::string id, std::string title, std::function<Prepared(Provider&)> fn) {
  Case c;
  c.id = std::move(id);
  c.title = std::move(title);
  c.on_module = std::move(fn);
  return c;
}

}  // namespace

std::vector<Case> ObjectCases(const Options& options) {
  std::vector<Case> cases;
  cases.push_back(ObjectCase("session/open-close", "open + close a session", ModuleOpenClose));
  const size_t batch = options.object_batch;
  const std::string per = " (objects/s, batches of " + std::to_string(batch) + ")";
  cases.push_back(ObjectCase("objects/create", "create token data object" + per,
                             [batch](Provider& p) { return ModuleChurn(p, batch, true); }));
  cases.push_back(ObjectCase("objects/destroy", "destroy token data object" + per,
                             [batch](Provider& p) { return ModuleChurn(p, batch, false); }));
  // Largest last: the populations only grow, so each size reuses the previous objects.
  for (size_t count : options.populations) {
    cases.push_back(
        ObjectCase("find/label-" + std::to_string(count),
                   "find 1 by label among " + std::to_string(count) + " objects",
                   [count, &options](Provider& p) { return ModuleFind(p, count, options); }));
  }
  return cases;
}

}  // namespace bench
