// SocketLink: the Link to the firmware emulator (arca-fw-emu), an AF_UNIX SOCK_SEQPACKET
// socket where one record is one link packet, exactly as a USB bulk packet would be. No
// zero-length record is ever sent: on SEQPACKET it would read as end-of-file, and record
// boundaries already end a transfer. The socket is non-blocking underneath so that a device
// that stops reading cannot hang a Write past its timeout.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/result.h"
#include "transport/link.h"

namespace p11::transport {

// Connects to the emulator listening at `path`. No one listening there (no socket file,
// connection refused) is CKR_DEVICE_REMOVED; a path longer than sun_path allows is
// CKR_ARGUMENTS_BAD; anything else CKR_DEVICE_ERROR.
Result<std::unique_ptr<Link>> ConnectSocket(const std::string& path, size_t packet_size = 512);

// Wraps a connected SOCK_SEQPACKET socket (one end of a socketpair, an accepted connection)
// and takes ownership of `fd`, which is closed even on failure. `description` is what
// Describe() returns.
Result<std::unique_ptr<Link>> AdoptSocket(int fd, size_t packet_size, std::string description);

}  // namespace p11::transport
