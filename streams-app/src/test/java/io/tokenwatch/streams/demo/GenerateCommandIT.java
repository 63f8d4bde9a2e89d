package io.tokenwatch.streams.demo;

import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.runtime.kafka.TopicSetup;
import io.tokenwatch.streams.cli.TokenwatchCli;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code generate} against a cluster it did not start: history once into an empty topic, then live traffic. */
class GenerateCommandIT {
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.onFreePorts().start();
    }

    @AfterAll
    static void stop() {
        broker.close();
        MockSchemaRegistry.dropScope("generate-it");
    }

    private static int generate(String history, String duration) {
        return TokenwatchCli.commandLine().execute("generate", "--history", history, "--duration", duration, "--incidents", "none",
                "--set", "bootstrap.servers=" + broker.bootstrapServers(), "--set", "schema.registry.url=mock://generate-it",
                "--set", "tokenwatch.topics.partitions=1");
    }

    private static long records(String topic) throws Exception {
        try (Admin admin = broker.admin()) {
            return TopicSetup.endOffsetSum(admin, topic, IsolationLevel.READ_UNCOMMITTED);
        }
    }

    @Test
    void backfillsHistoryOnlyIntoAnEmptyTopicThenWritesLiveTraffic() throws Exception {
        assertThat(generate("2h", "3s")).isZero();
        long afterFirst = records("llm.calls.v1");
        // The workload makes a few hundred calls an hour across its six services.
        assertThat(afterFirst).isGreaterThan(100);
        assertThat(records("llm.outcomes.v1")).isGreaterThan(50);

        assertThat(generate("2h", "3s")).isZero();
        long second = records("llm.calls.v1") - afterFirst;
        assertThat(second).as("second run: live traffic only, no second backfill").isLessThan(afterFirst / 10);
    }
}
