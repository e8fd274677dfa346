// arca-fw-emu as a user runs it: started in a temporary directory, ready within a second,
// answering frames over its SEQPACKET socket, exiting 0 on SIGTERM without leaving its
// socket, and keeping its keys across a restart. Every wait is bounded.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "protocol/frame.h"
#include "protocol/messages.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;

constexpr int kReadyTimeoutMs = 1000;
constexpr int kReplyTimeoutMs = 10000;  // RSA-free ops; generous for a loaded CI machine

Bytes Text(const std::string& s) { return Bytes(s.begin(), s.end()); }

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/arca-emu-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// One arca-fw-emu process.
class Emulator {
 public:
  ~Emulator() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (err_fd_ >= 0) close(err_fd_);
  }

  // Starts it and waits (bounded) for its ready line; returns the line.
  std::string Start(const fs::path& dir, std::vector<std::string> extra = {}) {
    socket_ = (dir / "emu.sock").string();
    std::vector<std::string> args = {ARCA_FW_EMU, "--socket", socket_, "--flash",
                                     (dir / "flash.bin").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    Clock::time_point start = Clock::now();
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    err_fd_ = fds[0];
    std::string line;
    while (line.find('\n') == std::string::npos) {
      int left =
          kReadyTimeoutMs -
          static_cast<int>(
              std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
      pollfd p{err_fd_, POLLIN, 0};
      if (left <= 0 || poll(&p, 1, left) != 1) break;
      char buf[256];
      ssize_t n = read(err_fd_, buf, sizeof(buf));
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    EXPECT_NE(line.find('\n'), std::string::npos) << "no ready line within 1 s: " << line;
    return line;
  }

  // SIGTERM, then waits (bounded) for the exit; the exit status, or -1 on a timeout.
  int Stop() {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  const std::string& socket_path() const { return socket_; }

 private:
  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::string socket_;
};

// A host end of the link: frames out in packets, frames in through a FrameReceiver.
class Client {
 public:
  Client(const std::string& path, size_t packet_size) : packet_size_(packet_size) {
    fd_ = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { close(fd_); }
  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  // Sends a request; the response's status and payload (bounded wait).
  hsm::Status Raw(uint16_t op, const Bytes& payload, Bytes* out) {
    wire::FrameHeader header;
    header.op = op;
    header.seq = ++seq_;
    Bytes frame(wire::kMaxFrame);
    size_t n = wire::EncodeFrame(header, payload, frame);
    frame.resize(n);
    bool sent = wire::ForEachPacket(frame, packet_size_, false, [&](std::span<const uint8_t> p) {
      return send(fd_, p.data(), p.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(p.size());
    });
    EXPECT_TRUE(sent);
    bool got = false;
    hsm::Status status = hsm::Status::kInternal;
    Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(kReplyTimeoutMs);
    while (!got && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) != 1) continue;
      uint8_t packet[1024];
      ssize_t len = recv(fd_, packet, sizeof(packet), 0);
      if (len <= 0) break;
      EXPECT_LE(static_cast<size_t>(len), packet_size_) << "record over the packet size";
      receiver_.Feed(
          std::span<const uint8_t>(packet, static_cast<size_t>(len)),
          [&](const wire::FrameHeader& h, std::span<const uint8_t> body) {
            EXPECT_EQ(h.seq, seq_);
            EXPECT_EQ(h.op, op);
            EXPECT_EQ(h.flags, wire::kFlagResponse);
            status = static_cast<hsm::Status>(h.status);
            out->assign(body.begin(), body.end());
            got = true;
          },
          [](wire::RxError) { ADD_FAILURE() << "bad frame from the emulator"; });
    }
    EXPECT_TRUE(got) << "no response to op " << op;
    return status;
  }

  template <wire::Op op>
  hsm::Status Call(const typename wire::OpTraits<op>::Request& req,
                   typename wire::OpTraits<op>::Response* rsp, Bytes* keep) {
    Bytes payload(wire::kMaxPayload);
    hsm::Status s;
    payload.resize(wire::EncodeMessage(req, payload, &s));
    hsm::Status status = Raw(static_cast<uint16_t>(op), payload, keep);
    if (status == hsm::Status::kOk) {
      EXPECT_EQ(wire::DecodeMessage(std::span<const uint8_t>(*keep), *rsp), hsm::Status::kOk);
    }
    return status;
  }

  wire::InfoRsp Info(Bytes* keep) {
    wire::InfoRsp info;
    EXPECT_EQ(Call<wire::Op::kGetInfo>(wire::Empty{}, &info, keep), hsm::Status::kOk);
    return info;
  }

  hsm::Status Login(wire::User who, const std::string& pin) {
    Bytes p = Text(pin), keep;
    wire::LoginReq req;
    req.who = who;
    req.pin = std::span<const uint8_t>(p);
    wire::Empty rsp;
    return Call<wire::Op::kLogin>(req, &rsp, &keep);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  size_t packet_size_;
  uint16_t seq_ = 0;
  wire::FrameReceiver receiver_;
};

std::string SerialOf(const std::string& ready_line) {
  size_t at = ready_line.find("(serial ");
  size_t end = ready_line.find(')', at);
  if (at == std::string::npos || end == std::string::npos) return {};
  return ready_line.substr(at + 8, end - at - 8);
}

mode_t ModeOf(const fs::path& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

bool VerifyP256(const Bytes& point, const Bytes& digest, const Bytes& rs) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* from = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(from);
  EVP_PKEY_fromdata(from, &key, EVP_PKEY_PUBLIC_KEY, params);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(rs.data(), 32, nullptr), BN_bin2bn(rs.data() + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  EVP_PKEY_CTX* ctx = key ? EVP_PKEY_CTX_new(key, nullptr) : nullptr;
  bool ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
            EVP_PKEY_verify(ctx, der, der_len, digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(from);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return ok;
}

TEST(Emulator, ReadyWithinASecondAndAnswersGetInfo) {
  TempDir dir;
  Emulator emu;
  std::string line = emu.Start(dir.path());
  EXPECT_EQ(line.rfind("arca-fw-emu: serving " + emu.socket_path() + " (serial ", 0), 0u) << line;
  std::string serial = SerialOf(line);
  EXPECT_EQ(serial.size(), 16u);
  EXPECT_EQ(ModeOf(dir.path() / "flash.bin.key"), 0600u);
  EXPECT_EQ(ModeOf(emu.socket_path()), 0600u);
  Client client(emu.socket_path(), wire::kHighSpeedPacket);
  ASSERT_TRUE(client.connected());
  Bytes keep;
  wire::InfoRsp info = client.Info(&keep);
  EXPECT_EQ(std::string(info.serial.data, info.serial.data + info.serial.size), serial);
  EXPECT_EQ(info.max_payload, wire::kMaxPayload);
  EXPECT_FALSE(info.token_flags & wire::kTokenInitialized);
  EXPECT_EQ(client.Raw(0x7777, {}, &keep), hsm::Status::kUnknownOp);
  EXPECT_EQ(emu.Stop(), 0);
  EXPECT_FALSE(fs::exists(emu.socket_path()));
}

TEST(Emulator, FullSpeedPacketsZeroLengthRecordsAndAGivenSerial) {
  TempDir dir;
  Emulator emu;
  std::string line = emu.Start(dir.path(), {"--packet-size", "64", "--serial", "EMU-TEST-1"});
  EXPECT_EQ(SerialOf(line), "EMU-TEST-1");
  Client client(emu.socket_path(), wire::kFullSpeedPacket);
  ASSERT_TRUE(client.connected());
  // A zero-length record (a host's ZLP) is ignored, not taken for a hang-up.
  ASSERT_EQ(send(client.fd(), "", 0, MSG_NOSIGNAL), 0);
  Bytes keep;
  wire::InfoRsp info = client.Info(&keep);  // ~100 bytes: two 64-byte records
  EXPECT_EQ(std::string(info.serial.data, info.serial.data + info.serial.size), "EMU-TEST-1");
  EXPECT_EQ(emu.Stop(), 0);
}

TEST(Emulator, KeysSurviveARestartAndANewConnectionIsAReset) {
  TempDir dir;
  Bytes point, keep;
  wire::KeyId key = 0;
  std::string serial;
  {
    Emulator emu;
    serial = SerialOf(emu.Start(dir.path()));
    {
      Client client(emu.socket_path(), wire::kHighSpeedPacket);
      ASSERT_TRUE(client.connected());
      Bytes so = Text("emu-so-pin"), user = Text("emu-user-pin"), label = Text("emu");
      wire::InitTokenReq init;
      init.so_pin = std::span<const uint8_t>(so);
      init.label = std::span<const uint8_t>(label);
      wire::Empty empty;
      ASSERT_EQ(client.Call<wire::Op::kInitToken>(init, &empty, &keep), hsm::Status::kOk);
      ASSERT_EQ(client.Login(wire::User::kSo, "emu-so-pin"), hsm::Status::kOk);
      wire::InitPinReq pin;
      pin.pin = std::span<const uint8_t>(user);
      ASSERT_EQ(client.Call<wire::Op::kInitPin>(pin, &empty, &keep), hsm::Status::kOk);
      ASSERT_EQ(client.Call<wire::Op::kLogout>(wire::Empty{}, &empty, &keep), hsm::Status::kOk);
      ASSERT_EQ(client.Login(wire::User::kUser, "emu-user-pin"), hsm::Status::kOk);
      wire::GenerateKeyPairReq gen;
      gen.type = wire::KeyType::kEcP256;
      gen.public_flags = wire::kFlagToken | wire::kFlagVerify;
      gen.private_flags =
          wire::kFlagToken | wire::kFlagPrivate | wire::kFlagSensitive | wire::kFlagSign;
      wire::KeyPairRsp pair;
      ASSERT_EQ(client.Call<wire::Op::kGenerateKeyPair>(gen, &pair, &keep), hsm::Status::kOk);
      key = pair.private_key;
      point.assign(pair.public_value.data, pair.public_value.data + pair.public_value.size);
      EXPECT_TRUE(client.Info(&keep).token_flags & wire::kTokenUserLoggedIn);
    }
    // The next connection is a USB reset: the login is gone, the token is not.
    Client next(emu.socket_path(), wire::kHighSpeedPacket);
    ASSERT_TRUE(next.connected());
    wire::InfoRsp info = next.Info(&keep);
    EXPECT_FALSE(info.token_flags & wire::kTokenUserLoggedIn);
    EXPECT_TRUE(info.token_flags & wire::kTokenInitialized);
    EXPECT_EQ(emu.Stop(), 0);
    EXPECT_FALSE(fs::exists(emu.socket_path()));
  }
  Emulator emu;
  EXPECT_EQ(SerialOf(emu.Start(dir.path())), serial);
  Client client(emu.socket_path(), wire::kHighSpeedPacket);
  ASSERT_TRUE(client.connected());
  wire::InfoRsp info = client.Info(&keep);
  EXPECT_TRUE(info.token_flags & wire::kTokenInitialized);
  EXPECT_FALSE(info.token_flags & wire::kTokenUserLoggedIn);
  ASSERT_EQ(client.Login(wire::User::kUser, "emu-user-pin"), hsm::Status::kOk);
  Bytes digest(32);
  for (size_t i = 0; i < digest.size(); ++i) digest[i] = static_cast<uint8_t>(i * 5);
  wire::SignReq sign;
  sign.key = key;
  sign.alg = wire::SignAlg::kEcdsa;
  sign.data = std::span<const uint8_t>(digest);
  wire::SignatureRsp sig;
  ASSERT_EQ(client.Call<wire::Op::kSign>(sign, &sig, &keep), hsm::Status::kOk);
  Bytes rs(sig.signature.data, sig.signature.data + sig.signature.size);
  ASSERT_EQ(rs.size(), 64u);
  EXPECT_TRUE(VerifyP256(point, digest, rs));
  EXPECT_EQ(emu.Stop(), 0);
}

}  // namespace
