// Shared helpers of the symmetric-mechanism tests: the known-answer file reader for
// tests/data/sym/*.txt and drivers for the PKCS#11 length protocol.
//
// File format: records separated by blank lines, `Name = value` lines, `#` comments. A value
// is hex digits, "ascii text", or `hex * count` (those bytes repeated count times).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/out_buffer.h"
#include "mechanisms/mechanism.h"

namespace p11::symtest {

using Bytes = std::vector<uint8_t>;
using Record = std::map<std::string, std::string>;

inline std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

inline Bytes Hex(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  EXPECT_EQ(hex.size() % 2, 0u) << hex;
  return out;
}

inline Bytes Value(const std::string& text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return Bytes(text.begin() + 1, text.end() - 1);
  }
  size_t star = text.find('*');
  if (star == std::string::npos) return Hex(text);
  Bytes unit = Hex(Trim(text.substr(0, star)));
  size_t count = std::stoul(Trim(text.substr(star + 1)));
  Bytes out;
  out.reserve(unit.size() * count);
  for (size_t i = 0; i < count; ++i) out.insert(out.end(), unit.begin(), unit.end());
  return out;
}

inline Bytes Field(const Record& r, const std::string& name) {
  auto it = r.find(name);
  EXPECT_NE(it, r.end()) << "missing " << name;
  return it == r.end() ? Bytes() : Value(it->second);
}

// Reads tests/data/sym/<name>; fails the test when the file is missing or empty.
inline std::vector<Record> ReadRecords(const std::string& name) {
  std::ifstream in(std::string(ARCA_TEST_DATA_DIR) + "/sym/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::vector<Record> records;
  Record current;
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (!line.empty() && line[0] == '#') continue;
    if (line.empty()) {
      if (!current.empty()) records.push_back(std::move(current));
      current.clear();
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) {
      ADD_FAILURE() << "bad line: " << line;
      continue;
    }
    current[Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
  }
  if (!current.empty()) records.push_back(std::move(current));
  EXPECT_FALSE(records.empty()) << name;
  return records;
}

inline KeyMaterial SecretKey(CK_KEY_TYPE type, const Bytes& value) {
  KeyMaterial key;
  key.object_class = CKO_SECRET_KEY;
  key.key_type = type;
  key.secret = SecureBuffer(ByteView(value));
  key.size = value.size();
  return key;
}

// Drives one call through the two-call protocol as an application does: a NULL-buffer query
// (which must succeed with the length and keep the operation), then a buffer of that size.
// The reported length may be an upper bound; the result is trimmed to what was written.
template <class Call>
Result<Bytes> QueryThenCall(Call&& call) {
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  Result<void> r = call(query);
  if (!r.ok() && r.error().rv != CKR_OK) return r.error();
  EXPECT_FALSE(r.ok()) << "a length query must be reported as a kept operation";
  Bytes out(len + 1);  // never a NULL data() pointer, even for zero bytes
  CK_ULONG cap = len;
  OutBuffer buffer(out.data(), &cap);
  P11_TRY(call(buffer));
  EXPECT_LE(cap, len);
  out.resize(cap);
  return out;
}

// The call with an exact-size buffer, no query (what callers who know the size do).
template <class Call>
Result<Bytes> CallWithRoom(size_t room, Call&& call) {
  Bytes out(room + 1);
  CK_ULONG cap = room;
  OutBuffer buffer(out.data(), &cap);
  P11_TRY(call(buffer));
  out.resize(cap);
  return out;
}

inline Bytes Concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

inline Bytes AsBytesOf(std::string_view s) { return Bytes(s.begin(), s.end()); }

template <class T>
ByteView ParamBytes(const T& param) {
  return ByteView(reinterpret_cast<const uint8_t*>(&param), sizeof param);
}

template <class T>
std::span<uint8_t> MutableParamBytes(T& param) {
  return std::span<uint8_t>(reinterpret_cast<uint8_t*>(&param), sizeof param);
}

inline Result<std::unique_ptr<CipherOperation>> BeginCipher(const Mechanism& m, bool encrypt,
                                                            ByteView param,
                                                            const KeyMaterial& key) {
  return encrypt ? m.BeginEncrypt(param, key) : m.BeginDecrypt(param, key);
}

// C_Encrypt / C_Decrypt through the two-call protocol.
inline Result<Bytes> CipherOneShot(const Mechanism& m, bool encrypt, ByteView param,
                                   const KeyMaterial& key, const Bytes& in) {
  P11_ASSIGN_OR_RETURN(auto op, BeginCipher(m, encrypt, param, key));
  return QueryThenCall([&](OutBuffer& o) { return op->OneShot(in, o); });
}

// Update at each split (each output length queried first), then Final.
inline Result<Bytes> CipherMultiPart(const Mechanism& m, bool encrypt, ByteView param,
                                     const KeyMaterial& key, const Bytes& in,
                                     std::vector<size_t> splits) {
  P11_ASSIGN_OR_RETURN(auto op, BeginCipher(m, encrypt, param, key));
  Bytes out;
  size_t pos = 0;
  splits.push_back(in.size());
  for (size_t end : splits) {
    end = std::max(pos, std::min(end, in.size()));
    ByteView part = ByteView(in).subspan(pos, end - pos);
    P11_ASSIGN_OR_RETURN(Bytes chunk,
                         QueryThenCall([&](OutBuffer& o) { return op->Update(part, o); }));
    out = Concat(out, chunk);
    pos = end;
  }
  P11_ASSIGN_OR_RETURN(Bytes last, QueryThenCall([&](OutBuffer& o) { return op->Final(o); }));
  return Concat(out, last);
}

// Both directions, single-part and multi-part at several split points, give `ct` / `pt`.
inline void ExpectCipherBothWays(const Mechanism& m, ByteView param, const KeyMaterial& key,
                                 const Bytes& pt, const Bytes& ct) {
  std::vector<std::vector<size_t>> splits = {{}, {0}, {1}, {15, 16}, {16, 17, 33}, {31, 48, 64}};
  for (const auto& s : splits) {
    auto enc = CipherMultiPart(m, true, param, key, pt, s);
    ASSERT_TRUE(enc.ok()) << enc.rv();
    EXPECT_EQ(*enc, ct);
    auto dec = CipherMultiPart(m, false, param, key, ct, s);
    ASSERT_TRUE(dec.ok()) << dec.rv();
    EXPECT_EQ(*dec, pt);
  }
  auto enc = CipherOneShot(m, true, param, key, pt);
  ASSERT_TRUE(enc.ok()) << enc.rv();
  EXPECT_EQ(*enc, ct);
  auto dec = CipherOneShot(m, false, param, key, ct);
  ASSERT_TRUE(dec.ok()) << dec.rv();
  EXPECT_EQ(*dec, pt);
}

}  // namespace p11::symtest
