// ObjectCache: a token's objects in memory, ObjectId → immutable Object, with hash indexes on
// CKA_LABEL and CKA_ID so a find by label or id among 100,000 objects touches only the
// objects that carry that value. Not thread-safe: the owning SoftToken locks around it.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "token/object.h"
#include "token/token_backend.h"

namespace p11::soft {

class ObjectCache {
 public:
  void Clear();
  // Inserts or replaces object `id`.
  void Put(ObjectId id, std::shared_ptr<const Object> object);
  void Erase(ObjectId id);
  std::shared_ptr<const Object> Get(ObjectId id) const;
  // The cache's own pointer to the object, without taking a reference (null when absent):
  // valid while the cache is not changed, so for a caller under its owner's lock, which
  // copies it only to keep the object beyond that.
  const std::shared_ptr<const Object>* Peek(ObjectId id) const;
  size_t size() const { return objects_.size(); }

  // The ids that may match `match`: through an index when it names a non-empty CKA_LABEL or
  // CKA_ID (the smaller candidate set), otherwise every id. The caller still checks each candidate.
  std::vector<ObjectId> Candidates(std::span<const TemplateAttr> match) const;

 private:
  using Index = std::unordered_map<std::string, std::unordered_set<ObjectId>>;

  static std::string Key(const Object& object, CK_ATTRIBUTE_TYPE type);
  static bool Indexed(const Object& object, CK_ATTRIBUTE_TYPE type);
  void Unindex(ObjectId id, const Object& object);
  const std::unordered_set<ObjectId>* Lookup(const Index& index, ByteView value) const;

  std::unordered_map<ObjectId, std::shared_ptr<const Object>> objects_;
  Index by_label_;
  Index by_id_;
};

}  // namespace p11::soft
