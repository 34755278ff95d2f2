#include "app/server.h"
#include "push/http_client.h"
#include "util/log.h"

namespace accesslog {

bool Server::ApplyRemoteWrite(const RemoteWriteOptions& options, std::string* error) {
  if (pusher_ && pusher_->options() == options) return true;
  if (!pusher_ && !options.enabled()) return true;
  const bool restart = pusher_ != nullptr;
  // What the running pusher had not sent yet is still worth sending: the next one takes it.
  SendQueue left(0);
  if (pusher_) {
    left = pusher_->Stop(Pusher::kAbort);
    pusher_.reset();
  }
  if (!options.enabled()) {
    push_stats_->samples[kPushDropped].fetch_add(left.Clear(), std::memory_order_relaxed);
    push_stats_->queue_samples.store(0, std::memory_order_relaxed);
    push_stats_->configured.store(false);
    LogInfo("remote write stopped (no remote_write.url any more)");
    return true;
  }
  auto pusher = std::make_unique<Pusher>(
      options, ExternalLabels(options, DefaultInstance(port_)),
      [this](ExpositionExtras* extras) {
        // As a scrape: what the logs hold by now, then every collector.
        CatchUpTailing();
        return CollectAll(Collectables(), extras);
      },
      push_stats_);
  pusher->Adopt(std::move(left));
  if (!pusher->Start(error)) return false;
  pusher_ = std::move(pusher);
  if (restart) LogInfo("reloaded the configuration", {{"changed", "remote_write"}});
  return true;
}

bool Server::CheckRemoteWrite(const RemoteWriteOptions& options, std::string* error) const {
  if (!options.enabled() || (pusher_ && pusher_->options() == options)) return true;
  // The client a new pusher would make (its TLS context, certificates and keys), made and
  // dropped: nothing is connected or sent.
  return RemoteWriteClient::Make(options, error) != nullptr;
}

void Server::StopPushing() {
  if (!pusher_) return;
  pusher_->Stop(Pusher::kFlush);
  pusher_.reset();
}

}  // namespace accesslog
