#include "token/soft/object_cache.h"

namespace p11::soft {
namespace {

const std::unordered_set<ObjectId> kNone;

}  // namespace

std::string ObjectCache::Key(const Object& object, CK_ATTRIBUTE_TYPE type) {
  ByteView value = object.GetBytes(type);
  return std::string(reinterpret_cast<const char*>(value.data()), value.size());
}

// Empty labels and ids are the defaults most keys keep; indexing them would put nearly every
// object into one set, which costs each new object an insert and narrows no search.
bool ObjectCache::Indexed(const Object& object, CK_ATTRIBUTE_TYPE type) {
  return !object.GetBytes(type).empty();
}

void ObjectCache::Clear() {
  objects_.clear();
  by_label_.clear();
  by_id_.clear();
}

void ObjectCache::Unindex(ObjectId id, const Object& object) {
  for (auto [index, type] : {std::pair{&by_label_, CKA_LABEL}, std::pair{&by_id_, CKA_ID}}) {
    if (!Indexed(object, type)) continue;
    auto it = index->find(Key(object, type));
    if (it == index->end()) continue;
    it->second.erase(id);
    if (it->second.empty()) index->erase(it);
  }
}

void ObjectCache::Put(ObjectId id, std::shared_ptr<const Object> object) {
  // One lookup whether the id is new (the common case) or replaced; the object is in place
  // before the indexes name it.
  auto [at, inserted] = objects_.try_emplace(id, object);
  if (!inserted) {
    Unindex(id, *at->second);
    at->second = object;
  }
  if (Indexed(*object, CKA_LABEL)) by_label_[Key(*object, CKA_LABEL)].insert(id);
  if (Indexed(*object, CKA_ID)) by_id_[Key(*object, CKA_ID)].insert(id);
}

void ObjectCache::Erase(ObjectId id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return;
  Unindex(id, *it->second);
  objects_.erase(it);
}

std::shared_ptr<const Object> ObjectCache::Get(ObjectId id) const {
  const std::shared_ptr<const Object>* object = Peek(id);
  return object != nullptr ? *object : nullptr;
}

const std::shared_ptr<const Object>* ObjectCache::Peek(ObjectId id) const {
  auto it = objects_.find(id);
  return it == objects_.end() ? nullptr : &it->second;
}

const std::unordered_set<ObjectId>* ObjectCache::Lookup(const Index& index, ByteView value) const {
  auto it = index.find(std::string(reinterpret_cast<const char*>(value.data()), value.size()));
  return it == index.end() ? &kNone : &it->second;
}

std::vector<ObjectId> ObjectCache::Candidates(std::span<const TemplateAttr> match) const {
  const std::unordered_set<ObjectId>* best = nullptr;
  for (const TemplateAttr& attr : match) {
    const std::unordered_set<ObjectId>* set = nullptr;
    if (attr.value.empty()) continue;  // empty labels and ids are not indexed
    if (attr.type == CKA_LABEL) set = Lookup(by_label_, attr.value);
    if (attr.type == CKA_ID) set = Lookup(by_id_, attr.value);
    if (set != nullptr && (best == nullptr || set->size() < best->size())) best = set;
  }
  std::vector<ObjectId> out;
  if (best != nullptr) {
    out.assign(best->begin(), best->end());
  } else {
    out.reserve(objects_.size());
    for (const auto& [id, object] : objects_) out.push_back(id);
  }
  return out;
}

}  // namespace p11::soft
