// evbus serve: every stream of this host over HTTP (REST, SSE, WebSocket,
// Prometheus and a page; docs/serve.md) until SIGINT/SIGTERM.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "tools/evbus/cli.h"
#include "tools/evbus/stop_signal.h"
#include "tools/serve/server.h"

namespace evbus::cli {
namespace {

Status ParseListen(const std::string& text, serve::ServeOptions* options) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::InvalidArgument("--listen expects HOST:PORT such as 127.0.0.1:8787, got \"" +
                                   text + "\"");
  }
  auto port = ParseInt(text.substr(colon + 1), "--listen");
  if (!port.ok() || *port < 0 || *port > 65535) {
    return Status::InvalidArgument(
        "--listen: the port must be 0 to 65535 (0: any free port), "
        "got \"" +
        text.substr(colon + 1) + "\"");
  }
  options->host = text.substr(0, colon);
  options->port = static_cast<std::uint16_t>(*port);
  return Status::OK();
}

Result<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("--token-file " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.size() < 16) {
    return Status::InvalidArgument("--token-file " + path +
                                   " holds a token of fewer than 16 characters; put a long "
                                   "random one there (e.g. openssl rand -hex 32)");
  }
  return token;
}

}  // namespace

int CmdServe(const std::vector<std::string>& argv) {
  FlagSpec spec{{"--listen", "--root", "--token-file"}, {"--read-only"}, {}};
  auto args = Args::Parse(argv, spec, 0, 0);
  if (!args.ok()) return UsageError("serve", args.status().message());
  serve::ServeOptions options;
  if (auto listen = args->Get("--listen")) {
    if (Status s = ParseListen(*listen, &options); !s.ok()) return UsageError("serve", s.message());
  }
  options.root = args->GetOr("--root", "");
  options.read_only = args->Has("--read-only");
  if (auto file = args->Get("--token-file")) {
    auto token = ReadToken(*file);
    if (!token.ok()) return Fail("serve", token.status());
    options.token = *token;
  }
  auto server = serve::Server::Listen(options);
  if (!server.ok()) return Fail("serve", server.status());
  std::printf("evbus serve: listening on http://%s:%u/\n", options.host.c_str(),
              static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);
  InstallStopHandlers();
  (*server)->Run([] { return StopRequested(); });
  return kExitOk;
}

}  // namespace evbus::cli
