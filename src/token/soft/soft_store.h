// SoftStore: the SQLite file that holds every software token, and the factory of their
// SoftToken backends. Slot IDs are stored with the tokens, so a token keeps its slot across
// processes and restarts; one blank token (no row yet) always stands ready for C_InitToken.
#pragma once

#include <memory>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "token/token_backend.h"

namespace p11 {

struct SoftSlot {
  CK_SLOT_ID slot_id;
  std::shared_ptr<TokenBackend> token;
};

class SoftStore {
 public:
  virtual ~SoftStore() = default;

  // Opens (creating file, directories and schema on first use, migrating older schemas) the
  // store at config.store_path. `mechanisms` outlives the store.
  static Result<std::unique_ptr<SoftStore>> Open(const Config& config, const Registry& mechanisms);

  // The initialised tokens, re-read from the file (another process may have added or
  // deleted some). A token already returned keeps its backend object across calls.
  virtual Result<std::vector<SoftSlot>> Tokens() = 0;
  // A blank (uninitialised) token with the next free slot ID. Its InitToken creates the
  // token's row; after that the next call returns a new blank token with a new ID.
  virtual Result<SoftSlot> BlankToken() = 0;
  // Removes a token and all its objects (arca-tool delete-token).
  virtual Result<void> DeleteToken(CK_SLOT_ID slot_id) = 0;
};

}  // namespace p11
