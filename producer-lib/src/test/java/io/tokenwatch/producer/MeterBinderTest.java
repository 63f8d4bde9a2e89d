package io.tokenwatch.producer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class MeterBinderTest {

    @Test
    void countersAppearInMicrometerByResult() throws Exception {
        try (TokenwatchClient client = TokenwatchClient.builder().bootstrapServers("127.0.0.1:9").schemaRegistryUrl("mock://meters")
                .spillDirectory(Files.createTempDirectory("tw-spill")).lenient(true).closeTimeout(Duration.ofMillis(200)).build()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new TokenwatchMeterBinder(client).bindTo(registry);
            client.recordCall(CallReport.of("review", "gpt-5", TokenUsage.of(-5, 1)));
            client.recordCall(CallReport.of("review", "some-private-model", TokenUsage.of(5, 1)));
            assertThat(registry.get("tokenwatch.producer.events").tag("result", "invalid").functionCounter().count()).isEqualTo(1.0);
            assertThat(registry.get("tokenwatch.producer.events").tag("result", "unpriced").functionCounter().count()).isEqualTo(1.0);
            assertThat(registry.find("tokenwatch.producer.events").functionCounters()).hasSize(8);
            assertThat(registry.get("tokenwatch.producer.events").tag("result", "unencodable").functionCounter().count()).isZero();
        }
    }
}
