package io.tokenwatch.producer;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Invalid input is refused at the call site: no broker is needed (nothing is sent). */
class ValidationTest {

    private static TokenwatchClient client(boolean lenient) throws Exception {
        return TokenwatchClient.builder().bootstrapServers("127.0.0.1:9").schemaRegistryUrl("mock://validation")
                .spillDirectory(Files.createTempDirectory("tw-spill")).lenient(lenient)
                .closeTimeout(java.time.Duration.ofMillis(200)).build();
    }

    @Test
    void strictClientThrowsAClearExceptionAndCountsIt() throws Exception {
        try (TokenwatchClient client = client(false)) {
            assertThatThrownBy(() -> client.recordCall(CallReport.of("review", "gpt-5", TokenUsage.of(-1, 10))))
                    .isInstanceOf(InvalidEventException.class).hasMessageContaining("must not be negative");
            assertThatThrownBy(() -> client.recordCall(CallReport.of(null, "gpt-5", TokenUsage.of(1, 10))))
                    .isInstanceOf(InvalidEventException.class).hasMessageContaining("task is missing");
            assertThatThrownBy(() -> client.recordCall(CallReport.of("review", "gpt-5", new TokenUsage(10, 5, 8, 8, 0, 0))))
                    .isInstanceOf(InvalidEventException.class).hasMessageContaining("exceed input tokens");
            assertThatThrownBy(() -> client.recordCall(CallReport.of("review", "gpt-5", TokenUsage.of(1, 1)).callId(" ")))
                    .isInstanceOf(InvalidEventException.class).hasMessageContaining("call id is empty");
            assertThatThrownBy(() -> client.recordOutcome(null, io.tokenwatch.events.v1.Outcome.ACCEPTED, "ci", null))
                    .isInstanceOf(InvalidEventException.class);
            assertThat(client.counts().invalid()).isEqualTo(5);
        }
    }

    @Test
    void lenientClientCountsAndDropsWithoutThrowing() throws Exception {
        try (TokenwatchClient client = client(true)) {
            client.recordCall(CallReport.of("review", "gpt-5", new TokenUsage(10, 5, 0, 0, 0, 9)));
            assertThat(client.counts().invalid()).isEqualTo(1);
            assertThat(client.counts().sent() + client.counts().spilled()).isZero();
        }
    }
}
