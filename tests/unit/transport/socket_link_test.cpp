// SocketLink on real AF_UNIX SEQPACKET sockets: how a frame is cut into records, bounded
// reads and writes, and what a vanished peer looks like.
#include "transport/socket_link.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "protocol/limits.h"

namespace p11::transport {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kShort{50};
constexpr milliseconds kSlack{400};

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// A link on one end of a socketpair; the test plays the device on the other.
struct Pair {
  explicit Pair(size_t packet_size = 512) {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
    auto adopted = AdoptSocket(fds[0], packet_size, "pair");
    EXPECT_TRUE(adopted.ok());
    if (adopted.ok()) link = std::move(*adopted);
    peer = fds[1];
  }
  ~Pair() {
    if (peer >= 0) ::close(peer);
  }
  // Every record waiting at the peer, in order.
  std::vector<std::vector<uint8_t>> Drain() const {
    std::vector<std::vector<uint8_t>> records;
    std::vector<uint8_t> buf(1 << 16);
    for (;;) {
      ssize_t n = ::recv(peer, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) break;
      records.emplace_back(buf.begin(), buf.begin() + n);
    }
    return records;
  }

  std::unique_ptr<Link> link;
  int peer = -1;
};

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> bytes(n);
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(i * 31 + (i >> 8));
  return bytes;
}

TEST(SocketLink, WriteSendsOneRecordPerPacketAndNeverAnEmptyOne) {
  for (size_t packet : {wire::kFullSpeedPacket, wire::kHighSpeedPacket}) {
    for (size_t size : {1, 63, 64, 65, 511, 512, 513, 1024, int(wire::kMaxFrame)}) {
      SCOPED_TRACE("packet " + std::to_string(packet) + " frame " + std::to_string(size));
      Pair pair(packet);
      ASSERT_NE(pair.link, nullptr);
      EXPECT_EQ(pair.link->packet_size(), packet);
      std::vector<uint8_t> frame = Pattern(size);
      ASSERT_EQ(pair.link->Write(frame, milliseconds(1000)), LinkStatus::kOk);
      std::vector<std::vector<uint8_t>> records = pair.Drain();
      ASSERT_EQ(records.size(), (size + packet - 1) / packet);
      std::vector<uint8_t> joined;
      for (const auto& r : records) {
        EXPECT_GT(r.size(), 0u);
        EXPECT_LE(r.size(), packet);
        joined.insert(joined.end(), r.begin(), r.end());
      }
      EXPECT_EQ(joined, frame);
    }
  }
}

TEST(SocketLink, ReadReturnsOneRecordAtATime) {
  Pair pair;
  ASSERT_EQ(::send(pair.peer, "abc", 3, 0), 3);
  ASSERT_EQ(::send(pair.peer, "defgh", 5, 0), 5);
  std::vector<uint8_t> out(512);
  size_t got = 0;
  ASSERT_EQ(pair.link->Read(out, &got, kShort), LinkStatus::kOk);
  EXPECT_EQ(std::string(out.begin(), out.begin() + got), "abc");
  ASSERT_EQ(pair.link->Read(out, &got, kShort), LinkStatus::kOk);
  EXPECT_EQ(std::string(out.begin(), out.begin() + got), "defgh");
}

TEST(SocketLink, ReadWithNothingToReadTimesOutInTime) {
  Pair pair;
  std::vector<uint8_t> out(512);
  size_t got = 99;
  auto start = Clock::now();
  EXPECT_EQ(pair.link->Read(out, &got, kShort), LinkStatus::kTimeout);
  EXPECT_EQ(got, 0u);
  EXPECT_GE(Since(start), kShort - milliseconds(2));
  EXPECT_LT(Since(start), kShort + kSlack);
}

TEST(SocketLink, RecordLargerThanTheBufferIsCutToIt) {
  Pair pair;
  std::vector<uint8_t> big = Pattern(100);
  ASSERT_EQ(::send(pair.peer, big.data(), big.size(), 0), 100);
  std::vector<uint8_t> out(10);
  size_t got = 0;
  EXPECT_EQ(pair.link->Read(out, &got, kShort), LinkStatus::kOk);
  EXPECT_EQ(got, 10u);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), big.begin()));
}

