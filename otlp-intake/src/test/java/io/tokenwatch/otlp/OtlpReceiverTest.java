package io.tokenwatch.otlp;

import io.tokenwatch.producer.TokenwatchClient;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class OtlpReceiverTest {

    private static byte[] recorded(String name) throws Exception {
        try (InputStream in = OtlpReceiverTest.class.getResourceAsStream("/otlp/recorded/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void whileWhatItTakesWouldBeLostTheReceiverAnswers503InsteadOf200() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort(); // nothing listens there once the socket is closed
        }
        byte[] export = recorded("openllmetry-js-0.27.0-openai-chat.pb");
        try (TokenwatchClient client = TokenwatchClient.builder().bootstrapServers("127.0.0.1:" + closedPort).schemaRegistryUrl("mock://otlp-503")
                .spillDirectory(null).producerProperty("max.block.ms", 300).replayInterval(Duration.ofSeconds(30))
                .closeTimeout(Duration.ofMillis(200)).build()) {
            OtlpReceiver receiver = new OtlpReceiver(client, GenAiMapping.defaultMapping(), 1 << 20, Optional.empty());
            OtlpReceiver.Response first = receiver.handle(new OtlpReceiver.Request(OtlpReceiver.PROTOBUF, null, null, new ByteArrayInputStream(export)));
            assertThat(first.status()).as("nothing known to be lost yet").isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> client.counts().dropped() == 1);

            OtlpReceiver.Response next = receiver.handle(new OtlpReceiver.Request(OtlpReceiver.PROTOBUF, null, null, new ByteArrayInputStream(export)));
            assertThat(next.status()).isEqualTo(503);
            assertThat(next.headers()).containsEntry("Retry-After", "5");
            assertThat(receiver.counts().unavailable()).isEqualTo(1);
            assertThat(receiver.counts().calls()).as("the refused export recorded nothing: the exporter's retry sends it whole").isEqualTo(1);
        }
    }
}
