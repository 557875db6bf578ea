// `tidemark broker`: the embedded broker (librdkafka's mock cluster) as a standalone process on
// the lab's usual localhost:9092, until Ctrl-C or SIGTERM (DESIGN.md, "The embedded broker").
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli_common.h"
#include "tidemark/kafka/bootstrap_forwarder.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/versions.h"

namespace tidemark::cli {

namespace {

struct BrokerFlags {
  int port = 9092;
  std::string listen = "127.0.0.1";
  int brokers = 1;
  int partitions = 1;
  bool partitions_given = false;
  bool listen_given = false;
  std::vector<std::string> topics;
};

// "NAME" or "NAME:PARTITIONS" (Kafka topic names cannot contain ':').
core::Result<kafka::EmbeddedTopic> parse_topic_spec(const std::string& spec, int default_partitions,
                                                    bool* used_default) {
  const std::string context = "--topic '" + spec + "'";
  const std::size_t colon = spec.find(':');
  kafka::EmbeddedTopic topic{spec.substr(0, colon), default_partitions};
  *used_default = colon == std::string::npos;
  if (colon != std::string::npos) {
    const std::string count = spec.substr(colon + 1);
    int value = 0;
    const auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), value);
    if (count.empty() || ec != std::errc() || ptr != count.data() + count.size()) {
      return core::invalid_argument(context + ": the partition count '" + count +
                                    "' is not a whole number (use NAME or NAME:PARTITIONS, e.g. "
                                    "--topic test-topic:3)");
    }
    if (value < 1 || value > kafka::EmbeddedBroker::kMaxPartitions) {
      return core::invalid_argument(context + ": the partition count must be 1.." +
                                    std::to_string(kafka::EmbeddedBroker::kMaxPartitions));
    }
    topic.partitions = value;
  }
  if (core::Status st = kafka::validate_topic_name(topic.name); !st.ok()) {
    return st.with_context(context);
  }
  return topic;
}

// The address clients should put in bootstrap.servers.
std::string client_bootstrap(const kafka::BootstrapForwarder& f) {
  const std::string& a = f.listen_address();
  if (a == "127.0.0.1" || a == "0.0.0.0" || a == "::") {
    return "localhost:" + std::to_string(f.port());
  }
  return f.listen_endpoint();
}

void print_usage_hints(const std::string& bootstrap, const kafka::EmbeddedBroker& broker,
                       const std::vector<kafka::EmbeddedTopic>& topics) {
  const std::string example_topic = topics.empty() ? "test-topic" : topics.front().name;
  std::cout << "Embedded Kafka broker running (librdkafka " << kafka::librdkafka_version()
            << " mock cluster, " << broker.broker_count()
            << (broker.broker_count() == 1 ? " broker" : " brokers") << ").\n\n";
  std::cout << "  bootstrap:  " << bootstrap << "\n";
  std::cout << "  brokers:    ";
  const std::vector<std::string> addresses = broker.broker_addresses();
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    if (i > 0) std::cout << ", ";
    std::cout << addresses[i] << " (id " << i + 1 << ")";
  }
  std::cout << "\n              clients connect there directly after bootstrapping\n";
  std::cout << "  topics:     ";
  for (std::size_t i = 0; i < topics.size(); ++i) {
    if (i > 0) std::cout << ", ";
    std::cout << topics[i].name << " (" << topics[i].partitions
              << (topics[i].partitions == 1 ? " partition)" : " partitions)");
  }
  if (!topics.empty()) std::cout << "\n              ";
  std::cout << (topics.empty() ? "" : "other ") << "topics are created on first use with "
            << kafka::EmbeddedBroker::kAutoCreatePartitions << " partitions\n\n";
  std::cout << "Use it:\n"
            << "  kcat -b " << bootstrap << " -L\n"
            << "  echo '{\"test_data\": 1, \"event_timestamp\": 1732345678901}' | kcat -b "
            << bootstrap << " -t " << example_topic << " -P\n"
            << "  kcat -b " << bootstrap << " -t " << example_topic << " -C -e\n"
            << "  Python:    KafkaProducer(bootstrap_servers='" << bootstrap << "')\n"
            << "  tidemark:  tidemark <command> -b " << bootstrap << "\n\n"
            << "Press Ctrl-C to stop (exit code 130; SIGTERM exits 0).\n"
            << std::flush;  // stdout may be a pipe: show it now, not at exit
}