TEST(SocketLink, PeerGoneIsGoneForReadAndWrite) {
  Pair pair;
  ::close(pair.peer);
  pair.peer = -1;
  std::vector<uint8_t> out(512);
  size_t got = 0;
  EXPECT_EQ(pair.link->Read(out, &got, kShort), LinkStatus::kGone);
  // MSG_NOSIGNAL: EPIPE comes back as a status instead of killing the process.
  EXPECT_EQ(pair.link->Write(Pattern(700), kShort), LinkStatus::kGone);
}

TEST(SocketLink, PeerClosingDuringAReadEndsItAsGone) {
  Pair pair;
  std::thread closer([&] {
    std::this_thread::sleep_for(milliseconds(30));
    ::close(pair.peer);
  });
  std::vector<uint8_t> out(512);
  size_t got = 0;
  auto start = Clock::now();
  EXPECT_EQ(pair.link->Read(out, &got, milliseconds(2000)), LinkStatus::kGone);
  EXPECT_LT(Since(start), milliseconds(1000));
  closer.join();
  pair.peer = -1;
}

TEST(SocketLink, WriteToAPeerThatStopsReadingTimesOutInTime) {
  Pair pair;
  std::vector<uint8_t> frame = Pattern(wire::kMaxFrame);
  LinkStatus status = LinkStatus::kOk;
  for (int i = 0; i < 100 && status == LinkStatus::kOk; ++i) {
    auto start = Clock::now();
    status = pair.link->Write(frame, kShort);
    EXPECT_LT(Since(start), kShort + kSlack);
  }
  EXPECT_EQ(status, LinkStatus::kTimeout);
}

TEST(SocketLink, AdoptRefusesWhatIsNotASeqpacketSocket) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  EXPECT_EQ(AdoptSocket(fds[0], 512, "stream").rv(), CKR_ARGUMENTS_BAD);
  ::close(fds[1]);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
  EXPECT_EQ(AdoptSocket(fds[0], 0, "no packet size").rv(), CKR_ARGUMENTS_BAD);
  ::close(fds[1]);
  EXPECT_EQ(AdoptSocket(-1, 512, "none").rv(), CKR_ARGUMENTS_BAD);
}

class SocketPath : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/arca-link-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/emu.sock";
  }
  void TearDown() override {
    if (listener_ >= 0) ::close(listener_);
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  void Bind(bool listen) {
    listener_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    if (listen) {
      ASSERT_EQ(::listen(listener_, 4), 0);
    }
  }

  std::string dir_, path_;
  int listener_ = -1;
};

TEST_F(SocketPath, ConnectsToAListeningEmulator) {
  Bind(/*listen=*/true);
  auto link = ConnectSocket(path_, 64);
  ASSERT_TRUE(link.ok()) << link.rv();
  EXPECT_EQ((*link)->Describe(), "socket:" + path_);
  EXPECT_EQ((*link)->packet_size(), 64u);
  int conn = ::accept(listener_, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  ASSERT_EQ((*link)->Write(Pattern(100), kShort), LinkStatus::kOk);
  uint8_t buf[128];
  EXPECT_EQ(::recv(conn, buf, sizeof buf, 0), 64);
  EXPECT_EQ(::recv(conn, buf, sizeof buf, 0), 36);
  ::close(conn);
}

TEST_F(SocketPath, NobodyThereIsDeviceRemoved) {
  EXPECT_EQ(ConnectSocket(path_).rv(), CKR_DEVICE_REMOVED);  // no socket file
  Bind(/*listen=*/false);
  EXPECT_EQ(ConnectSocket(path_).rv(), CKR_DEVICE_REMOVED);  // a file, nobody listening
}

TEST(SocketLinkConnect, PathTooLongForSunPathIsArgumentsBad) {
  EXPECT_EQ(ConnectSocket("/tmp/" + std::string(200, 'x')).rv(), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(ConnectSocket("").rv(), CKR_ARGUMENTS_BAD);
}

}  // namespace
}  // namespace p11::transport
