// librdkafka (Debian's librdkafka-dev) and its built-in Kafka-protocol cluster.
// The mock header must come after rdkafka.h.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
