#include "tidemark/consumer/topic_verifier.h"

#include <optional>
#include <string_view>
#include <utility>

#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::consumer {

namespace {

// Feeds each record's sequence headers to the verifier; the value is never looked at.
class SequenceSink final : public RecordSink {
 public:
  explicit SequenceSink(SequenceVerifier& verifier) : verifier_(verifier) {}

  core::Status write(const DecodedRecord& record) override {
    const kafka::ConsumedMessage& m = *record.message;
    std::optional<std::string_view> seq;
    std::optional<std::string_view> instance;
    bool delay = false;
    // The last header of a name wins, as librdkafka's header_get_last and Kafka Streams do.
    for (const kafka::ConsumedHeader& h : m.headers) {
      if (h.name == serializers::kSeqHeader) {
        seq = h.value_is_null ? std::optional<std::string_view>() : h.value;
      } else if (h.name == serializers::kInstanceHeader) {
        instance = h.value_is_null ? std::optional<std::string_view>() : h.value;
      } else if (h.name == serializers::kDelayHeader) {
        delay = true;
      }
    }
    verifier_.add_record(seq, instance, delay, m.partition, m.offset);
    return core::Status();
  }

 private:
  SequenceVerifier& verifier_;
};

}  // namespace

struct TopicVerifier::Impl {
  TopicVerifierOptions options;
  // Empty on purpose: no content type finds a serializer, so values are passed through as raw
  // bytes and never decoded (verify needs only the headers).
  serializers::SerializerRegistry no_formats;
  std::unique_ptr<EventConsumer> consumer;
};

TopicVerifier::TopicVerifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TopicVerifier::~TopicVerifier() = default;

core::Result<std::unique_ptr<TopicVerifier>> TopicVerifier::create(const kafka::Config& config,
                                                                   std::string bootstrap,
                                                                   TopicVerifierOptions options) {
  if (options.bounded.mode == BoundedMode::kUnbounded) {
    return core::invalid_argument(
        "verify needs an end to report on: --bounded-mode unbounded never ends (the default, "
        "latest-offset, checks what the topic holds now)");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  ConsumeOptions o;
  o.topic = impl->options.topic;
  o.group = impl->options.group;
  o.startup = impl->options.startup;
  o.bounded = impl->options.bounded;
  o.decode.registry = &impl->no_formats;
  o.on_decode_error = DecodeErrorPolicy::kSkip;
  o.query_timeout_ms = impl->options.query_timeout_ms;
  core::Result<std::unique_ptr<EventConsumer>> c =
      EventConsumer::create(config, std::move(bootstrap), std::move(o));
  if (!c.ok()) return c.status();
  impl->consumer = std::move(*c);
  return std::unique_ptr<TopicVerifier>(new TopicVerifier(std::move(impl)));
}

core::Result<ConsumePlan> TopicVerifier::plan() { return impl_->consumer->plan(); }

core::Status TopicVerifier::run(const ConsumePlan& plan, const std::atomic<bool>* stop,
                                TopicVerification& out) {
  SequenceVerifier verifier(impl_->options.sequence);
  SequenceSink sink(verifier);
  out = TopicVerification{};
  core::Status st = impl_->consumer->run(&plan, sink, stop, out.stats);
  out.report = verifier.report();
  return st;
}

void TopicVerifier::interrupt() noexcept { impl_->consumer->interrupt(); }

}  // namespace tidemark::consumer