int run_broker(const BrokerFlags& flags) {
  std::vector<kafka::EmbeddedTopic> topics;
  std::set<std::string> names;
  bool partitions_used = false;
  for (const std::string& spec : flags.topics) {
    bool used_default = false;
    core::Result<kafka::EmbeddedTopic> topic =
        parse_topic_spec(spec, flags.partitions, &used_default);
    if (!topic.ok()) return report_error(topic.status());
    if (!names.insert(topic->name).second) {
      return report_error(core::invalid_argument("--topic '" + topic->name + "' is given twice"));
    }
    partitions_used = partitions_used || used_default;
    topics.push_back(std::move(*topic));
  }
  if (flags.listen.empty()) return report_error(core::invalid_argument("--listen is empty"));
  if (flags.listen_given && flags.port == 0) {
    return report_error(core::invalid_argument(
        "--listen " + core::quoted(flags.listen) +
        ": applies to the bootstrap port, and --port 0 has none (give --port N)"));
  }
  if (flags.partitions_given && !partitions_used) {
    std::cerr << "tidemark: note: --partitions applies to --topic NAME given without a count; "
                 "topics auto-created on first use always get "
              << kafka::EmbeddedBroker::kAutoCreatePartitions
              << " partitions (librdkafka's mock cluster cannot change that)\n";
  }

  // Block the stop signals before any thread exists, so every thread (librdkafka's, the
  // forwarder's) inherits the mask and sigwait() below is the only place they are taken.
  // They stay blocked after the broker stops: a second Ctrl-C during shutdown is ignored.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  kafka::EmbeddedBrokerOptions options;
  options.brokers = flags.brokers;
  options.topics = topics;
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> broker =
      kafka::EmbeddedBroker::start(options);
  if (!broker.ok()) return report_error(broker.status());

  std::vector<std::unique_ptr<kafka::BootstrapForwarder>> forwarders;
  std::string bootstrap = (*broker)->bootstrap();
  if (flags.port != 0) {
    core::Result<kafka::HostPort> first = kafka::parse_host_port((*broker)->broker_addresses()[0]);
    if (!first.ok()) return report_error(first.status().with_context("embedded broker address"));
    kafka::BootstrapForwarderOptions fo;
    fo.listen_address = flags.listen;
    fo.listen_port = static_cast<std::uint16_t>(flags.port);
    fo.target_host = first->host;
    fo.target_port = first->port;
    core::Result<std::unique_ptr<kafka::BootstrapForwarder>> forwarder =
        kafka::BootstrapForwarder::start(fo);
    if (!forwarder.ok()) {
      // A bad --listen value is a usage error naming the flag; a taken port names --port.
      return report_error(forwarder.status().code() == core::StatusCode::kInvalidArgument
                              ? forwarder.status().with_context("--listen")
                              : forwarder.status());
    }
    bootstrap = client_bootstrap(**forwarder);
    if (!(*forwarder)->listening_on_loopback()) {
      std::cerr << "tidemark: warning: listening on " << (*forwarder)->listen_endpoint()
                << ": the embedded broker has no authentication and no TLS; anyone who can "
                   "reach this address can read and write every topic. Clients on other hosts "
                   "can bootstrap here but are then sent to 127.0.0.1:<port> from the metadata, "
                   "which they cannot reach.\n";
    }
    forwarders.push_back(std::move(*forwarder));
    // "localhost" resolves to ::1 first on many systems; listen there too so that clients
    // given localhost:PORT do not start with a refused connection.
    if (flags.listen == "127.0.0.1") {
      fo.listen_address = "::1";
      core::Result<std::unique_ptr<kafka::BootstrapForwarder>> v6 =
          kafka::BootstrapForwarder::start(fo);
      if (v6.ok()) {
        forwarders.push_back(std::move(*v6));
      } else if (v6.status().message().find("in use") != std::string::npos) {
        std::cerr << "tidemark: warning: [::1]:" << flags.port
                  << " is taken by another program; clients that resolve localhost to ::1 will "
                     "reach it instead of this broker (use 127.0.0.1:"
                  << flags.port << ")\n";
      }  // else: no IPv6 loopback on this host, nothing to cover
    }
  }

  print_usage_hints(bootstrap, **broker, topics);

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  std::cerr << "tidemark: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
            << ": stopping the broker\n";
  for (auto& f : forwarders) f->stop();
  forwarders.clear();
  broker->reset();
  std::cerr << "tidemark: broker stopped\n";
  return signal_number == SIGINT ? kExitInterrupted : kExitOk;
}

}  // namespace

void install_broker_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<BrokerFlags>();
  auto* cmd = app.add_subcommand(
      "broker",
      "Run an embedded Kafka broker (librdkafka's mock cluster) on localhost:9092 until Ctrl-C");
  cmd->add_option("--port", flags->port,
                  "Bootstrap port on --listen, forwarded to the brokers; 0: no forwarder, use the "
                  "brokers' own addresses")
      ->check(CLI::Range(0, 65535))
      ->default_val(9092);
  cmd->add_option("--listen", flags->listen,
                  "Address for the bootstrap port; anything but loopback is reachable by others "
                  "and has no authentication")
      ->default_val("127.0.0.1");
  cmd->add_option("--brokers", flags->brokers, "Number of brokers in the cluster")
      ->check(CLI::Range(1, kafka::EmbeddedBroker::kMaxBrokers))
      ->default_val(1);
  cmd->add_option("--partitions", flags->partitions,
                  "Partitions of each --topic given without a count")
      ->check(CLI::Range(1, kafka::EmbeddedBroker::kMaxPartitions))
      ->default_val(1);
  cmd->add_option("--topic", flags->topics,
                  "Create a topic at start: NAME or NAME:PARTITIONS (repeatable)")
      ->type_name("NAME[:PARTITIONS]");
  cmd->footer(
      "The broker is librdkafka's mock cluster: everything in memory, no authentication, no "
      "TLS.\n"
      "Each partition keeps at most 5 MiB or 100,000 batches; older batches are dropped and the "
      "low watermark offset moves up.\n"
      "Topics auto-created on first use get 4 partitions (fixed by librdkafka); create others "
      "with --topic NAME:PARTITIONS.\n"
      "The brokers listen on 127.0.0.1 on ports the kernel picks; --port is a bootstrap "
      "forwarder to them, so clients must run on this host.\n"
      "Exit codes: 130 after Ctrl-C (SIGINT), 0 after SIGTERM, 1 if the broker cannot start "
      "(e.g. the port is in use), 2 for bad flags.");
  cmd->callback([&ctx, flags, cmd] {
    flags->partitions_given = cmd->count("--partitions") > 0;
    flags->listen_given = cmd->count("--listen") > 0;
    ctx.exit_code = run_broker(*flags);
  });
}

}  // namespace tidemark::cli
