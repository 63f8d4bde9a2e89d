package io.tokenwatch.streams.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.serde.GenericAvroSerde;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tokenwatch.streams.topology.TopologyHarness.START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/WAREHOUSE.md cannot drift from the data: records of every output topic, decoded with a
 * generic Avro reader through the registry (as a sink's AvroConverter would), must have exactly the
 * documented columns and types.
 */
class WarehouseColumnsTest {

    @Test
    void everyOutputTopicHasExactlyTheDocumentedColumns() throws Exception {
        String doc = Files.readString(Path.of("../docs/WAREHOUSE.md"));
        try (TopologyHarness h = new TopologyHarness()) {
            var rawJoined = h.driver.createOutputTopic(h.config.joinedTopic, new StringDeserializer(), new ByteArrayDeserializer());
            var rawStats = h.driver.createOutputTopic(h.config.statsTopic, new StringDeserializer(), new ByteArrayDeserializer());
            var rawSessions = h.driver.createOutputTopic(h.config.sessionsTopic, new StringDeserializer(), new ByteArrayDeserializer());
            var rawAlerts = h.driver.createOutputTopic(h.config.alertsTopic, new StringDeserializer(), new ByteArrayDeserializer());
            h.history("code-review", START, START.plus(Duration.ofDays(7)), 30, b -> b.setSessionId("s-" + b.getTimestamp().getEpochSecond() / 3_600),
                    i -> i % 2 == 0 ? Outcome.ACCEPTED : null);
            for (int i = 0; i < 25; i++) {
                h.send(h.call("code-review", START.plus(Duration.ofDays(7)).plusSeconds(60L * i)).setInputTokens(30_000).build());
            }
            GenericAvroSerde generic = new GenericAvroSerde();
            generic.configure(h.config.kafkaProperties(), false);
            Map<String, List<byte[]>> topics = Map.of(
                    "JoinedCall", values(rawJoined.readValuesToList()), "GroupWindowStats", values(rawStats.readValuesToList()),
                    "SessionSummary", values(rawSessions.readValuesToList()), "AnomalyAlert", values(rawAlerts.readValuesToList()));
            topics.forEach((record, values) -> {
                assertThat(values).as(record + " records produced").isNotEmpty();
                GenericRecord sample = generic.deserializer().deserialize("any", values.get(values.size() - 1));
                assertThat(sample.getSchema().getName()).isEqualTo(record);
                assertThat(WarehouseDoc.columns(doc, record)).as("docs/WAREHOUSE.md, " + record)
                        .containsExactlyEntriesOf(WarehouseDoc.columnsOf(sample.getSchema()));
            });
        }
    }

    /** The Kafka Connect sink configs in docker/connect read real output topics the documented way. */
    @Test
    void sinkConnectorConfigsMatchTheTopicsAndTheDocumentedColumns() throws Exception {
        String doc = Files.readString(Path.of("../docs/WAREHOUSE.md"));
        TokenwatchConfig defaults = TokenwatchConfig.of(Map.of("bootstrap.servers", "kafka:9092", "schema.registry.url", "mock://docs"));
        Map<String, String> recordOfTopic = Map.of(defaults.joinedTopic, "JoinedCall", defaults.statsTopic, "GroupWindowStats",
                defaults.sessionsTopic, "SessionSummary", defaults.alertsTopic, "AnomalyAlert");
        List<Path> configs;
        try (var files = Files.list(Path.of("../docker/connect"))) {
            configs = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(configs).extracting(f -> f.getFileName().toString()).contains("jdbc-task-stats-sink.json", "s3-joined-calls-sink.json");
        for (Path file : configs) {
            JsonNode config = new ObjectMapper().readTree(file.toFile()).get("config");
            assertThat(config.get("value.converter").asText()).as(file + " value converter").isEqualTo("io.confluent.connect.avro.AvroConverter");
            assertThat(config.get("value.converter.schema.registry.url").asText()).as(file + " registry").startsWith("http");
            assertThat(config.get("key.converter").asText()).as(file + " keys are strings").isEqualTo("org.apache.kafka.connect.storage.StringConverter");
            for (String topic : config.get("topics").asText().split(",")) {
                assertThat(recordOfTopic).as(file + " reads an output topic").containsKey(topic);
                if ("upsert".equals(config.path("insert.mode").asText())) {
                    assertThat(WarehouseDoc.columns(doc, recordOfTopic.get(topic)).keySet()).as(file + " primary key columns")
                            .contains(config.get("pk.fields").asText().split(","));
                }
            }
        }
    }

    private static List<byte[]> values(List<byte[]> values) {
        return values.stream().filter(v -> v != null).toList();
    }
}
