#include "common/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace p11 {
namespace {

TEST(ConfigTest, EmptyTextGivesDocumentedDefaults) {
  Result<Config> c = Config::Parse("");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->pin_max_failures, 10u);
  EXPECT_EQ(c->pin_min_length, 4u);
  EXPECT_EQ(c->pin_max_length, 255u);
  EXPECT_NE(c->store_path.find("arca/tokens.sqlite"), std::string::npos);
}

TEST(ConfigTest, ReadsEveryKey) {
  Result<Config> c = Config::Parse(
      "[store]\npath = /tmp/x.sqlite\nbusy_timeout_ms = 500\n"
      "[pin]\nmax_failures = 3\nmin_length = 6\nmax_length = 64\nkdf_iterations = 2000\n"
      "[firmware]\nsocket = /tmp/fw.sock\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->store_path, "/tmp/x.sqlite");
  EXPECT_EQ(c->busy_timeout_ms, 500);
  EXPECT_EQ(c->pin_max_failures, 3u);
  EXPECT_EQ(c->pin_min_length, 6u);
  EXPECT_EQ(c->pin_max_length, 64u);
  EXPECT_EQ(c->pin_kdf_iterations, 2000u);
  EXPECT_EQ(c->firmware_socket, "/tmp/fw.sock");
}

TEST(ConfigTest, RejectsUnknownKeysAndBadValues) {
  EXPECT_FALSE(Config::Parse("[pin]\nmax_falures = 3\n").ok());
  EXPECT_FALSE(Config::Parse("[pin]\nmax_failures = -1\n").ok());
  EXPECT_FALSE(Config::Parse("[pin]\nmax_failures = 0\n").ok());
  EXPECT_FALSE(Config::Parse("[pin]\nmax_failures = 3x\n").ok());
  EXPECT_FALSE(Config::Parse("[pin]\nmin_length = 10\nmax_length = 5\n").ok());
  EXPECT_FALSE(Config::Parse("[pin]\nkdf_iterations = 10\n").ok());
  EXPECT_FALSE(Config::Parse("not an ini line\n").ok());
}

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  char dir[] = "/tmp/arca-config-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string conf = std::string(dir) + "/arca.conf";
  FILE* f = std::fopen(conf.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("[store]\npath = /from/file.sqlite\n[pin]\nmax_failures = 4\n", f);
  std::fclose(f);
  setenv("ARCA_CONF", conf.c_str(), 1);
  setenv("ARCA_STORE", "/from/env.sqlite", 1);
  Result<Config> c = Config::Load();
  unsetenv("ARCA_STORE");
  unsetenv("ARCA_CONF");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->store_path, "/from/env.sqlite");
  EXPECT_EQ(c->pin_max_failures, 4u);
  EXPECT_EQ(c->source, conf);
  std::remove(conf.c_str());
  rmdir(dir);
}

TEST(ConfigTest, FirmwareAndUsbKeys) {
  Result<Config> d = Config::Parse("");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->firmware_timeout_ms, 5000u);
  EXPECT_TRUE(d->usb_enabled);
  EXPECT_EQ(d->usb_vid, 0x1209);
  EXPECT_EQ(d->usb_pid, 0xCA5A);
  Result<Config> c = Config::Parse(
      "[firmware]\nsocket = /run/fw.sock\ntimeout_ms = 250\n"
      "[usb]\nenabled = false\nvid = 0x04d8\npid = ABCD\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->firmware_socket, "/run/fw.sock");
  EXPECT_EQ(c->firmware_timeout_ms, 250u);
  EXPECT_FALSE(c->usb_enabled);
  EXPECT_EQ(c->usb_vid, 0x04D8);
  EXPECT_EQ(c->usb_pid, 0xABCD);
  for (const char* bad : {"[usb]\nvid = 12345\n", "[usb]\nvid = xyz\n", "[usb]\nenabled = yes\n",
                          "[firmware]\ntimeout_ms = 5\n", "[usb]\npid = 0x\n"}) {
    EXPECT_FALSE(Config::Parse(bad).ok()) << bad;
  }
}

TEST(ConfigTest, OpensslPrivateContexts) {
  Result<Config> d = Config::Parse("");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->openssl_private_contexts);
  Result<Config> off = Config::Parse("[openssl]\nprivate_contexts = false\n");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->openssl_private_contexts);
  Result<Config> on = Config::Parse("[openssl]\nprivate_contexts = true\n");
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(on->openssl_private_contexts);
  for (const char* bad : {"[openssl]\nprivate_contexts = 1\n", "[openssl]\nprivate_contexts =\n",
                          "[openssl]\ncontexts = false\n"}) {
    EXPECT_FALSE(Config::Parse(bad).ok()) << bad;
  }
}

// The shipped example says it holds every key at its default: it parses, and to the defaults.
TEST(ConfigTest, ExampleFileParsesToTheDefaults) {
  Result<Config> example = Config::LoadFile(ARCA_TEST_DATA_DIR "/../../arca.conf.example");
  Result<Config> defaults = Config::Parse("");
  ASSERT_TRUE(example.ok());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(example->busy_timeout_ms, defaults->busy_timeout_ms);
  EXPECT_EQ(example->pin_max_failures, defaults->pin_max_failures);
  EXPECT_EQ(example->pin_min_length, defaults->pin_min_length);
  EXPECT_EQ(example->pin_max_length, defaults->pin_max_length);
  EXPECT_EQ(example->pin_kdf_iterations, defaults->pin_kdf_iterations);
  EXPECT_EQ(example->firmware_timeout_ms, defaults->firmware_timeout_ms);
  EXPECT_EQ(example->usb_enabled, defaults->usb_enabled);
  EXPECT_EQ(example->usb_vid, defaults->usb_vid);
  EXPECT_EQ(example->usb_pid, defaults->usb_pid);
  EXPECT_EQ(example->openssl_private_contexts, defaults->openssl_private_contexts);
}

TEST(ConfigTest, MissingExplicitFileIsAnError) {
  setenv("ARCA_CONF", "/nonexistent/arca.conf", 1);
  Result<Config> c = Config::Load();
  unsetenv("ARCA_CONF");
  EXPECT_FALSE(c.ok());
}

}  // namespace
}  // namespace p11
