package io.tokenwatch.producer;

import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.registry.MockSchemaRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's producer-lib snippet is this code, word for word: it compiles here, runs with no Kafka
 * reachable (its hosts do not resolve in CI) without blocking or throwing, and what it recorded is
 * spilled and then delivered by the next client on the same spill directory once Kafka is there.
 */
class ReadmeSnippetIT {

    private static void readmeSnippet(String responseJson) {
        // README snippet start
        try (TokenwatchClient tokenwatch = TokenwatchClient.builder().bootstrapServers("kafka:9092").schemaRegistryUrl("http://registry:8081")
                .defaults(Attribution.NONE.withTeam("platform").withFeature("pr-bot").withEnvironment("prod")).build()) {
            CallTimer timer = CallTimer.start();                       // ... call the model, timer.retried() on each retry ...
            String callId = tokenwatch.recordCall(CallReport.of("code-review", UsageAdapters.anthropic(responseJson)).timedBy(timer));
            tokenwatch.recordOutcome(callId, Outcome.ACCEPTED, "reviewer", "PR-42");   // later, when the result is judged
        }
        // README snippet end
    }

    @Test
    void theReadmeSnippetIsThisCode() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## producer-lib in five lines"));
        String block = section.substring(section.indexOf("```java\n") + 8, section.indexOf("```\n", section.indexOf("```java\n") + 8));
        String source = Files.readString(Path.of("src/test/java/io/tokenwatch/producer/ReadmeSnippetIT.java"));
        String snippet = source.substring(source.indexOf("// README snippet start\n") + 24, source.indexOf("        // README snippet end"));
        String dedented = snippet.lines().map(line -> line.length() >= 8 ? line.substring(8) : line.strip()).collect(Collectors.joining("\n", "", "\n"));
        assertThat(block).endsWith(dedented);
    }

    @Test
    void itRecordsWithNoKafkaAndTheNextClientDeliversWhatItSpilled() throws Exception {
        String responseJson = new String(ReadmeSnippetIT.class.getResourceAsStream("/responses/anthropic-messages.json").readAllBytes());
        Path tmp = Files.createTempDirectory("tw-readme");
        String realHome = System.getProperty("user.home");
        System.setProperty("user.home", tmp.toString()); // the snippet spills to the default: ~/.tokenwatch/spill
        long start = System.nanoTime();
        try {
            readmeSnippet(responseJson);
        } finally {
            System.setProperty("user.home", realHome);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("recording and closing never wait on Kafka for long").isLessThan(Duration.ofSeconds(15));
        Path spill = tmp.resolve(".tokenwatch").resolve("spill");
        try (Stream<Path> files = Files.list(spill)) {
            assertThat(files.toList()).as("the call and the outcome spilled").isNotEmpty();
        }

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start()) {
            broker.createTopics(1, List.of("llm.calls.v1", "llm.outcomes.v1"));
            try (TokenwatchClient next = TokenwatchClient.builder().bootstrapServers(broker.bootstrapServers()).schemaRegistryUrl("mock://readme")
                    .spillDirectory(spill).replayInterval(Duration.ofMillis(200)).build()) {
                ProducerOutageIT.await("spilled events replayed", () -> next.counts().replayed() == 2);
                assertThat(next.counts().replayed()).as("call and outcome delivered once each").isEqualTo(2);
            }
        } finally {
            MockSchemaRegistry.dropScope("readme");
        }
    }
}
