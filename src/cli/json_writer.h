// A minimal JSON writer for arca-tool --json: objects, arrays, strings, numbers, booleans.
// Enough for flat listings; strings are escaped per RFC 8259 (bytes that are not valid
// UTF-8 are written as \u00XX so the output always parses).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace p11::cli {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Number(unsigned long value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  // The document, with a trailing newline.
  std::string Finish() const { return out_ + "\n"; }

 private:
  void BeforeValue();
  void Escape(std::string_view s);

  std::string out_;
  // One entry per open container: whether it already holds an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace p11::cli
